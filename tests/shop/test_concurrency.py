"""Test checkout and gift codes under real concurrency: threads on the real database."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection

from tests.shop.factories import customer, fund, tracks
from tunemeter.ledger.models import Transfer
from tunemeter.ledger.selectors import balance_minor, ledger_verify
from tunemeter.pricing.services import quote_create
from tunemeter.shop.exceptions import GiftCodeError, InsufficientFunds
from tunemeter.shop.models import GiftCode, Order
from tunemeter.shop.payments import giftcode_redeem
from tunemeter.shop.services import order_place, order_refund

pytestmark = pytest.mark.usefixtures("ledger_db", "demo_payments")


def run_concurrently(n: int, work) -> list:
    """Run work(i) on n threads started together; return each result or exception."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def target(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:  # collected for the test to inspect
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_50_checkouts_against_a_balance_for_10_make_exactly_10_orders():
    buyer = customer()
    items = tracks(50)
    quotes = [quote_create(customer=buyer, items=[(t, "wav")]) for t in items]
    price = quotes[0].total_minor
    assert all(q.total_minor == price for q in quotes)
    fund(buyer, 10 * price)
    results = run_concurrently(
        50, lambda i: order_place(customer=buyer, quote=quotes[i], idempotency_key=f"k{i}")
    )
    kinds = Counter(type(r).__name__ for r in results)
    assert kinds == {"Order": 10, "InsufficientFunds": 40}, kinds
    assert all(isinstance(r, Order | InsufficientFunds) for r in results)
    assert Order.objects.count() == 10
    assert balance_minor(user=buyer, currency="USD") == 0
    assert ledger_verify() == []


def test_20_checkouts_with_one_key_make_one_order_and_one_transfer():
    buyer = customer()
    (track,) = tracks(1)
    fund(buyer, 100)
    quote = quote_create(customer=buyer, items=[(track, "wav")])
    results = run_concurrently(
        20, lambda i: order_place(customer=buyer, quote=quote, idempotency_key="once")
    )
    assert all(isinstance(r, Order) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert Order.objects.count() == 1 and Transfer.objects.filter(kind="purchase").count() == 1
    assert balance_minor(user=buyer, currency="USD") == 100 - quote.total_minor
    assert ledger_verify() == []


def test_20_concurrent_redemptions_of_one_gift_code_credit_once():
    buyers = [customer() for _ in range(20)]
    GiftCode.objects.create(code="HAPPY-2026", amount_minor=500, currency="USD")
    results = run_concurrently(20, lambda i: giftcode_redeem(customer=buyers[i], code="happy-2026"))
    credited = [r for r in results if isinstance(r, Transfer)]
    refused = [r for r in results if isinstance(r, GiftCodeError)]
    assert (len(credited), len(refused)) == (1, 19), results
    assert sum(balance_minor(user=b, currency="USD") for b in buyers) == 500
    assert Transfer.objects.filter(kind="gift_code").count() == 1
    assert ledger_verify() == []


def test_refunds_and_checkouts_of_one_customer_at_once_do_not_deadlock():
    staff, first, buyer = customer(staff=True), customer(), customer()
    items = tracks(21)
    # The store's first sale creates the revenue account, so a later customer's balance
    # account has the higher id: the lock order that used to deadlock on PostgreSQL.
    fund(first, 100)
    order_place(
        customer=first,
        quote=quote_create(customer=first, items=[(items.pop(), "wav")]),
        idempotency_key="first",
    )
    fund(buyer, 10_000)
    paid = [
        order_place(
            customer=buyer,
            quote=quote_create(customer=buyer, items=[(t, "wav")]),
            idempotency_key=f"p{i}",
        )
        for i, t in enumerate(items[:10])
    ]
    quotes = [quote_create(customer=buyer, items=[(t, "aiff")]) for t in items[10:]]

    def work(i: int):
        if i % 2:
            return order_refund(order=paid[i // 2], staff=staff, reason="test")
        return order_place(customer=buyer, quote=quotes[i // 2], idempotency_key=f"n{i}")

    results = run_concurrently(20, work)
    assert all(isinstance(r, Order) for r in results), results
    assert ledger_verify() == []
