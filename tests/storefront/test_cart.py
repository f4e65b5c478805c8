"""Test the format picker's prices, the session cart, owned and unlicensed items."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.shop.factories import customer, fund, tracks
from tunemeter.pricing.models import Quote, ReleaseDiscount
from tunemeter.pricing.services import quote_create
from tunemeter.shop.services import order_place

pytestmark = pytest.mark.usefixtures("ledger_db", "demo_payments")

BLOCKED_TITLE = "T2"


def refuse_t2(*, track, territory, at):
    """A sale gate that refuses one track everywhere (the test's stand-in for a missing deal)."""
    return "no licence here" if track.title == BLOCKED_TITLE else None


@pytest.fixture
def buyer(client):
    user = customer()
    client.force_login(user)
    return user


def add(client, kind, obj_id, fmt, **extra):
    return client.post(
        reverse("shop:cart_add"), {"kind": kind, "id": obj_id, "format": fmt, **extra}
    )


def test_picker_json_equals_what_the_quote_locks(client, buyer):
    album = tracks(3, seconds=30)
    release = album[0].release
    ReleaseDiscount.objects.create(release=release, percent=10)
    url = reverse("storefront:prices", args=["release", release.pk])
    body = client.get(url, {"format": ["wav", "mp3-320"]}).json()
    assert [row["id"] for row in body["formats"]] == ["wav", "mp3-320"]
    quote = quote_create(customer=buyer, items=[(release, "wav"), (release, "mp3-320")])
    for row, item in zip(body["formats"], quote.items.all(), strict=True):
        assert (row["size_bytes"], row["exact"], row["price_minor"], row["discount_minor"]) == (
            item.size_bytes,
            item.exact,
            item.price_minor,
            item.discount_minor,
        )
        assert row["discount_minor"] > 0 and row["price_display"].startswith("$")
        assert row["size_display"].endswith("MB") and "≈" not in row["size_display"]
    track_row = client.get(
        reverse("storefront:prices", args=["track", album[0].pk]), {"format": "aiff"}
    ).json()["formats"][0]
    track_item = quote_create(customer=buyer, items=[(album[0], "aiff")]).items.get()
    assert (track_row["size_bytes"], track_row["price_minor"]) == (
        track_item.size_bytes,
        track_item.price_minor,
    )


def test_picker_json_refuses_unknown_things(client):
    (track,) = tracks(1)
    url = reverse("storefront:prices", args=["track", track.pk])
    assert client.get(url, {"format": "mp3-999"}).status_code == 400
    assert client.get(reverse("storefront:prices", args=["track", 99999])).status_code == 404
    assert client.get(reverse("storefront:prices", args=["nope", track.pk])).status_code == 404
    assert client.post(url, {"format": "wav"}).status_code == 405


def test_release_page_shows_pickers_with_the_default_formats_price(client, buyer):
    album = tracks(2, seconds=30)
    release = album[0].release
    body = client.get(reverse("storefront:release", args=[release.pk])).content.decode()
    quote = quote_create(customer=buyer, items=[(release, "mp3-320")])
    from tunemeter.display import money_display

    assert (
        'data-testid="format-release"' in body and f'data-testid="add-track-{album[0].pk}"' in body
    )
    assert money_display(quote.total_minor) in body
    assert 'action="/cart/add"' in body and "csrfmiddlewaretoken" in body


def test_add_change_format_and_remove(client, buyer):
    album = tracks(2)
    release = album[0].release
    response = add(client, "release", release.pk, "wav")
    assert response.status_code == 302 and response["Location"] == reverse("shop:cart")
    add(client, "track", album[0].pk, "mp3-320")
    add(client, "track", album[0].pk, "mp3-320")  # twice: still one
    page = client.get(reverse("shop:cart")).content.decode()
    assert page.count('data-testid="cart-row"') == 2
    assert "WAV (uncompressed)" in page and 'data-testid="cart-count">2<' in page

    key = f"track:{album[0].pk}:mp3-320"
    client.post(reverse("shop:cart_update"), {"key": key, "format": "flac", "change": "1"})
    assert client.session["cart"] == [
        ["release", release.pk, "wav"],
        ["track", album[0].pk, "flac"],
    ]
    client.post(reverse("shop:cart_update"), {"key": f"release:{release.pk}:wav", "remove": "1"})
    assert client.session["cart"] == [["track", album[0].pk, "flac"]]


def test_bad_cart_requests_change_nothing(client):
    (track,) = tracks(1)
    add(client, "track", track.pk, "mp3-999")
    add(client, "track", 99999, "wav")
    add(client, "album", track.pk, "wav")
    assert client.session.get("cart", []) == []
    assert client.get(reverse("shop:cart_add")).status_code == 405


def test_show_size_and_price_without_javascript_changes_nothing(client):
    album = tracks(2, seconds=30)
    release_url = reverse("storefront:release", args=[album[0].release_id])
    response = add(client, "track", album[1].pk, "wav", show="1", next=release_url)
    assert response.status_code == 302
    assert (
        response["Location"] == f"{release_url}?format=wav&track={album[1].pk}#track-{album[1].pk}"
    )
    assert client.session.get("cart", []) == []
    page = client.get(response["Location"].split("#")[0]).content.decode()
    picker = page.split(f'data-testid="picker-track-{album[1].pk}"')[1].split("</form>")[0]
    assert '<option value="wav" selected>' in picker


def test_anonymous_cart_says_availability_depends_on_country(client):
    (track,) = tracks(1)
    add(client, "track", track.pk, "wav")
    page = client.get(reverse("shop:cart")).content.decode()
    assert 'data-testid="cart-anonymous"' in page and 'data-testid="checkout-signin"' in page
    assert client.post(reverse("shop:checkout_start")).status_code == 302  # to sign in
    assert not Quote.objects.exists()


def test_owned_items_are_marked_and_not_counted(client, buyer):
    album = tracks(2)
    fund(buyer, 1000)
    order_place(
        customer=buyer,
        quote=quote_create(customer=buyer, items=[(album[0], "wav")]),
        idempotency_key="k",
    )
    add(client, "track", album[0].pk, "wav")
    add(client, "track", album[1].pk, "wav")
    page = client.get(reverse("shop:cart")).content.decode()
    assert page.count('data-testid="cart-owned"') == 1
    other = quote_create(customer=buyer, items=[(album[1], "wav")])
    from tunemeter.display import money_display

    assert f'data-testid="cart-total">{money_display(other.total_minor)}<' in page


def test_unlicensed_items_are_visible_marked_and_not_bought(client, buyer, settings):
    settings.SALE_GATE = "tests.storefront.test_cart.refuse_t2"
    album = tracks(2)
    release_page = client.get(reverse("storefront:release", args=[album[0].release_id]))
    body = release_page.content.decode()
    assert "no licence here" in body
    assert f'data-testid="add-track-{album[1].pk}" disabled' in body
    add(client, "track", album[0].pk, "wav")
    add(client, "track", album[1].pk, "wav")
    page = client.get(reverse("shop:cart")).content.decode()
    assert page.count('data-testid="cart-unavailable"') == 1 and "no licence here" in page
    response = client.post(reverse("shop:checkout_start"))
    quote = Quote.objects.get()
    assert response["Location"] == reverse("shop:checkout", args=[quote.pk])
    assert [i.track_id for i in quote.items.all()] == [album[0].pk]  # T2 left out

    client.post(reverse("shop:cart_update"), {"key": f"track:{album[0].pk}:wav", "remove": "1"})
    response = client.post(reverse("shop:checkout_start"), follow=True)
    assert "Nothing in your cart can be bought" in response.content.decode()
    assert Quote.objects.count() == 1
