"""Test the account pages (balance, top-up, gift codes, orders, receipts) and the locale formats."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from tests.shop.factories import customer, fund, tracks
from tunemeter.customers.services import customer_register
from tunemeter.display import money_display, size_display
from tunemeter.ledger.selectors import balance_minor
from tunemeter.pricing.services import quote_create
from tunemeter.shop.models import GiftCode
from tunemeter.shop.services import order_place, order_refund

pytestmark = pytest.mark.usefixtures("ledger_db", "demo_payments")


@pytest.fixture
def buyer(client):
    user = customer_register(email="me@example.org", password="a long passphrase", country="FR")
    client.force_login(user)
    return user


def balance(user) -> int:
    return balance_minor(user=user, currency=settings.STORE_CURRENCY)


def test_account_page_links_everything(client, buyer):
    page = client.get(reverse("customers:account")).content.decode()
    assert "me@example.org" in page and "France (FR)" in page
    for name in ["shop:balance", "shop:orders", "delivery:library", "customers:password_change"]:
        assert f'href="{reverse(name)}"' in page
    assert 'action="/account/logout/"' in page and 'action="/i18n/setlang/"' in page
    client.logout()
    assert client.get(reverse("customers:account"))["Location"].startswith("/account/login/")


def test_demo_top_up_in_major_units_without_floats(client, buyer):
    response = client.post(reverse("shop:topup"), {"amount": "12.34", "key": "k1"})
    assert response["Location"] == reverse("shop:balance") and balance(buyer) == 1234
    client.post(reverse("shop:topup"), {"amount": "12.34", "key": "k1"})  # replayed: once
    assert balance(buyer) == 1234
    page = client.get(reverse("shop:balance")).content.decode()
    assert 'data-testid="balance">$12.34<' in page


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("abc", "Enter a number."),
        ("1.234", "at most 2 decimal places"),
        ("0", "greater than or equal to 0.01"),
        ("100.01", "A demo top-up is at most $100.00."),
    ],
)
def test_top_up_validates_with_clear_messages(client, buyer, amount, message):
    response = client.post(reverse("shop:topup"), {"amount": amount, "key": "k"})
    assert response.status_code == 400 and message in response.content.decode()
    assert balance(buyer) == 0


def test_top_up_only_with_demo_payments_on(client, buyer, settings):
    settings.DEMO_PAYMENTS = False
    assert 'data-testid="top-up-submit"' not in client.get(reverse("shop:balance")).content.decode()
    client.post(reverse("shop:topup"), {"amount": "1.00", "key": "k"})
    assert balance(buyer) == 0


def test_gift_code_redeem_and_a_clear_refusal(client, buyer):
    GiftCode.objects.create(code="hello-2026", amount_minor=500, currency=settings.STORE_CURRENCY)
    response = client.post(reverse("shop:gift"), {"code": " Hello-2026 "}, follow=True)
    assert balance(buyer) == 500 and "your balance is now $5.00" in response.content.decode()
    refused = client.post(reverse("shop:gift"), {"code": "NOPE"})
    assert refused.status_code == 400 and "does not exist" in refused.content.decode()


def test_orders_and_receipts_show_lines_formats_sizes_and_refunds(client, buyer):
    album = tracks(2, seconds=30)
    fund(buyer, 1000)
    quote = quote_create(customer=buyer, items=[(album[0].release, "wav"), (album[1], "mp3-320")])
    order = order_place(customer=buyer, quote=quote, idempotency_key="k")
    listing = client.get(reverse("shop:orders")).content.decode()
    assert (
        listing.count('data-testid="order-row"') == 1
        and money_display(quote.total_minor) in listing
    )
    receipt = client.get(reverse("shop:order", args=[order.pk])).content.decode()
    assert receipt.count('data-testid="receipt-line"') == 2
    assert "WAV (uncompressed)" in receipt and "MP3 320 kbps" in receipt and " MB" in receipt
    for item in quote.items.all():
        assert size_display(item.size_bytes, item.exact) in receipt
    order_refund(order=order, staff=customer(staff=True), reason="test")
    receipt = client.get(reverse("shop:order", args=[order.pk])).content.decode()
    assert 'data-testid="order-status"><span class="tag blocked">Refunded' in receipt
    assert 'data-testid="go-library"' not in receipt


def test_nav_offers_sign_in_register_and_password_reset(client):
    home = client.get("/").content.decode()
    assert 'data-testid="nav-signin"' in home and 'data-testid="nav-register"' in home
    login = client.get(reverse("customers:login")).content.decode()
    assert reverse("customers:password_reset") in login and "<label for=" in login
    register = client.get(reverse("customers:register")).content.decode()
    assert 'name="country"' in register and "Already have an account?" in register


def test_register_returns_to_where_the_buyer_was(client):
    response = client.post(
        reverse("customers:register") + "?next=/cart/",
        {"email": "new@example.org", "password": "a long passphrase", "country": "DE"},
    )
    assert response["Location"] == "/cart/"
    evil = client.post(
        reverse("customers:register") + "?next=https://evil.example/",
        {"email": "new2@example.org", "password": "a long passphrase", "country": "DE"},
    )
    assert evil["Location"] == "/"


def test_language_switcher_sets_russian(client):
    response = client.post("/i18n/setlang/", {"language": "ru", "next": "/"})
    assert response.status_code == 302
    assert '<html lang="ru">' in client.get("/").content.decode()


def test_money_is_formatted_for_the_active_locale_without_floats():
    with translation.override("en"):
        assert money_display(1234, "EUR") == "€12.34"
        assert money_display(123456789, "USD") == "$1,234,567.89"
        assert money_display(-5, "GBP") == "-£0.05"
        assert money_display(1234, "JPY") == "¥1,234"
        assert money_display(1234, "CHF") == "CHF12.34"
        assert size_display(12_345_678, True) == "12.3 MB"
        assert size_display(12_350_000, False) == "≈\u00a012.4 MB"
        assert size_display(17_684, True) == "0.02 MB"
    with translation.override("ru"):
        assert money_display(1234, "EUR") == "12,34\u00a0€"
        assert money_display(123456789, "RUB") == "1\u00a0234\u00a0567,89\u00a0₽"
        assert size_display(12_345_678, True).startswith("12,3")
    # Huge amounts stay exact: no float ever rounds them.
    with translation.override("en"):
        assert money_display(10**20 + 1, "USD") == "$1,000,000,000,000,000,000.01"
