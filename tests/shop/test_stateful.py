"""A Hypothesis state machine of deposits, quotes, purchases, refunds and gift codes.

After every step: every transfer sums to zero, every balance equals its entries, no
customer is below zero (ledger_verify checks all three), and each customer's
balance equals what the model says it should be.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)

from tests.shop.factories import customer, fund, tracks
from tunemeter.ledger.selectors import balance_minor, ledger_verify
from tunemeter.pricing.services import quote_create
from tunemeter.shop.exceptions import GiftCodeError, InsufficientFunds, QuoteStale
from tunemeter.shop.models import GiftCode, Order
from tunemeter.shop.payments import giftcode_redeem
from tunemeter.shop.services import order_place, order_refund

pytestmark = pytest.mark.usefixtures("ledger_db", "demo_payments")


def test_money_is_never_lost_or_invented():
    pool = tracks(4)
    staff = customer(staff=True)
    serial = itertools.count()

    class Store(RuleBasedStateMachine):
        customers = Bundle("customers")
        orders = Bundle("orders")
        codes = Bundle("codes")

        def __init__(self) -> None:
            super().__init__()
            self.expected: dict[int, int] = {}

        @rule(target=customers)
        def register(self):
            user = customer()
            self.expected[user.pk] = 0
            return user

        @rule(user=customers, amount=st.integers(min_value=1, max_value=60))
        def deposit(self, user, amount):
            fund(user, amount, reference=f"d{next(serial)}")
            self.expected[user.pk] += amount

        @rule(target=codes, amount=st.integers(min_value=1, max_value=40))
        def issue_gift_code(self, amount):
            return GiftCode.objects.create(
                code=f"G{next(serial)}", amount_minor=amount, currency="USD"
            )

        @rule(user=customers, code=codes)
        def redeem(self, user, code):
            code.refresh_from_db()
            try:
                giftcode_redeem(customer=user, code=code.code)
            except GiftCodeError:
                assert code.redeemed_by_id not in (None, user.pk)
                return
            if code.redeemed_by_id is None:
                self.expected[user.pk] += code.amount_minor

        @rule(
            target=orders,
            user=customers,
            picks=st.sets(st.integers(0, 3), min_size=1),
            fmt=st.sampled_from(["wav", "aiff"]),
        )
        def buy(self, user, picks, fmt):
            quote = quote_create(customer=user, items=[(pool[i], fmt) for i in sorted(picks)])
            try:
                order = order_place(customer=user, quote=quote, idempotency_key=f"o{next(serial)}")
            except (InsufficientFunds, QuoteStale):
                assert balance_minor(user=user, currency="USD") == self.expected[user.pk]
                return None
            self.expected[user.pk] -= order.total_minor
            return order

        @rule(order=orders)
        def refund(self, order):
            if order is None:
                return
            order.refresh_from_db()
            if order.status == Order.PAID:
                self.expected[order.customer_id] += order.total_minor
            order_refund(order=order, staff=staff, reason="test")

        @invariant()
        def ledger_balances(self):
            assert ledger_verify() == []
            for user_id, expected in self.expected.items():
                user = type(staff).objects.get(pk=user_id)
                assert balance_minor(user=user, currency="USD") == expected >= 0

    run_state_machine_as_test(
        Store,
        settings=settings(
            max_examples=12,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
