"""Define accounts, transfers and entries: double entry, integer amounts, append-only.

An account has a unit (minor or micro); its balance and entries are stored "in_unit" and
read through balance_minor/balance_micro and amount_minor/amount_micro, which refuse the
wrong unit, so a micro-unit amount is never taken for minor units.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from tunemeter.ledger.exceptions import ImmutableRecord, UnitMismatch
from tunemeter.ledger.units import MAX_BALANCE, MAX_ENTRY


def unit_check(amount: int, *, unit: str, wanted: str) -> int:
    """Return amount when it is in the wanted unit; raise UnitMismatch otherwise."""
    if unit != wanted:
        raise UnitMismatch(f"amount is in {unit} units, read as {wanted}")
    return amount


class Account(models.Model):
    """A balance of one kind, in one currency, for one owner (customer or rights holder)."""

    CUSTOMER = "customer"
    REVENUE = "revenue"
    ROYALTIES_PAYABLE = "royalties_payable"
    ESCROW = "escrow"
    CLEARING = "clearing"
    PAYOUTS = "payouts"
    TAX_PAYABLE = "tax_payable"
    RECEIVABLE = "receivable"
    KINDS = [
        (CUSTOMER, "customer balance"),
        (REVENUE, "store revenue"),
        (ROYALTIES_PAYABLE, "royalties payable"),
        (ESCROW, "escrow"),
        (CLEARING, "payment clearing"),
        (PAYOUTS, "payouts"),
        # Owed to one country's tax authority; owner "tax:<ISO country>".
        (TAX_PAYABLE, "tax payable"),
        # Owed BY a customer (negative balance): a card payment reversed after it was spent.
        (RECEIVABLE, "receivable"),
    ]

    # Customer money is kept in minor units; royalty accruals in micro-units (10^-6 of the
    # currency), so shares of a cent are never rounded away. A transfer balances per unit.
    MINOR, MICRO = "minor", "micro"
    UNITS = [(MINOR, "minor units"), (MICRO, "micro-units")]

    kind = models.CharField(max_length=20, choices=KINDS)
    currency = models.CharField(max_length=3)
    unit = models.CharField(max_length=5, choices=UNITS, default=MINOR)
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    owner = models.CharField(
        max_length=64, help_text='"store", "customer:<user id>" or "holder:<id>"'
    )
    # In the account's unit; read it as balance_minor or balance_micro, which check the unit.
    balance_in_unit = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "currency", "unit", "owner"], name="account_unique_per_unit"
            ),
            # A customer can never owe the store: the database refuses it too.
            models.CheckConstraint(
                condition=~models.Q(kind="customer") | models.Q(balance_in_unit__gte=0),
                name="customer_balance_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    balance_in_unit__gte=-MAX_BALANCE, balance_in_unit__lte=MAX_BALANCE
                ),
                name="account_balance_bounded",
            ),
        ]

    def __str__(self) -> str:
        owner = f" of user {self.customer_id}" if self.customer_id else ""
        if self.owner.startswith("holder:"):
            owner = f" of {self.owner}"
        unit = " micro" if self.unit == self.MICRO else ""
        return f"{self.get_kind_display()}{owner} ({self.currency}{unit})"

    @property
    def balance_minor(self) -> int:
        """Return the balance in minor units; raise UnitMismatch on a micro-unit account."""
        return unit_check(self.balance_in_unit, unit=self.unit, wanted=self.MINOR)

    @property
    def balance_micro(self) -> int:
        """Return the balance in micro-units; raise UnitMismatch on a minor-unit account."""
        return unit_check(self.balance_in_unit, unit=self.unit, wanted=self.MICRO)


class Transfer(models.Model):
    """A balanced movement of money; its id is its idempotency key. Never updated or deleted."""

    id = models.CharField(primary_key=True, max_length=200)
    kind = models.CharField(max_length=30)
    metadata = models.JSONField(default=dict, blank=True)
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableRecord("transfers are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecord("transfers are append-only")


class Entry(models.Model):
    """One leg of a transfer: a signed amount on an account. Never updated or deleted."""

    transfer = models.ForeignKey(Transfer, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    # In the account's unit; read it as amount_minor or amount_micro, which check the unit.
    amount_in_unit = models.BigIntegerField()
    currency = models.CharField(max_length=3)

    class Meta:
        verbose_name_plural = "entries"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_in_unit__gte=-MAX_ENTRY, amount_in_unit__lte=MAX_ENTRY),
                name="entry_amount_bounded",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount_in_unit:+d} {self.currency} on {self.account_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableRecord("entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecord("entries are append-only")

    @property
    def amount_minor(self) -> int:
        """Return the amount in minor units; raise UnitMismatch on a micro-unit account."""
        return unit_check(self.amount_in_unit, unit=self.account.unit, wanted=Account.MINOR)

    @property
    def amount_micro(self) -> int:
        """Return the amount in micro-units; raise UnitMismatch on a minor-unit account."""
        return unit_check(self.amount_in_unit, unit=self.account.unit, wanted=Account.MICRO)
