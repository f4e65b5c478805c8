"""The rights and royalties admin: every write goes through a service, records stay records."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.shop.factories import customer, fund, tracks
from tunemeter.ledger.models import Account, Transfer
from tunemeter.ledger.selectors import ledger_verify
from tunemeter.pricing.services import quote_create
from tunemeter.rights.models import SOUND_RECORDING, Deal, Mandate, RightsHolder, Split, Takedown
from tunemeter.rights.services import mandate_register
from tunemeter.royalties.balances import holder_balances
from tunemeter.royalties.models import EscrowRelease, Payout
from tunemeter.shop.services import order_place

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    staff = get_user_model().objects.create_superuser("root", "root@example.org", "x" * 12)
    client.force_login(staff)
    client.staff = staff
    return client


def _moment(name: str, value: str = "") -> dict[str, str]:
    """Return the admin's split date/time inputs for a datetime field."""
    day, _, time = value.partition(" ")
    return {f"{name}_0": day, f"{name}_1": time}


def _sold(track, key: str):
    buyer = customer(country="DE")
    fund(buyer, 1_000)
    quote = quote_create(customer=buyer, items=[(track, "wav")])
    return order_place(customer=buyer, quote=quote, idempotency_key=key)


def _licensor(track) -> RightsHolder:
    return Deal.objects.get(release=track.release).licensor


