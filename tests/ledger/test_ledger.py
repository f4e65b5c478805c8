"""Test the ledger: balanced, idempotent, append-only transfers and the verify command."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from tests.shop.factories import customer, fund
from tunemeter.ledger.exceptions import (
    ImmutableRecord,
    InsufficientFunds,
    TransferConflict,
    UnbalancedTransfer,
    UnitMismatch,
)
from tunemeter.ledger.models import Account, Entry, Transfer
from tunemeter.ledger.selectors import balance_minor, ledger_verify
from tunemeter.ledger.services import (
    Leg,
    account_get,
    customer_account,
    transfer_post,
    transfer_reverse,
)

pytestmark = pytest.mark.usefixtures("ledger_db", "demo_payments")


def test_a_transfer_moves_money_and_keeps_balances(settings):
    buyer = customer()
    fund(buyer, 500)
    assert balance_minor(user=buyer, currency="USD") == 500
    clearing = account_get(kind=Account.CLEARING, currency="USD")
    clearing.refresh_from_db()
    assert clearing.balance_minor == -500
    assert ledger_verify() == []


def test_unbalanced_transfers_are_refused():
    a = account_get(kind=Account.REVENUE, currency="USD")
    b = account_get(kind=Account.CLEARING, currency="USD")
    with pytest.raises(UnbalancedTransfer):
        transfer_post(transfer_id="t1", kind="x", legs=[Leg(a, 5), Leg(b, -4)])
    eur = account_get(kind=Account.CLEARING, currency="EUR")
    with pytest.raises(UnbalancedTransfer):  # sums to zero overall but not per currency
        transfer_post(transfer_id="t2", kind="x", legs=[Leg(a, 5), Leg(eur, -5)])
    assert Transfer.objects.count() == 0


def test_same_id_returns_the_first_transfer_and_other_legs_conflict():
    buyer = customer()
    first = fund(buyer, 300, reference="same")
    assert fund(buyer, 300, reference="same").pk == first.pk
    assert balance_minor(user=buyer, currency="USD") == 300
    with pytest.raises(TransferConflict):
        fund(buyer, 301, reference="same")


def test_customer_balances_never_go_negative():
    buyer = customer()
    fund(buyer, 100)
    revenue = account_get(kind=Account.REVENUE, currency="USD")
    balance = customer_account(user=buyer, currency="USD")
    with pytest.raises(InsufficientFunds):
        transfer_post(
            transfer_id="buy", kind="purchase", legs=[Leg(balance, -101), Leg(revenue, 101)]
        )
    assert balance_minor(user=buyer, currency="USD") == 100 and not Transfer.objects.filter(
        pk="buy"
    )


def test_the_database_refuses_a_negative_customer_balance():
    buyer = customer()
    balance = customer_account(user=buyer, currency="USD")
    with pytest.raises(DatabaseError), transaction.atomic():
        Account.objects.filter(pk=balance.pk).update(balance_in_unit=-1)


def test_transfers_and_entries_are_append_only_in_code_and_database():
    buyer = customer()
    transfer = fund(buyer, 100)
    with pytest.raises(ImmutableRecord):
        transfer.save()
    with pytest.raises(ImmutableRecord):
        transfer.delete()
    entry = Entry.objects.first()
    with pytest.raises(ImmutableRecord):
        entry.save()
    for sql in (
        "UPDATE ledger_entry SET amount_in_unit = amount_in_unit + 1",
        "DELETE FROM ledger_entry",
        "UPDATE ledger_transfer SET kind = 'forged'",
        "DELETE FROM ledger_transfer",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    assert ledger_verify() == []


def test_reversal_undoes_a_transfer_once():
    buyer = customer()
    deposit = fund(buyer, 250)
    reversal = transfer_reverse(transfer=deposit, transfer_id="rev", kind="correction")
    assert (
        transfer_reverse(transfer=deposit, transfer_id="rev", kind="correction").pk == reversal.pk
    )
    assert balance_minor(user=buyer, currency="USD") == 0
    assert reversal.reverses_id == deposit.pk and ledger_verify() == []


def test_verify_reports_tampering_and_exits_1(capsys):
    buyer = customer()
    fund(buyer, 100)
    call_command("ledger", "verify")
    assert "ledger consistent" in capsys.readouterr().out
    Account.objects.filter(owner=f"customer:{buyer.pk}").update(balance_in_unit=999)
    with pytest.raises(SystemExit) as exit_info:
        call_command("ledger", "verify")
    out = capsys.readouterr().out
    assert exit_info.value.code == 1
    assert "balance 999, entries sum to 100" in out


def test_an_amount_is_read_only_in_its_own_unit():
    """A micro-unit balance or entry read as minor units (or the reverse) is refused."""
    minor = account_get(kind=Account.REVENUE, currency="USD")
    micro = account_get(kind=Account.ROYALTIES_PAYABLE, currency="USD", unit=Account.MICRO)
    other = account_get(kind=Account.ESCROW, currency="USD", unit=Account.MICRO)
    transfer = transfer_post(transfer_id="units", kind="x", legs=[Leg(micro, 7), Leg(other, -7)])
    assert Account.objects.get(pk=micro.pk).balance_micro == 7
    with pytest.raises(UnitMismatch):
        _ = Account.objects.get(pk=micro.pk).balance_minor
    with pytest.raises(UnitMismatch):
        _ = Account.objects.get(pk=minor.pk).balance_micro
    entry = transfer.entries.select_related("account").get(account=micro)
    assert entry.amount_micro == 7
    with pytest.raises(UnitMismatch):
        _ = entry.amount_minor
