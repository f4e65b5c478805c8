"""Walk every page of the store in Russian: no English string of the store's own shows.

"The store's own English strings" are the msgids of the Russian catalog (what the
store says in English and has a translation for). Every named URL outside the admin
and the JSON API is either walked here or listed in SKIPPED with the reason, so a new
page cannot escape the walk.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import translation

from tests.shop.factories import customer, fund, tracks
from tests.storefront.test_translations import PO
from tunemeter.catalog.models import Artist, Genre
from tunemeter.pricing.services import quote_create
from tunemeter.rights.models import Deal
from tunemeter.rights.services import holder_user_attach
from tunemeter.rights.territories import territories_parse
from tunemeter.shop.services import order_place
from tunemeter.storefront.po import po_parse

pytestmark = pytest.mark.usefixtures("ledger_db", "demo_payments")

# Named URLs not walked as pages, and why.
SKIPPED = {
    "set_language": "the language switch itself (POST)",
    "customers:logout": "POST only; signs out",
    "shop:cart_add": "POST only; its messages are walked through the cart",
    "shop:cart_update": "POST only",
    "shop:checkout_start": "POST only; leads to the checkout page, walked",
    "shop:checkout_buy": "POST only; leads to the receipt, walked",
    "shop:checkout_refresh": "POST only",
    "shop:topup": "POST only; its errors are walked below",
    "shop:gift": "POST only; its errors are walked below",
    "delivery:fresh": "a redirect to a download",
    "storefront:cover": "an image",
    "storefront:preview": "an audio file",
    "customers:password_reset_confirm": "needs a mailed token; the e-mail is checked below",
    "customers:token_new": "POST only; the account page listing tokens is walked",
    "customers:token_revoke": "POST only",
    "healthz": "a JSON health probe for machines",
    "metrics": "Prometheus text for machines",
    "shop:card_topup": "POST only; starts a card payment",
    "shop:card_topup_page": "exists only with Stripe keys configured (not in this walk)",
    "shop:stripe_webhook": "POST from Stripe, JSON",
}


def _named_urls(patterns=None, namespace=None):
    for p in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(p, URLResolver):
            if str(p.pattern).startswith(("admin/", "api/")):
                continue
            yield from _named_urls(p.url_patterns, p.namespace or namespace)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{namespace}:{p.name}" if namespace else p.name


class _Visible(HTMLParser):
    """Collect what a person can read or hear: text, and labels in attributes."""

    ATTRS = ("title", "placeholder", "aria-label", "alt", "data-calculating", "data-expired")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.hidden += 1
        values = dict(attrs)
        for name in self.ATTRS:
            if values.get(name):
                self.parts.append(values[name])
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.parts.append(values["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self.hidden:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible_text(page: str) -> str:
    parser = _Visible()
    parser.feed(page)
    return re.sub(r"\s+", " ", html.unescape(" ".join(parser.parts)))


def english_strings() -> list[str]:
    """Return the store's English sentences and labels that Russian pages must not show."""
    found = []
    for key, value in po_parse(PO.read_text("utf-8")).items():
        if not key:
            continue
        for source in key.decode().split("\0"):
            if source in value.decode().split("\0"):
                continue  # the same in both languages (e.g. "ISRC")
            # Placeholders and markup split a message into the fragments shown as is.
            for fragment in re.split(r"%\(\w+\)[sd]|<[^>]+>|\{[^}]*\}", source):
                fragment = fragment.strip(" .,:;—–-()…“”\"'")
                if len(re.findall(r"[A-Za-z]{2,}", fragment)) >= 2 or (
                    len(fragment) >= 6 and fragment.isalpha()
                ):
                    found.append(fragment)
    return sorted(set(found), key=len, reverse=True)


def english_in(text: str, strings: list[str]) -> list[str]:
    return [
        s for s in strings if re.search(r"(?<![A-Za-z])" + re.escape(s) + r"(?![A-Za-z])", text)
    ]


def _russian_client(user=None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="ru")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    if user is not None:
        client.force_login(user)
    return client


