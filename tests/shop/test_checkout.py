"""Test quotes and checkout: prices, ownership, idempotency, atomicity, refunds."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.shop.factories import customer, fund, tracks
from tunemeter.ledger.models import Transfer
from tunemeter.ledger.selectors import balance_minor, ledger_verify
from tunemeter.library.models import Entitlement
from tunemeter.pricing import rates
from tunemeter.pricing.models import FormatRate, Quote, ReleaseDiscount
from tunemeter.pricing.services import quote_create
from tunemeter.shop import services as shop_services
from tunemeter.shop.exceptions import (
    IdempotencyConflict,
    InsufficientFunds,
    NotForSale,
    QuoteExpired,
    QuoteStale,
)
from tunemeter.shop.models import Order
from tunemeter.shop.services import order_place, order_refund
from tunemeter.transcoding.sizing import rendition_size

pytestmark = pytest.mark.usefixtures("ledger_db", "demo_payments")


def test_price_is_size_times_rate_rounded_up_with_a_minimum():
    assert rates.track_price_minor(size_bytes=1_000_000, rate=3) == 5  # the minimum
    assert rates.track_price_minor(size_bytes=10_000_001, rate=3) == 31  # 30.000003 → 31
    assert rates.track_price_minor(size_bytes=10_000_000, rate=3) == 30
    assert rates.discount_minor(199, 10) == 19


def test_quote_locks_sizes_prices_and_marks_owned_items(settings):
    buyer = customer()
    (track,) = tracks(1, seconds=60)  # 60 s of CD audio ≈ 10.6 MB of WAV
    FormatRate.objects.create(format_id="wav", rate_minor_per_mb=3)
    size, exact = rendition_size(track_id=track.pk, format_id="wav")
    quote = quote_create(customer=buyer, items=[(track, "wav")])
    item = quote.items.get()
    assert (item.size_bytes, item.exact, item.owned) == (size, True, False)
    assert item.price_minor == quote.total_minor == math.ceil(size * 3 / 1_000_000)
    assert quote.expires_at - quote.created_at == timedelta(minutes=15)
    fund(buyer, 1000)
    order_place(customer=buyer, quote=quote, idempotency_key="k1")
    again = quote_create(customer=buyer, items=[(track, "wav"), (track, "aiff")])
    owned, other = again.items.all()
    assert (owned.owned, owned.price_minor, other.owned) == (True, 0, False)
    assert again.total_minor == other.price_minor


def test_a_release_costs_its_tracks_minus_its_discount():
    buyer = customer()
    album = tracks(3, seconds=60)
    release = album[0].release
    ReleaseDiscount.objects.create(release=release, percent=10)
    single = quote_create(customer=buyer, items=[(t, "wav") for t in album])
    whole = quote_create(customer=buyer, items=[(release, "wav")])
    item = whole.items.get()
    assert item.discount_minor == single.total_minor * 10 // 100
    assert whole.total_minor == single.total_minor - item.discount_minor
    assert item.lines.count() == 3


def test_checkout_debits_and_grants_entitlements():
    buyer = customer()
    album = tracks(2)
    fund(buyer, 100)
    quote = quote_create(customer=buyer, items=[(album[0].release, "aiff")])
    order = order_place(customer=buyer, quote=quote, idempotency_key="a")
    assert order.total_minor == quote.total_minor > 0
    assert balance_minor(user=buyer, currency="USD") == 100 - quote.total_minor
    assert set(Entitlement.objects.values_list("track_id", "format_id")) == {
        (album[0].pk, "aiff"),
        (album[1].pk, "aiff"),
    }
    assert ledger_verify() == []


def test_same_key_same_order_other_quote_conflict():
    buyer = customer()
    t1, t2 = tracks(2)
    fund(buyer, 100)
    q1 = quote_create(customer=buyer, items=[(t1, "wav")])
    first = order_place(customer=buyer, quote=q1, idempotency_key="key")
    assert order_place(customer=buyer, quote=q1, idempotency_key="key").pk == first.pk
    q2 = quote_create(customer=buyer, items=[(t2, "wav")])
    with pytest.raises(IdempotencyConflict):
        order_place(customer=buyer, quote=q2, idempotency_key="key")
    assert Order.objects.count() == 1 and Transfer.objects.filter(kind="purchase").count() == 1


def test_insufficient_balance_writes_nothing():
    buyer = customer()
    (track,) = tracks(1)
    fund(buyer, 4)
    quote = quote_create(customer=buyer, items=[(track, "wav")])
    with pytest.raises(InsufficientFunds, match="insufficient balance"):
        order_place(customer=buyer, quote=quote, idempotency_key="k")
    assert balance_minor(user=buyer, currency="USD") == 4
    assert not Order.objects.exists() and not Entitlement.objects.exists()


def test_expired_quote_gets_a_clear_error_and_a_fresh_quote():
    buyer = customer()
    (track,) = tracks(1)
    fund(buyer, 100)
    quote = quote_create(customer=buyer, items=[(track, "wav")])
    Quote.objects.filter(pk=quote.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    quote.refresh_from_db()
    with pytest.raises(QuoteExpired) as expired:
        order_place(customer=buyer, quote=quote, idempotency_key="k")
    fresh = expired.value.fresh
    assert fresh.pk != quote.pk and fresh.total_minor == quote.total_minor
    assert (
        order_place(customer=buyer, quote=fresh, idempotency_key="k2").total_minor
        == fresh.total_minor
    )


def test_buying_again_what_was_bought_since_the_quote_is_stale():
    buyer = customer()
    (track,) = tracks(1)
    fund(buyer, 100)
    q1 = quote_create(customer=buyer, items=[(track, "wav")])
    q2 = quote_create(customer=buyer, items=[(track, "wav")])
    order_place(customer=buyer, quote=q1, idempotency_key="one")
    with pytest.raises(QuoteStale) as stale:
        order_place(customer=buyer, quote=q2, idempotency_key="two")
    assert stale.value.fresh.total_minor == 0
    assert balance_minor(user=buyer, currency="USD") == 100 - q1.total_minor


def test_a_failure_after_the_debit_rolls_everything_back(monkeypatch):
    buyer = customer()
    (track,) = tracks(1)
    fund(buyer, 100)
    quote = quote_create(customer=buyer, items=[(track, "wav")])

    def explode(**kwargs):
        raise RuntimeError("disk full while granting entitlements")

    monkeypatch.setattr(shop_services, "entitlements_grant", explode)
    with pytest.raises(RuntimeError):
        order_place(customer=buyer, quote=quote, idempotency_key="k")
    assert balance_minor(user=buyer, currency="USD") == 100
    assert not Order.objects.exists() and not Transfer.objects.filter(kind="purchase").exists()
    assert ledger_verify() == []


def test_the_sale_gate_refuses_unlicensed_lines_charging_nothing(settings):
    settings.SALE_GATE = "tests.shop.test_checkout.nowhere"
    buyer = customer()
    (track,) = tracks(1)
    fund(buyer, 100)
    quote = quote_create(customer=buyer, items=[(track, "wav")])
    item = quote.items.get()
    assert (item.available, item.unavailable_reason, quote.total_minor) == (
        False,
        "not available in your territory",
        0,
    )
    with pytest.raises(NotForSale):
        order_place(customer=buyer, quote=quote, idempotency_key="k")
    assert balance_minor(user=buyer, currency="USD") == 100 and not Order.objects.exists()


def nowhere(*, track, territory, at):
    return "not available in your territory"


def test_refund_reverses_money_and_revokes_then_rebuy_restores():
    staff, buyer = customer(staff=True), customer()
    (track,) = tracks(1)
    fund(buyer, 100)
    quote = quote_create(customer=buyer, items=[(track, "wav")])
    order = order_place(customer=buyer, quote=quote, idempotency_key="k")
    with pytest.raises(PermissionError):
        order_refund(order=order, staff=buyer, reason="no")
    order_refund(order=order, staff=staff, reason="customer asked")
    order_refund(order=order, staff=staff, reason="double click")
    assert balance_minor(user=buyer, currency="USD") == 100
    assert Entitlement.objects.get().revoked_at is not None
    requote = quote_create(customer=buyer, items=[(track, "wav")])
    assert requote.total_minor == quote.total_minor  # not owned any more
    order_place(customer=buyer, quote=requote, idempotency_key="k2")
    assert Entitlement.objects.get().revoked_at is None
    assert Transfer.objects.filter(kind="refund").count() == 1 and ledger_verify() == []


def test_staff_credit_with_a_reason_by_command(capsys):
    from django.core.management import CommandError, call_command

    staff, buyer = customer(staff=True), customer()
    args = [buyer.email, "250", "--reason", "goodwill", "--staff", staff.username]
    call_command("credit", *args, "--reference", "c1")
    call_command("credit", *args, "--reference", "c1")  # the same reference credits once
    assert balance_minor(user=buyer, currency="USD") == 250
    transfer = Transfer.objects.get(kind="manual_credit")
    assert transfer.metadata["reason"] == "goodwill" and transfer.metadata["staff"] == staff.pk
    with pytest.raises(CommandError, match="only staff"):
        call_command("credit", buyer.email, "5", "--reason", "x", "--staff", buyer.username)


def test_gift_codes_are_case_insensitive_and_in_the_store_currency():
    from tunemeter.shop.exceptions import GiftCodeError
    from tunemeter.shop.models import GiftCode
    from tunemeter.shop.payments import giftcode_redeem

    buyer = customer()
    GiftCode.objects.create(code=" welcome-1 ", amount_minor=100, currency="USD")
    giftcode_redeem(customer=buyer, code="Welcome-1")
    assert balance_minor(user=buyer, currency="USD") == 100
    GiftCode.objects.create(code="EURO", amount_minor=100, currency="EUR")
    with pytest.raises(GiftCodeError, match="in EUR"):
        giftcode_redeem(customer=buyer, code="euro")
    assert balance_minor(user=buyer, currency="USD") == 100
