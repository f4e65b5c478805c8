"""Read a rights holder's royalty balances from the ledger (micro-unit accounts)."""

from __future__ import annotations

from collections import defaultdict

from tunemeter.ledger.models import Account

# Ledger account kind → the name of its balance in what holder_balances returns.
BALANCE_NAMES = {
    Account.ROYALTIES_PAYABLE: "payable_micro",
    Account.ESCROW: "escrow_micro",
    Account.PAYOUTS: "paid_out_micro",
}


def holder_balances(*, holder) -> dict[str, dict[str, int]]:
    """Return a holder's balances per currency: payable, in escrow and paid out (micro-units).

    `{"USD": {"payable_micro": …, "escrow_micro": …, "paid_out_micro": …}}`; a holder
    with no royalties yet has no currency.
    """
    rows = Account.objects.filter(
        owner=f"holder:{holder.pk}", unit=Account.MICRO, kind__in=list(BALANCE_NAMES)
    ).values_list("currency", "kind", "balance_in_unit")
    balances: dict[str, dict[str, int]] = defaultdict(
        lambda: dict.fromkeys(BALANCE_NAMES.values(), 0)
    )
    for currency, kind, balance in rows:
        balances[currency][BALANCE_NAMES[kind]] = balance
    return dict(balances)
