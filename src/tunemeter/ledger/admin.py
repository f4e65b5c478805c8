"""Show the ledger in the admin, read-only: money moves only through services."""

from __future__ import annotations

from django.contrib import admin

from tunemeter.ledger.models import Account, Entry, Transfer


class ReadOnly(admin.ModelAdmin):
    """Let staff look at ledger rows, never add, change or delete them."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Account)
class AccountAdmin(ReadOnly):
    list_display = ["id", "kind", "owner", "customer", "currency", "unit", "balance_in_unit"]
    list_filter = ["kind", "currency", "unit"]
    list_select_related = ["customer"]
    search_fields = ["owner", "customer__email"]


class EntryInline(admin.TabularInline):
    model = Entry
    can_delete = False
    readonly_fields = ["account", "amount_in_unit", "currency"]
    extra = 0

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Transfer)
class TransferAdmin(ReadOnly):
    list_display = ["id", "kind", "reverses", "created_at"]
    list_filter = ["kind", "created_at"]
    list_select_related = ["reverses"]
    search_fields = ["id", "kind"]
    date_hierarchy = "created_at"
    inlines = [EntryInline]


@admin.register(Entry)
class EntryAdmin(ReadOnly):
    list_display = ["id", "transfer", "account", "amount_in_unit", "currency"]
    list_filter = ["account__kind", "currency", "transfer__kind"]
    list_select_related = ["transfer", "account__customer"]
    search_fields = ["transfer__id", "account__owner", "account__customer__email"]
