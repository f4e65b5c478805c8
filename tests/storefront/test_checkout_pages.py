"""Test the checkout pages: quote from the cart, Buy once per key, top-up path, expiry."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from tests.shop.factories import customer, fund, tracks
from tunemeter.ledger.selectors import balance_minor
from tunemeter.library.models import Entitlement
from tunemeter.pricing.models import Quote
from tunemeter.shop.models import Order

pytestmark = pytest.mark.usefixtures("ledger_db", "demo_payments")


@pytest.fixture
def buyer(client):
    user = customer()
    client.force_login(user)
    return user


def checkout_with(client, *items) -> Quote:
    for kind, obj_id, fmt in items:
        client.post(reverse("shop:cart_add"), {"kind": kind, "id": obj_id, "format": fmt})
    response = client.post(reverse("shop:checkout_start"))
    quote = Quote.objects.order_by("-created_at").first()
    assert response.status_code == 302
    assert response["Location"] == reverse("shop:checkout", args=[quote.pk])
    return quote


def buy_key(page: str) -> str:
    return re.search(r'name="key" value="([0-9a-f]+)"', page).group(1)


def test_checkout_shows_lines_and_expiry_and_a_double_buy_pays_once(client, buyer):
    album = tracks(2, seconds=30)
    fund(buyer, 10_000)
    quote = checkout_with(client, ("release", album[0].release_id, "wav"))
    page = client.get(reverse("shop:checkout", args=[quote.pk])).content.decode()
    assert page.count('data-testid="checkout-line"') == 1 and "WAV (uncompressed)" in page
    assert "These prices hold until" in page and "data-countdown=" in page
    key = buy_key(page)
    buy = reverse("shop:checkout_buy", args=[quote.pk])
    first = client.post(buy, {"key": key})
    second = client.post(buy, {"key": key})  # the double click
    order = Order.objects.get()
    assert first["Location"] == second["Location"] == reverse("shop:order", args=[order.pk])
    assert balance_minor(user=buyer, currency=settings.STORE_CURRENCY) == 10_000 - quote.total_minor
    assert Entitlement.objects.filter(customer=buyer).count() == 2
    assert client.session["cart"] == []
    receipt = client.get(first["Location"]).content.decode()
    assert album[0].release.title in receipt and "T1" in receipt and "T2" in receipt
    assert reverse("delivery:library") in receipt and "Thank you" in receipt
    # The paid quote's page now leads to its receipt.
    again = client.get(reverse("shop:checkout", args=[quote.pk]))
    assert again["Location"] == reverse("shop:order", args=[order.pk])


def test_a_short_balance_shows_the_shortfall_and_a_top_up_path_back(client, buyer):
    (track,) = tracks(1, seconds=30)
    quote = checkout_with(client, ("track", track.pk, "wav"))
    here = reverse("shop:checkout", args=[quote.pk])
    page = client.get(here).content.decode()
    assert 'data-testid="shortfall"' in page
    topup = re.search(r'href="([^"]+)" data-testid="top-up"', page).group(1).replace("&amp;", "&")
    assert f"amount_minor={quote.total_minor}" in topup
    response = client.post(reverse("shop:checkout_buy", args=[quote.pk]), {"key": buy_key(page)})
    assert response["Location"] == here and not Order.objects.exists()
    assert "short by" in client.get(here).content.decode()

    balance_page = client.get(topup).content.decode()
    assert 'data-testid="back-to-checkout"' in balance_page
    response = client.post(
        reverse("shop:topup"), {"amount": "5.00", "key": "topup-1", "next": here}
    )
    assert response["Location"] == here
    page = client.get(here).content.decode()
    assert 'data-testid="shortfall"' not in page
    client.post(reverse("shop:checkout_buy", args=[quote.pk]), {"key": buy_key(page)})
    assert Order.objects.filter(customer=buyer).count() == 1


def test_an_expired_quote_is_quoted_again_with_a_clear_message(client, buyer):
    (track,) = tracks(1, seconds=30)
    fund(buyer, 1000)
    quote = checkout_with(client, ("track", track.pk, "wav"))
    page = client.get(reverse("shop:checkout", args=[quote.pk])).content.decode()
    Quote.objects.filter(pk=quote.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    expired_page = client.get(reverse("shop:checkout", args=[quote.pk])).content.decode()
    assert (
        "These prices have expired." in expired_page
        and 'data-testid="refresh-quote"' in expired_page
    )
    response = client.post(reverse("shop:checkout_buy", args=[quote.pk]), {"key": buy_key(page)})
    fresh = Quote.objects.exclude(pk=quote.pk).get()
    assert response["Location"] == reverse("shop:checkout", args=[fresh.pk])
    assert not Order.objects.exists()
    assert "fresh ones" in client.get(response["Location"]).content.decode()
    refreshed = client.post(reverse("shop:checkout_refresh", args=[quote.pk]))
    assert refreshed.status_code == 302 and Quote.objects.count() == 3


def test_quotes_and_orders_of_others_are_not_found(client, buyer):
    (track,) = tracks(1)
    other = customer()
    client.force_login(other)
    fund(other, 1000)
    quote = checkout_with(client, ("track", track.pk, "wav"))
    page = client.get(reverse("shop:checkout", args=[quote.pk])).content.decode()
    client.post(reverse("shop:checkout_buy", args=[quote.pk]), {"key": buy_key(page)})
    order = Order.objects.get()
    client.force_login(buyer)
    assert client.get(reverse("shop:checkout", args=[quote.pk])).status_code == 404
    assert (
        client.post(reverse("shop:checkout_buy", args=[quote.pk]), {"key": "x"}).status_code == 404
    )
    assert client.get(reverse("shop:order", args=[order.pk])).status_code == 404


def test_a_damaged_buy_form_pays_nothing(client, buyer):
    (track,) = tracks(1)
    fund(buyer, 1000)
    quote = checkout_with(client, ("track", track.pk, "wav"))
    for key in ["", "x" * 101, "bad\nkey"]:
        client.post(reverse("shop:checkout_buy", args=[quote.pk]), {"key": key})
    assert not Order.objects.exists()


def test_checkout_pages_never_change_state_on_get(client, buyer):
    (track,) = tracks(1)
    fund(buyer, 1000)
    client.post(reverse("shop:cart_add"), {"kind": "track", "id": track.pk, "format": "wav"})
    cart = client.session["cart"]
    for url in [reverse("shop:checkout_start"), reverse("shop:cart_update"), reverse("shop:topup")]:
        assert client.get(url).status_code == 405
    quote = checkout_with(client)
    before = (Quote.objects.count(), Order.objects.count())
    for url in [
        reverse("shop:cart"),
        reverse("shop:checkout", args=[quote.pk]),
        reverse("shop:checkout_buy", args=[quote.pk]),
        reverse("shop:checkout_refresh", args=[quote.pk]),
        reverse("shop:balance"),
        reverse("shop:orders"),
        reverse("storefront:release", args=[track.release_id]),
        reverse("storefront:prices", args=["track", track.pk]) + "?format=wav",
    ]:
        client.get(url)
    assert (Quote.objects.count(), Order.objects.count()) == before
    assert client.session["cart"] == cart
    assert balance_minor(user=buyer, currency=settings.STORE_CURRENCY) == 1000