@pytest.mark.usefixtures("ledger_db", "demo_payments")
def test_adding_a_mandate_releases_the_escrow_it_covers(staff_client):
    (track,) = tracks(1)
    order = _sold(track, "m1")
    label = _licensor(track)
    escrowed = holder_balances(holder=label)[order.currency]
    assert escrowed["escrow_micro"] > 0 and escrowed["payable_micro"] == 0

    response = staff_client.post(
        reverse("admin:rights_mandate_add"),
        {
            "holder": label.pk,
            "right_type": SOUND_RECORDING,
            "territories": "worldwide",
            **_moment("starts_at", "2000-01-01 00:00:00"),
            **_moment("ends_at"),
            "reference": "M-1",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "Released 0.0" in response.content.decode()
    mandate = Mandate.objects.get(holder=label)
    assert mandate.territories == "Worldwide"  # normalised by the service
    assert EscrowRelease.objects.get(mandate=mandate).amount_micro == escrowed["escrow_micro"]
    after = holder_balances(holder=label)[order.currency]
    assert after["escrow_micro"] == 0 and after["payable_micro"] == escrowed["escrow_micro"]
    assert ledger_verify() == []

    # The mandate is now a record: shown, never changed or deleted here.
    change = reverse("admin:rights_mandate_change", args=[mandate.pk])
    assert staff_client.get(change).status_code == 200
    assert staff_client.post(change, {"reference": "M-2"}).status_code == 403
    delete = reverse("admin:rights_mandate_delete", args=[mandate.pk])
    assert staff_client.post(delete, {"post": "yes"}).status_code == 403


def test_deals_are_added_through_the_service_and_never_edited(staff_client):
    (track,) = tracks(1, territories=None)
    label = RightsHolder.objects.create(kind="label", name="Label")
    add = reverse("admin:rights_deal_add")
    fields = {
        "licensor": label.pk,
        "release": track.release.pk,
        "track": "",
        "territories": "Worldwide -us",
        **_moment("starts_at", "2026-01-01 00:00:00"),
        **_moment("ends_at", "2025-01-01 00:00:00"),
        "sr_share_bps": "7000",
        "sr_minimum_micro": "0",
        "preset": "flat-8",
        "pub_share_bps": "0",
        "pub_amount_micro": "0",
        "pub_amount_per": "track",
        "reference": "C-1",
    }
    response = staff_client.post(add, fields)
    assert response.status_code == 200
    assert "a deal must end after it starts" in response.content.decode()
    assert not Deal.objects.exists()

    response = staff_client.post(add, {**fields, **_moment("ends_at")})
    assert response.status_code == 302, response.content.decode()[:2000]
    deal = Deal.objects.get()
    assert deal.territories == "Worldwide -US" and deal.pub_share_bps == 800

    change = reverse("admin:rights_deal_change", args=[deal.pk])
    page = staff_client.get(change)
    assert page.status_code == 200 and 'name="sr_share_bps"' not in page.content.decode()
    assert staff_client.post(change, {**fields, "sr_share_bps": "9000"}).status_code == 403
    deal.refresh_from_db()
    assert deal.sr_share_bps == 7000


def test_deal_actions_end_date_and_replace_through_the_services(staff_client):
    (track,) = tracks(1)
    deal = Deal.objects.get(release=track.release)
    changelist = reverse("admin:rights_deal_changelist")

    page = staff_client.post(changelist, {"action": "replace", "_selected_action": [deal.pk]})
    assert page.status_code == 200 and "Replace with new terms" in page.content.decode()
    terms = {
        "action": "replace",
        "_selected_action": [deal.pk],
        "apply": "1",
        "starts_at": "2029-01-01 00:00:00",
        "sr_share_bps": "8000",
        "sr_minimum_micro": "0",
        "pub_share_bps": "0",
        "pub_amount_micro": "0",
        "pub_amount_per": "track",
    }
    early = staff_client.post(changelist, {**terms, "starts_at": "1990-01-01 00:00:00"})
    assert "a deal cannot end before it starts" in early.content.decode()
    assert staff_client.post(changelist, terms).status_code == 302
    deal.refresh_from_db()
    new = Deal.objects.get(supersedes=deal)
    assert deal.ends_at == datetime(2029, 1, 1, tzinfo=UTC) and deal.sr_share_bps == 7000
    assert new.sr_share_bps == 8000 and new.starts_at == deal.ends_at

    ending = {"action": "end_date", "_selected_action": [new.pk], "apply": "1"}
    refused = staff_client.post(changelist, {**ending, "ends_at": "2028-01-01 00:00:00"})
    assert "cannot end before it starts" in refused.content.decode()
    assert staff_client.post(changelist, {**ending, "ends_at": "2030-06-01 00:00:00"}).status_code
    new.refresh_from_db()
    assert new.ends_at == datetime(2030, 6, 1, tzinfo=UTC)


def test_a_split_not_summing_to_ten_thousand_is_a_form_error(staff_client):
    (track,) = tracks(1, territories=None)
    one, two = (RightsHolder.objects.create(kind="artist", name=n) for n in ("One", "Two"))
    add = reverse("admin:rights_split_add")
    fields = {
        "release": track.release.pk,
        "track": "",
        "right_type": SOUND_RECORDING,
        "holder_1": one.pk,
        "share_bps_1": "5000",
        "holder_2": two.pk,
        "share_bps_2": "4000",
    }
    response = staff_client.post(add, fields)
    assert response.status_code == 200
    assert "shares sum to 9000 basis points, not 10000" in response.content.decode()
    assert not Split.objects.exists()

    assert staff_client.post(add, {**fields, "share_bps_2": "5000"}).status_code == 302
    assert {(s.holder_id, s.share_bps) for s in Split.objects.all()} == {
        (one.pk, 5000),
        (two.pk, 5000),
    }
    # Changing one row edits the whole split, again through split_set.
    split = Split.objects.get(holder=one)
    change = reverse("admin:rights_split_change", args=[split.pk])
    assert 'value="5000"' in staff_client.get(change).content.decode()
    shares = {"holder_1": one.pk, "share_bps_1": "7000", "holder_2": two.pk}
    bad = staff_client.post(change, {**shares, "share_bps_2": "2000"})
    assert "shares sum to 9000 basis points" in bad.content.decode()
    assert staff_client.post(change, {**shares, "share_bps_2": "3000"}).status_code == 302
    assert {(s.holder_id, s.share_bps) for s in Split.objects.all()} == {
        (one.pk, 7000),
        (two.pk, 3000),
    }


def test_takedowns_are_requested_by_the_staff_member(staff_client):
    (track,) = tracks(1)
    response = staff_client.post(
        reverse("admin:rights_takedown_add"),
        {
            "track": track.pk,
            "territories": "de",
            **_moment("effective_at", "2099-02-01 00:00:00"),
            "reason": "court order",
        },
    )
    assert response.status_code == 302
    takedown = Takedown.objects.get()
    assert takedown.requested_by == staff_client.staff and takedown.territories == "DE"


@pytest.mark.usefixtures("ledger_db", "demo_payments")
def test_a_payout_larger_than_the_balance_is_a_form_error_and_moves_nothing(staff_client):
    (track,) = tracks(1)
    label = _licensor(track)
    mandate_register(
        holder=label,
        right_type=SOUND_RECORDING,
        territories="Worldwide",
        starts_at=datetime(2000, 1, 1, tzinfo=UTC),
    )
    order = _sold(track, "p1")
    payable = holder_balances(holder=label)[order.currency]["payable_micro"]
    assert payable > 10_000
    whole_minor = payable // 10_000  # micro-units per cent
    transfers = Transfer.objects.count()
    accounts = dict(Account.objects.values_list("pk", "balance_in_unit"))

    add = reverse("admin:royalties_payout_add")
    fields = {"holder": label.pk, "currency": order.currency, "reference": "BANK-1"}
    response = staff_client.post(add, {**fields, "amount_minor": whole_minor + 1})
    assert response.status_code == 200
    assert f"payable balance is {payable} micro-units" in response.content.decode()
    assert Transfer.objects.count() == transfers and not Payout.objects.exists()
    assert dict(Account.objects.values_list("pk", "balance_in_unit")) == accounts

    assert staff_client.post(add, {**fields, "amount_minor": whole_minor}).status_code == 302
    payout = Payout.objects.get()
    assert payout.recorded_by == staff_client.staff and payout.transfer_id
    left = holder_balances(holder=label)[order.currency]
    assert left["payable_micro"] == payable - whole_minor * 10_000
    assert left["paid_out_micro"] == whole_minor * 10_000
    assert ledger_verify() == []

    change = reverse("admin:royalties_payout_change", args=[payout.pk])
    assert staff_client.get(change).status_code == 200
    assert staff_client.post(change, {**fields, "amount_minor": 1}).status_code == 403

    # The lists show balances, lines and their filters.
    holders = staff_client.get(reverse("admin:rights_rightsholder_changelist"), {"q": label.name})
    assert f"{left['payable_micro'] / 1_000_000:.6f} {order.currency}" in holders.content.decode()
    lines = reverse("admin:royalties_royaltyline_changelist")
    for query in ({"escrowed__exact": "0"}, {"kind": "sale", "territory": "DE"}, {"q": "Label"}):
        assert staff_client.get(lines, query).status_code == 200
    assert staff_client.get(reverse("admin:royalties_royaltyline_add")).status_code == 403


@pytest.mark.usefixtures("ledger_db", "demo_payments")
def test_staff_see_and_download_a_holders_statement(staff_client):
    from tests.royalties import dsr_parser

    (track,) = tracks(1)
    track.title = "<script>alert(1)</script>"
    track.save()
    order = _sold(track, "k")
    holder = _licensor(track)
    url = reverse("admin:rights_rightsholder_statement", args=[holder.pk])
    period = f"{order.created_at:%Y-%m}"
    page = staff_client.get(url, {"period": period}).content.decode()
    assert "Royalty statement" in page and holder.name in page
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    csv_text = b"".join(
        staff_client.get(url, {"period": period, "format": "csv"}).streaming_content
    )
    assert f"{order.pk},sale," in csv_text.decode()
    response = staff_client.get(url, {"period": period, "format": "dsr"})
    assert dsr_parser.FILE_NAME.fullmatch(response["Content-Disposition"].split('"')[1])
    report = dsr_parser.parse(b"".join(response.streaming_content).decode())
    assert sum(int(s["Usages"]) for b in report.blocks for s in b.sales) == 1
    assert staff_client.get(url, {"period": "soon"}).status_code == 400
    buyer = customer()
    staff_client.force_login(buyer)
    assert staff_client.get(url, {"period": period}).status_code == 302  # to the admin login
