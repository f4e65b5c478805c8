"""Read the ledger: balances, and a full verification of every balance and transfer."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Sum

from tunemeter.ledger.models import Account, Entry


def balance_minor(*, user, currency: str) -> int:
    """Return a customer's balance in minor units (0 without an account)."""
    account = Account.objects.filter(
        kind=Account.CUSTOMER, currency=currency, owner=f"customer:{user.pk}"
    ).first()
    return account.balance_minor if account else 0


def ledger_verify() -> list[str]:
    """Recompute every balance from the entries and check every transfer sums to zero.

    Return the differences found (empty when the ledger is consistent).
    """
    problems: list[str] = []
    sums = dict(Entry.objects.values_list("account_id").annotate(total=Sum("amount_in_unit")))
    for account in Account.objects.all():
        expected = sums.get(account.pk, 0) or 0
        # A float here means SQLite overflowed 64 bits: report it, never compute with it.
        for what, value in (("balance", account.balance_in_unit), ("entries sum", expected)):
            if type(value) is not int:
                problems.append(f"account {account.pk} ({account}): {what} is not an integer")
        if expected != account.balance_in_unit:
            problems.append(
                f"account {account.pk} ({account}): balance {account.balance_in_unit}, "
                f"entries sum to {expected}"
            )
        if account.kind == Account.CUSTOMER and account.balance_in_unit < 0:
            problems.append(f"account {account.pk} ({account}): negative customer balance")
    per_transfer: dict[tuple[str, str], int] = defaultdict(int)
    for transfer_id, currency, amount, account_currency, unit in Entry.objects.values_list(
        "transfer_id", "currency", "amount_in_unit", "account__currency", "account__unit"
    ):
        per_transfer[(transfer_id, f"{currency} {unit}")] += amount
        if currency != account_currency:
            problems.append(
                f"transfer {transfer_id}: entry in {currency} on a {account_currency} account"
            )
    problems += [
        f"transfer {tid}: {currency} entries sum to {total}"
        for (tid, currency), total in sorted(per_transfer.items())
        if total != 0
    ]
    return problems


def receivables() -> list[Account]:
    """Return the customers' receivable accounts that are owed (negative), largest debt first.

    A card payment reversed (refund, dispute) after the customer spent the money leaves
    the customer owing the store; the next top-up pays it off first.
    """
    return list(
        Account.objects.filter(kind=Account.RECEIVABLE, balance_in_unit__lt=0)
        .select_related("customer")
        .order_by("balance_in_unit", "pk")
    )
