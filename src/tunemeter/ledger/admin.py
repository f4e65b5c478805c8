"""Show the ledger in the admin, read-only: money moves only through services."""

from __future__ import annotations

from django.contrib import admin

from tunemeter.ledger.models import Account, Entry, Transfer


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Account)
class AccountAdmin(ReadOnly):
    list_display = ["id", "kind", "owner", "currency", "balance_minor"]
    list_filter = ["kind", "currency"]
    search_fields = ["owner"]


class EntryInline(admin.TabularInline):
    model = Entry
    can_delete = False
    readonly_fields = ["account", "amount_minor", "currency"]
    extra = 0


@admin.register(Transfer)
class TransferAdmin(ReadOnly):
    list_display = ["id", "kind", "created_at"]
    list_filter = ["kind"]
    search_fields = ["id"]
    inlines = [EntryInline]
