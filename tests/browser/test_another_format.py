"""Get music you own in another format: from the library, paying only the difference."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD
from tunemeter.library.models import Entitlement
from tunemeter.pricing.models import FormatRate
from tunemeter.pricing.previews import price_preview
from tunemeter.pricing.services import quote_create
from tunemeter.shop.models import Order
from tunemeter.shop.services import order_place

pytestmark = pytest.mark.django_db(transaction=True)


def _sign_in(page, email):
    page.goto("/account/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_test_id("form-submit").click()
    expect(page.get_by_test_id("nav-signout")).to_be_visible()


def test_the_library_upgrades_a_release_for_the_difference(page, store, buyer):
    release = store.release
    # Tiny tracks cost the minimum in most formats: make AIFF clearly dearer.
    FormatRate.objects.update_or_create(format_id="aiff", defaults={"rate_minor_per_mb": 100})
    first = order_place(
        customer=buyer,
        quote=quote_create(customer=buyer, items=[(release, "mp3-320")]),
        idempotency_key="mp3",
    )
    single = release.tracks.order_by("position").first()
    order_place(
        customer=buyer,
        quote=quote_create(customer=buyer, items=[(single, "wav")]),
        idempotency_key="one-wav",
    )
    _sign_in(page, buyer.email)
    page.get_by_test_id("nav-library").click()
    entry = page.get_by_test_id("library-release")
    expect(entry.get_by_test_id("library-cover")).to_be_visible()
    # Every track lists the formats it is owned in; the first one is also in WAV.
    owned = entry.get_by_test_id("owned-formats")
    expect(owned.first).to_contain_text("MP3 320 kbps")
    expect(owned.first).to_contain_text("WAV")
    # A zip for the three MP3s (the whole release), none for the one WAV track.
    zips = entry.get_by_test_id("download-zip")
    expect(zips).to_have_count(1)
    expect(zips).to_contain_text("whole release")
    expect(zips).to_have_attribute("data-format", "mp3-320")

    tid = f"lib-release-{release.pk}"
    page.get_by_test_id(f"another-format-{tid}").click()
    page.get_by_test_id(f"format-{tid}").select_option("aiff")
    note = page.get_by_test_id(f"note-{tid}")
    expect(note).to_contain_text("You pay only the difference")
    full = price_preview(customer=None, obj=release, format_id="aiff").price_minor
    page.get_by_test_id(f"add-{tid}").click()
    page.get_by_test_id("checkout").click()
    expect(page.get_by_test_id("item-credit")).to_contain_text("already paid for another format")
    page.get_by_test_id("buy").click()
    expect(page).to_have_url(re.compile(r"/account/orders/\d+/$"))
    upgrade = Order.objects.exclude(pk=first.pk).latest("created_at")
    # The difference: AIFF's price less what the MP3s and the WAV track cost.
    assert 0 < upgrade.total_minor < full
    expect(page.get_by_test_id("item-credit")).to_be_visible()
    assert Entitlement.objects.filter(customer=buyer, format_id="aiff").count() == 3
