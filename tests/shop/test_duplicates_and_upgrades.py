"""Test that nothing is charged twice and that another format costs only the difference."""

from __future__ import annotations

import pytest

from tests.shop.factories import customer, fund, tracks
from tunemeter.ledger.selectors import balance_minor, ledger_verify
from tunemeter.library.models import Entitlement
from tunemeter.pricing.models import FormatRate, ReleaseDiscount
from tunemeter.pricing.previews import price_preview
from tunemeter.pricing.services import quote_create
from tunemeter.royalties.models import RoyaltyLine
from tunemeter.shop.services import order_place

pytestmark = pytest.mark.usefixtures("ledger_db", "demo_payments")


def _rates(**rates):
    for format_id, rate in rates.items():
        FormatRate.objects.create(format_id=format_id.replace("_", "-"), rate_minor_per_mb=rate)


def _royalties_paid_micro(order) -> int:
    """Return the royalty basis accrued on an order (one right type: sound recording)."""
    return sum(
        line.paid_micro
        for line in RoyaltyLine.objects.filter(order=order, kind=RoyaltyLine.SALE)
        if line.share_bps == 10_000
    )


def test_a_track_asked_twice_or_with_its_release_is_charged_once():
    buyer = customer()
    album = tracks(3, seconds=30)
    release = album[0].release
    _rates(wav=3)
    alone = quote_create(customer=buyer, items=[(release, "wav")])
    quote = quote_create(
        customer=buyer,
        items=[(album[1], "wav"), (release, "wav"), (album[1], "wav"), (album[2], "wav")],
    )
    items = list(quote.items.order_by("position"))
    # The duplicate is merged: three items, not four.
    assert len(items) == 3
    track_item, release_item, other_item = items
    assert quote.total_minor == alone.total_minor == release_item.price_minor
    for covered in (track_item, other_item):
        assert covered.price_minor == 0
        assert covered.covered_by_id == release_item.pk
    fund(buyer, 10_000)
    order = order_place(customer=buyer, quote=quote, idempotency_key="once")
    assert balance_minor(user=buyer, currency="USD") == 10_000 - alone.total_minor
    assert Entitlement.objects.filter(customer=buyer).count() == 3
    # Royalties accrue once per track, on what was paid.
    sold = RoyaltyLine.objects.filter(order=order, kind=RoyaltyLine.SALE)
    assert sorted(sold.values_list("track_id", flat=True)) == sorted(t.pk for t in album)
    assert _royalties_paid_micro(order) == alone.total_minor * 10_000
    ledger_verify()


def test_another_format_costs_the_difference_and_royalties_accrue_on_it():
    buyer = customer()
    (track,) = tracks(1, seconds=60)
    _rates(wav=2, aiff=3, mp3_320=1)
    fund(buyer, 10_000)
    first = quote_create(customer=buyer, items=[(track, "wav")])
    order_place(customer=buyer, quote=first, idempotency_key="wav")
    paid = first.total_minor
    full = price_preview(customer=None, obj=track, format_id="aiff").price_minor
    upgrade = quote_create(customer=buyer, items=[(track, "aiff")])
    item = upgrade.items.get()
    assert (item.price_minor, item.credit_minor) == (full - paid, paid)
    order = order_place(customer=buyer, quote=upgrade, idempotency_key="aiff")
    assert balance_minor(user=buyer, currency="USD") == 10_000 - full
    assert _royalties_paid_micro(order) == (full - paid) * 10_000
    # A smaller format is free, never below zero; it still grants the download.
    smaller = quote_create(customer=buyer, items=[(track, "mp3-320")])
    assert smaller.total_minor == 0
    order_place(customer=buyer, quote=smaller, idempotency_key="mp3")
    assert Entitlement.objects.filter(customer=buyer, format_id="mp3-320").exists()
    assert balance_minor(user=buyer, currency="USD") == 10_000 - full
    ledger_verify()


def test_a_release_bought_whole_upgrades_as_a_release():
    buyer = customer()
    album = tracks(3, seconds=40)
    release = album[0].release
    ReleaseDiscount.objects.create(release=release, percent=20)
    _rates(wav=2, aiff=3)
    fund(buyer, 10_000)
    bought = quote_create(customer=buyer, items=[(release, "wav")])
    order_place(customer=buyer, quote=bought, idempotency_key="wav")
    whole = price_preview(customer=None, obj=release, format_id="aiff").price_minor
    upgrade = quote_create(customer=buyer, items=[(release, "aiff")])
    assert upgrade.total_minor == whole - bought.total_minor
    assert upgrade.items.get().credit_minor == bought.total_minor


@pytest.mark.parametrize(("policy", "expected"), [("full", "full"), ("free", 0)])
def test_the_upgrade_policy_is_a_store_setting(settings, policy, expected):
    settings.UPGRADE_POLICY = policy
    buyer = customer()
    (track,) = tracks(1, seconds=60)
    _rates(wav=2, aiff=3)
    fund(buyer, 10_000)
    order_place(
        customer=buyer,
        quote=quote_create(customer=buyer, items=[(track, "wav")]),
        idempotency_key="wav",
    )
    full = price_preview(customer=None, obj=track, format_id="aiff").price_minor
    upgrade = quote_create(customer=buyer, items=[(track, "aiff")])
    assert upgrade.total_minor == (full if expected == "full" else expected)