def test_every_page_speaks_russian_only():
    album = tracks(2, seconds=30, territories="Worldwide -CH")
    release = album[0].release
    # Catalog data is the label's, not the store's: named so it cannot look like either.
    release.title = "Тишина"
    release.save(update_fields=["title"])
    release.artist.name = "Ансамбль"
    release.artist.save(update_fields=["name"])
    genre = Genre.objects.create(name="Эмбиент")
    release.genres.add(genre)
    buyer = customer(country="DE")
    fund(buyer, 10_000)
    order = order_place(
        customer=buyer,
        quote=quote_create(customer=buyer, items=[(album[0], "mp3-320")]),
        idempotency_key="walk",
    )
    blocked = customer(country="CH")
    label = Deal.objects.get(release=release).licensor
    holder_user = customer(country="")
    holder_user_attach(holder=label, user=holder_user)
    various = Artist.objects.create(name="Разные исполнители")
    quote = quote_create(customer=buyer, items=[(release, "wav")])
    month = f"{datetime.now(UTC):%Y-%m}"

    visitor, signed_in, holder = (
        _russian_client(),
        _russian_client(buyer),
        _russian_client(holder_user),
    )
    signed_in.post(reverse("shop:cart_add"), {"kind": "release", "id": release.pk, "format": "wav"})
    signed_in.post(reverse("shop:cart_add"), {"kind": "track", "id": album[1].pk, "format": "wav"})
    walk = {
        "storefront:home": [(visitor, "/")],
        "storefront:genre": [(visitor, reverse("storefront:genre", args=[genre.pk]))],
        "storefront:release": [
            (visitor, reverse("storefront:release", args=[release.pk])),
            (signed_in, reverse("storefront:release", args=[release.pk])),
            (_russian_client(blocked), reverse("storefront:release", args=[release.pk])),
        ],
        "storefront:artist": [
            (visitor, reverse("storefront:artist", args=[release.artist_id])),
            (visitor, reverse("storefront:artist", args=[various.pk])),
        ],
        "storefront:search": [(visitor, reverse("storefront:search") + "?q=T1")],
        "storefront:prices": [
            (signed_in, reverse("storefront:prices", args=["release", release.pk])),
            (
                visitor,
                reverse("storefront:prices", args=["track", album[0].pk]) + "?format=opus-96",
            ),
        ],
        "customers:account": [(signed_in, reverse("customers:account"))],
        "customers:register": [(visitor, reverse("customers:register"))],
        "customers:login": [(visitor, reverse("customers:login"))],
        "customers:password_change": [(signed_in, reverse("customers:password_change"))],
        "customers:password_change_done": [(signed_in, reverse("customers:password_change_done"))],
        "customers:password_reset": [(visitor, reverse("customers:password_reset"))],
        "customers:password_reset_done": [(visitor, reverse("customers:password_reset_done"))],
        "customers:password_reset_complete": [
            (visitor, reverse("customers:password_reset_complete"))
        ],
        "portal:index": [(holder, reverse("portal:index"))],
        "portal:dashboard": [(holder, reverse("portal:dashboard", args=[label.pk]))],
        "portal:statements": [(holder, reverse("portal:statements", args=[label.pk]))],
        "portal:statement": [(holder, reverse("portal:statement", args=[label.pk, month, "html"]))],
        "portal:takedowns": [(holder, reverse("portal:takedowns", args=[label.pk]))],
        "delivery:library": [(signed_in, reverse("delivery:library"))],
        "delivery:track": [(visitor, "/download/t/forged/x.mp3")],
        "delivery:release": [(visitor, "/download/z/forged/x.zip")],
        "shop:cart": [(signed_in, reverse("shop:cart")), (visitor, reverse("shop:cart"))],
        "shop:checkout": [(signed_in, reverse("shop:checkout", args=[quote.pk]))],
        "shop:balance": [(signed_in, reverse("shop:balance"))],
        "shop:orders": [(signed_in, reverse("shop:orders"))],
        "shop:order": [(signed_in, reverse("shop:order", args=[order.pk]))],
    }
    missing = set(_named_urls()) - set(walk) - set(SKIPPED)
    assert not missing, f"pages not walked in Russian: {sorted(missing)}"
    strings = english_strings()
    assert "Your library" in strings and "Add to cart" in strings
    found = {}
    pages = [(c, url) for visits in walk.values() for c, url in visits]
    pages += [(visitor, "/no/such/page/")]
    for client, url in pages:
        response = client.get(url)
        assert response.status_code < 500, url
        body = response.content.decode()
        text = (
            body if response["Content-Type"].startswith("application/json") else visible_text(body)
        )
        if leftovers := english_in(text, strings):
            found[url] = leftovers
    # Forms answering in Russian too: a bad top-up and an unknown gift code.
    for url, data in (
        (reverse("shop:topup"), {"amount": "-1"}),
        (reverse("shop:gift"), {"code": "NO-SUCH-CODE"}),
        (reverse("customers:register"), {"email": "x", "password": "1", "country": ""}),
    ):
        client = signed_in if "balance" in url else visitor
        text = visible_text(client.post(url, data, follow=True).content.decode())
        if leftovers := english_in(text, strings):
            found[f"POST {url}"] = leftovers
    assert not found, "\n".join(f"{url}: {words}" for url, words in found.items())


def test_messages_outside_pages_speak_russian_too(mailoutbox=None):
    with translation.override("ru"):
        with pytest.raises(Exception) as error:
            territories_parse("Worldwide DE")
        assert "Worldwide" in str(error.value.messages[0]) and "исключения" in str(
            error.value.messages[0]
        )
        with pytest.raises(Exception) as error:
            territories_parse("XX")
        assert "не код страны" in error.value.messages[0]


def test_the_password_reset_email_is_in_the_visitors_language():
    from django.core import mail

    customer("reset-me", country="DE")
    client = _russian_client()
    client.post(reverse("customers:password_reset"), {"email": "reset-me@example.org"})
    (message,) = mail.outbox
    assert "Сброс пароля" in message.subject
    assert "Откройте эту ссылку" in message.body and "Open this link" not in message.body


def test_sign_up_asks_for_the_country_in_russian_without_a_default():
    page = _russian_client().get(reverse("customers:register")).content.decode()
    select = page[
        page.index('name="country"') : page.index("</select>", page.index('name="country"'))
    ]
    first = re.search(r"<option[^>]*>([^<]*)</option>", select)
    assert first.group(1) == "Выберите страну" and 'value=""' in first.group(0)
    assert "Германия" in select and "Germany" not in select
    assert "selected" not in select.split("</option>")[1]  # not Afghanistan
    guessed = Client(HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9").get(reverse("customers:register"))
    assert re.search(r'<option value="DE" selected', guessed.content.decode())


def test_the_admin_names_its_sections_in_russian():
    staff = customer("staff-ru", staff=True)
    staff.is_superuser = True
    staff.save()
    page = _russian_client(staff).get("/admin/").content.decode()
    for section in ("Каталог", "Бухгалтерская книга", "Цены", "Права", "Роялти", "Магазин"):
        assert section in page, section
