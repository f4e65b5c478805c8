"""Show the ledger in the admin, read-only: money moves only through services."""

from __future__ import annotations

from django.contrib import admin

from tunemeter.ledger.models import Account, Entry, Transfer
from tunemeter.ledger.units import micro_format, minor_format


def money_column(field: str, description: str, *, unit: str = "minor"):
    """Return an admin column writing an integer amount as money ("2.24 USD", not 224).

    The row's `currency` names the currency; unit "micro" (or a row whose `unit` is
    micro, like a royalty account's) writes micro-units exactly.
    """

    @admin.display(description=description, ordering=field)
    def column(*args) -> str:
        obj = args[-1]  # called as a ModelAdmin method (self, obj)
        amount = getattr(obj, field)
        if amount is None:
            return "–"
        row_unit = getattr(obj, "unit", None) or getattr(
            getattr(obj, "account", None), "unit", unit
        )
        # A quote item's currency is its quote's.
        currency = getattr(obj, "currency", None) or obj.quote.currency
        if row_unit == Account.MICRO or unit == "micro":
            return micro_format(amount, currency)
        return minor_format(amount, currency)

    return column


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
    list_display = ["id", "kind", "owner", "customer", "unit", "balance"]
    balance = money_column("balance_in_unit", "balance")
    list_filter = ["kind", "currency", "unit"]
    list_select_related = ["customer"]
    search_fields = ["owner", "customer__email"]


class EntryInline(admin.TabularInline):
    model = Entry
    can_delete = False
    fields = ("account", "amount")
    readonly_fields = ("account", "amount")
    amount = money_column("amount_in_unit", "amount")
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
    list_display = ["id", "transfer", "account", "amount"]
    amount = money_column("amount_in_unit", "amount")
    list_filter = ["account__kind", "currency", "transfer__kind"]
    list_select_related = ["transfer", "account__customer"]
    search_fields = ["transfer__id", "account__owner", "account__customer__email"]
