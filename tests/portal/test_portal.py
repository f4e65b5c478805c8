"""The rights holder's portal: who sees what, sales figures, statements, takedown requests."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from urllib.parse import unquote

import pytest
from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone

from tests.royalties import dsr_parser
from tests.shop.factories import LONG_AGO, customer, fund, tracks
from tunemeter.display import micro_display
from tunemeter.ledger.models import Transfer
from tunemeter.pricing.services import quote_create
from tunemeter.rights.models import SOUND_RECORDING, Deal, RightsHolder, Takedown
from tunemeter.rights.selectors import sale_gate
from tunemeter.rights.services import holder_user_attach, mandate_register
from tunemeter.royalties.exports import statement_file_name
from tunemeter.royalties.models import RoyaltyLine
from tunemeter.royalties.periods import period_parse
from tunemeter.shop.services import order_place

pytestmark = pytest.mark.usefixtures("ledger_db", "demo_payments")


def _buy(buyer, items, key: str):
    return order_place(
        customer=buyer, quote=quote_create(customer=buyer, items=items), idempotency_key=key
    )


@pytest.fixture
def sold():
    """A label's two-track release bought in DE (whole, WAV) and JP (one track, AIFF).

    The label has a mandate for DE only, so the JP shares wait in escrow.
    """
    first, second = tracks(2)
    label = Deal.objects.get(release=first.release).licensor
    mandate_register(holder=label, right_type=SOUND_RECORDING, territories="DE", starts_at=LONG_AGO)
    de, jp = customer(country="DE"), customer(country="JP")
    for b in (de, jp):
        fund(b, 10_000)
    _buy(de, [(first.release, "wav")], "de")
    _buy(jp, [(second, "aiff")], "jp")
    user = customer("label-user", country="")
    holder_user_attach(holder=label, user=user)
    return {"label": label, "user": user, "tracks": (first, second)}


def _other_holder():
    (track,) = tracks(1)
    return Deal.objects.get(release=track.release).licensor


def test_only_attached_users_see_a_holder_and_others_get_404(client, sold):
    label, user = sold["label"], sold["user"]
    other = _other_holder()
    dashboard = reverse("portal:dashboard", args=[label.pk])

    assert client.get(dashboard).status_code == 302  # to the sign-in page
    assert "/account/login/" in client.get(dashboard)["Location"]

    stranger = customer()
    client.force_login(stranger)
    assert client.get(reverse("portal:index")).status_code == 403
    assert client.get(dashboard).status_code == 404
    assert 'data-testid="nav-portal"' not in client.get("/").content.decode()

    client.force_login(user)
    assert 'data-testid="nav-portal"' in client.get("/").content.decode()
    index = client.get(reverse("portal:index"))
    assert index.status_code == 302 and index["Location"] == dashboard
    assert client.get(dashboard).status_code == 200
    for url in (
        reverse("portal:dashboard", args=[other.pk]),
        reverse("portal:statements", args=[other.pk]),
        reverse("portal:statement", args=[other.pk, "2026-11", "csv"]),
        reverse("portal:statement", args=[other.pk, "2026-11", "dsr"]),
        reverse("portal:takedowns", args=[other.pk]),
        reverse("portal:index") + f"?holder={other.pk}",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("portal:takedowns", args=[other.pk]), {}).status_code == 404

    # Attached to two holders: a switcher; staff see every holder.
    holder_user_attach(holder=other, user=user)
    assert client.get(reverse("portal:index")).status_code == 200
    page = client.get(dashboard).content.decode()
    assert 'data-testid="holder-switch"' in page and other.name in page
    client.force_login(customer(staff=True))
    listing = client.get(reverse("portal:index")).content.decode()
    assert label.name in listing and other.name in listing
    assert client.get(reverse("portal:dashboard", args=[other.pk])).status_code == 200


def test_dashboard_figures_are_the_holders_royalty_lines(client, sold):
    label, user = sold["label"], sold["user"]
    lines = RoyaltyLine.objects.filter(holder=label)
    assert lines.count() == 3  # two tracks in DE, one in JP
    client.force_login(user)
    response = client.get(reverse("portal:dashboard", args=[label.pk]))
    ctx, page = response.context, response.content.decode()

    by_territory = {r.key: r for r in ctx["by_territory"]}
    assert set(by_territory) == {"DE", "JP"}
    for territory, row in by_territory.items():
        mine = lines.filter(territory=territory)
        assert row.amount_micro == mine.aggregate(s=Sum("amount_micro"))["s"]
        assert row.downloads == mine.values("quote_line_id").distinct().count()
        assert row.returns == 0
    assert by_territory["DE"].downloads == 2 and by_territory["JP"].downloads == 1
    assert {r.key: r.downloads for r in ctx["by_format"]} == {"wav": 2, "aiff": 1}
    total = lines.aggregate(s=Sum("amount_micro"))["s"]
    assert ctx["total"].amount_micro == total and ctx["total"].downloads == 3
    assert sum(r.amount_micro for r in ctx["by_day"]) == total
    assert ctx["by_day"][-1].amount_micro == total  # all bought today

    de = lines.filter(territory="DE").aggregate(s=Sum("amount_micro"))["s"]
    jp = lines.filter(territory="JP").aggregate(s=Sum("amount_micro"))["s"]
    assert ctx["balances"].payable_micro == de
    assert ctx["balances"].escrow_micro == jp
    assert [(r.territory, r.amount_micro) for r in ctx["escrow"]] == [("JP", jp)]
    assert "Register a mandate with the store" in page
    assert micro_display(total) in page and micro_display(de) in page
    assert page.count('data-testid="chart-bar"') == 30 and "<svg" in page
    assert sold["tracks"][0].release.title in page
    assert 'class="tag owned">active' in page  # the deal


def test_statements_list_and_downloads(client, sold):
    label, user = sold["label"], sold["user"]
    client.force_login(user)
    month = f"{timezone.now():%Y-%m}"
    page = client.get(reverse("portal:statements", args=[label.pk])).content.decode()
    assert f'data-period="{month}"' in page

    csv_response = client.get(reverse("portal:statement", args=[label.pk, month, "csv"]))
    assert csv_response.streaming
    name = statement_file_name(label.pk, period_parse(month), "csv")
    assert csv_response["Content-Disposition"] == (
        f"attachment; filename=\"{name}\"; filename*=UTF-8''{name}"
    )
    rows = list(csv.reader(io.StringIO(b"".join(csv_response.streaming_content).decode())))
    table = rows[rows.index([]) + 2 :]
    assert sorted(r[3] for r in table) == ["DE", "DE", "JP"]
    assert dict(rows[: rows.index([])])["statement"].startswith(label.name)

    dsr_response = client.get(reverse("portal:statement", args=[label.pk, month, "dsr"]))
    assert dsr_response.streaming and "attachment" in dsr_response["Content-Disposition"]
    file_name = dsr_response["Content-Disposition"].split('filename="')[1].split('"')[0]
    assert dsr_parser.FILE_NAME.fullmatch(file_name)
    report = dsr_parser.parse(b"".join(dsr_response.streaming_content).decode("utf-8"))
    assert {s["Territory"] for s in report.summaries} == {"DE", "JP"}
    assert sum(int(s["Usages"]) for b in report.blocks for s in b.sales) == 3

    html = client.get(reverse("portal:statement", args=[label.pk, month, "html"]))
    assert html.status_code == 200 and label.name in html.content.decode()
    assert (
        client.get(reverse("portal:statement", args=[label.pk, "soon", "csv"])).status_code == 404
    )
    assert client.get(reverse("portal:statement", args=[label.pk, month, "pdf"])).status_code == 404


def test_takedown_request_stops_sales_there_and_is_listed(client, sold):
    label, user = sold["label"], sold["user"]
    first, second = sold["tracks"]
    url = reverse("portal:takedowns", args=[label.pk])
    client.force_login(user)
    form = client.get(url)
    assert form.status_code == 200 and f'value="track:{second.pk}"' in form.content.decode()

    bad = client.post(url, {"subject": f"track:{second.pk}", "territories": "DE XX",
                            "effective_at": "2026-01-01T00:00"})  # fmt: skip
    assert bad.status_code == 400 and "XX is not an ISO 3166-1 country code" in bad.content.decode()
    foreign = _other_holder().deals.get().release
    refused = client.post(url, {"subject": f"release:{foreign.pk}", "territories": "DE",
                                "effective_at": "2026-01-01T00:00"})  # fmt: skip
    assert refused.status_code == 400
    assert not Takedown.objects.exists()

    now = timezone.now()
    assert sale_gate(track=second, territory="AT", at=now + timedelta(minutes=5)) is None
    done = client.post(
        url,
        {
            "subject": f"track:{second.pk}",
            "territories": "de at",
            "effective_at": f"{now:%Y-%m-%dT%H:%M}",
            "reason": "licence lapsed",
        },
        follow=True,
    )
    assert done.status_code == 200
    page = done.content.decode()
    assert "Takedown recorded" in page and 'data-testid="takedown-row"' in page
    takedown = Takedown.objects.get()
    assert (takedown.holder, takedown.requested_by, takedown.track) == (label, user, second)
    assert takedown.territories == "AT DE"
    later = now + timedelta(minutes=5)
    assert (
        sale_gate(track=second, territory="AT", at=later) == "withdrawn from sale in your territory"
    )
    assert sale_gate(track=second, territory="JP", at=later) is None
    assert sale_gate(track=first, territory="AT", at=later) is None


def test_get_changes_nothing(client, sold):
    label, user = sold["label"], sold["user"]
    client.force_login(user)
    month = f"{timezone.now():%Y-%m}"

    def state():
        return (
            Takedown.objects.count(),
            RoyaltyLine.objects.count(),
            Transfer.objects.count(),
            RightsHolder.objects.aggregate(n=Count("users"))["n"],
        )

    before = state()
    takedowns = reverse("portal:takedowns", args=[label.pk])
    for url in (
        reverse("portal:index"),
        reverse("portal:dashboard", args=[label.pk]) + "?days=365",
        reverse("portal:statements", args=[label.pk]),
        reverse("portal:statement", args=[label.pk, month, "csv"]),
        reverse("portal:statement", args=[label.pk, month, "dsr"]),
        reverse("portal:statement", args=[label.pk, month, "html"]),
        takedowns + f"?subject=release:{label.deals.get().release_id}&territories=DE",
    ):
        response = client.get(url)
        assert response.status_code in (200, 302), url
        if response.streaming:
            b"".join(response.streaming_content)
    assert state() == before
    assert client.put(takedowns).status_code == 405
    assert client.delete(reverse("portal:dashboard", args=[label.pk])).status_code == 405


def test_the_portal_speaks_russian(client, sold):
    client.force_login(sold["user"])
    client.post("/i18n/setlang/", {"language": "ru", "next": "/"})
    page = client.get(reverse("portal:dashboard", args=[sold["label"].pk])).content.decode()
    assert "Портал правообладателя" in page and "Динамика продаж" in page
    assert "Германия" in page  # the territory's name
    statements = client.get(reverse("portal:statements", args=[sold["label"].pk]))
    assert "Выписки" in statements.content.decode()


def test_a_non_latin_holder_name_gives_a_valid_attachment_header(client, sold):
    """RFC 6266 section 4.3 and RFC 8187: a name outside Latin-1 goes in filename*.

    The DSR file is named after a holder without a DDEX party id; the header used to
    carry that name raw, which Django sent as an RFC 2047 word no browser reads.
    """
    label, user = sold["label"], sold["user"]
    RightsHolder.objects.filter(pk=label.pk).update(name="Северный ветер", dpid="")
    client.force_login(user)
    month = f"{timezone.now():%Y-%m}"
    header = client.get(reverse("portal:statement", args=[label.pk, month, "dsr"]))[
        "Content-Disposition"
    ]
    assert header.isascii() and "=?utf-8?" not in header.lower()
    fallback = header.split('filename="')[1].split('"')[0]
    assert fallback.startswith("DSR_Severnyi-veter_")
    encoded = header.split("filename*=UTF-8''")[1]
    # DSR Part 1 8.1 names the file in ASCII, the same string as HEAD's RecipientName.
    assert unquote(encoded).startswith("DSR_Severnyi-veter_")


def test_svg_and_data_numbers_are_never_localized_in_russian(client, sold):
    """SVG 1.1 §4.2 (and CSS, JSON): numbers use a full stop; a comma breaks the chart."""
    import re

    client.force_login(sold["user"])
    client.post("/i18n/setlang/", {"language": "ru", "next": "/"})
    page = client.get(reverse("portal:dashboard", args=[sold["label"].pk])).content.decode()
    svg = page[page.index("<svg") : page.index("</svg>")]
    geometry = re.findall(r'\b(?:x|y|x1|x2|y1|y2|width|height)="([^"]*)"', svg)
    assert geometry, "the chart drew nothing"
    for value in geometry:
        float(value)  # "212,0" would raise
    assert 'viewBox="0 0 720 240"' in svg


def test_the_dsr_of_cafe_lumiere_keeps_its_name(client, sold):
    """RFC 6266 section 4.3 (RFC 8187 filename*): the demo co-owner's DSR arrived as `dsr`.

    The name transliterates (é → e), never drops the letter or the name; DSR Part 1 8.1
    names the file in ASCII, so filename* carries the same name.
    """
    label, user = sold["label"], sold["user"]
    RightsHolder.objects.filter(pk=label.pk).update(name="Café Lumière", dpid="")
    client.force_login(user)
    month = f"{timezone.now():%Y-%m}"
    header = client.get(reverse("portal:statement", args=[label.pk, month, "dsr"]))[
        "Content-Disposition"
    ]
    fallback = header.split('filename="')[1].split('"')[0]
    assert fallback.startswith("DSR_Cafe-Lumiere_"), header
    assert unquote(header.split("filename*=UTF-8''")[1]).startswith("DSR_Cafe-Lumiere_")
