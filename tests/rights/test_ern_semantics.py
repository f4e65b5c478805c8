"""DDEX ERN 4.3 deal semantics, each proved by a checkout after the import."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.rights.ern43 import OTHER_DSP, SENDER, deal_terms, ern, ern_structure_check, purge
from tests.shop.factories import customer, fund, tracks
from tunemeter.catalog.validators import gtin_check_digit
from tunemeter.pricing.services import quote_create
from tunemeter.rights.importing import ImportRefused, rights_ern_import
from tunemeter.rights.models import Deal, DealMessage, RightsHolder
from tunemeter.rights.selectors import sale_licence
from tunemeter.shop.exceptions import NotForSale
from tunemeter.shop.services import order_place

pytestmark = pytest.mark.usefixtures("ledger_db", "demo_payments")

_keys = iter(range(1, 10_000))


@pytest.fixture
def album():
    """An unlicensed album of two tracks with a UPC and ISRCs."""
    made = tracks(2, territories=None)
    body = f"{made[0].release_id:011d}"
    made[0].release.upc = body + str(gtin_check_digit(body))
    made[0].release.save(update_fields=["upc"])
    for n, track in enumerate(made, start=1):
        track.isrc = f"GBAYE26{track.pk:03d}{n:02d}"
        track.save(update_fields=["isrc"])
    return made


def _import(data: bytes, **kwargs):
    report = rights_ern_import(data=data, sr_share_bps=7000, **kwargs)
    assert report.ok, report.errors
    return report


def _buys(track, country: str) -> bool:
    """Check out one track for a new buyer in country; True when the sale went through."""
    buyer = customer(country=country)
    fund(buyer, 10_000)
    quote = quote_create(customer=buyer, items=[(track, "wav")])
    try:
        order_place(customer=buyer, quote=quote, idempotency_key=f"k{next(_keys)}")
    except NotForSale:
        return False
    return True


def test_a_later_message_replaces_the_senders_earlier_deals(album):
    """The deals of the latest message from a sender for a release replace all its earlier
    deals for that release; a territory it leaves out is no longer available (DDEX ERN 4.3
    Knowledge Base, "Deals in update messages": a NewReleaseMessage is a full statement of
    truth for the release it carries). Before the fix the Worldwide deal stayed and the
    US buyer could still buy."""
    upc = album[0].release.upc
    _import(ern(upc=upc, deals=[deal_terms(territories=["Worldwide"])], message_id="M1"))
    assert _buys(album[0], "US") and _buys(album[0], "JP")

    narrowed = ern(
        upc=upc,
        deals=[deal_terms(territories=["DE", "FR", "GB"])],
        message_id="M2",
        created="2026-02-01T00:00:00Z",
    )
    report = _import(narrowed)
    assert report.counts["deals_ended"] == 1 and report.counts["deals_created"] == 1
    assert not _buys(album[0], "US") and not _buys(album[1], "JP")
    assert _buys(album[0], "DE")
    worldwide = Deal.objects.get(territories="Worldwide")
    assert worldwide.ends_at is not None and worldwide.ends_at <= datetime.now(UTC)
    # The past stays as it was: the Worldwide deal licensed the US sale before M2 arrived.
    assert sale_licence(track=album[0], territory="US", at=worldwide.ends_at - timedelta(
        seconds=1)).deal == worldwide  # fmt: skip
    current = sale_licence(track=album[0], territory="DE", at=datetime.now(UTC)).deal
    assert current.message.message_id == "M2"

    # The same message again changes nothing; an older one arriving late changes nothing.
    assert _import(narrowed).counts["deals_created"] == 0
    stale = ern(
        upc=upc, deals=[deal_terms(territories=["Worldwide"])], message_id="M0",
        created="2026-01-15T00:00:00Z",
    )  # fmt: skip
    report = _import(stale)
    assert report.counts["deals_created"] == 0 and "stays in force" in report.notes[0]
    assert not _buys(album[0], "US")


def test_a_later_message_with_streaming_only_ends_the_downloads(album):
    """A use the latest message no longer grants is no longer available (ERN 4.3 deal
    semantics as above): streaming-only terms leave no download licence."""
    upc = album[0].release.upc
    _import(ern(upc=upc, deals=[deal_terms(territories=["Worldwide"])], message_id="M1"))
    stream = deal_terms(territories=["Worldwide"], model="SubscriptionModel", use="Stream")
    _import(ern(upc=upc, deals=[stream], message_id="M2", created="2026-03-01T00:00:00Z"))
    assert not _buys(album[0], "DE")


def test_purge_and_takedown_end_availability(album):
    """A PurgeReleaseMessage withdraws the release; DealTerms with TakeDown=true grant
    nothing and so end availability (ERN 4.3 message suite: PurgeReleaseMessage; DealTerms
    TakeDown)."""
    upc = album[0].release.upc
    _import(ern(upc=upc, deals=[deal_terms(territories=["Worldwide"])], message_id="M1"))
    takedown = deal_terms(territories=["Worldwide"], extra="<TakeDown>true</TakeDown>")
    report = _import(ern(upc=upc, deals=[takedown], message_id="M2", created="2026-02-01T00:00Z"))
    assert any("TakeDown" in note for note in report.notes)
    assert not _buys(album[0], "DE")

    _import(ern(upc=upc, deals=[deal_terms(territories=["Worldwide"])], message_id="M3",
                created="2026-03-01T00:00:00Z"))  # fmt: skip
    assert _buys(album[0], "DE")
    _import(purge(upc=upc, message_id="P1", created="2026-04-01T00:00:00Z"))
    assert not _buys(album[0], "DE")
    assert DealMessage.objects.filter(kind=DealMessage.PURGE, message_id="P1").exists()


def test_a_message_for_another_dsp_is_refused_and_creates_nothing(album):
    """An ERN is addressed to its MessageRecipient; deals sent to another DSP are not this
    store's licence (ERN 4.3 MessageHeader: MessageRecipient). Before the fix they were
    imported and a holder was created from MessageSender."""
    upc = album[0].release.upc
    data = ern(upc=upc, deals=[deal_terms(territories=["Worldwide"])], recipient=OTHER_DSP)
    with pytest.raises(ImportRefused, match=f"addressed to {OTHER_DSP}, not to this store"):
        rights_ern_import(data=data, sr_share_bps=7000)
    assert not Deal.objects.exists() and not RightsHolder.objects.exists()
    assert not _buys(album[0], "DE")


def test_deals_for_another_distribution_channel_are_skipped(album, settings):
    """DistributionChannel names the DSPs a deal is for, ExcludedDistributionChannel those it
    is not (ERN 4.3 DealTerms)."""
    upc = album[0].release.upc
    elsewhere = deal_terms(
        territories=["Worldwide"],
        extra=f"<DistributionChannel><PartyId>{OTHER_DSP}</PartyId></DistributionChannel>",
    )
    excluded = deal_terms(
        territories=["DE"],
        extra="<ExcludedDistributionChannel><PartyId>"
        f"{settings.DDEX_PARTY_ID}</PartyId></ExcludedDistributionChannel>",
    )
    report = _import(ern(upc=upc, deals=[elsewhere, excluded]))
    assert report.counts["skipped"] == 2 and report.counts["deals_created"] == 0
    # Nothing was written, so no holder was created either.
    assert not RightsHolder.objects.exists()
    assert not _buys(album[0], "DE")
    mine = deal_terms(
        territories=["DE"],
        extra=f"<DistributionChannel><PartyId>{settings.DDEX_PARTY_ID}</PartyId>"
        "</DistributionChannel>",
    )
    _import(ern(upc=upc, deals=[mine]))
    assert _buys(album[0], "DE") and not _buys(album[0], "US")


def test_excluded_territory_code_alone_means_worldwide_except(album):
    """ERN 4.3 DealTerms hold TerritoryCode or ExcludedTerritoryCode (an xs:choice):
    ExcludedTerritoryCode US alone is "worldwide except the US", and both together are
    refused. Before the fix the valid form was refused and the invalid one accepted."""
    upc = album[0].release.upc
    _import(ern(upc=upc, deals=[deal_terms(excluded=["US"])]))
    assert Deal.objects.get().territories == "Worldwide -US"
    assert _buys(album[0], "DE") and not _buys(album[0], "US")

    both = deal_terms(territories=["Worldwide"], excluded=["CA"])
    data = ern(upc=upc, deals=[deal_terms(excluded=["US"])], message_id="M2",
               created="2026-03-01T00:00:00Z").replace(
        deal_terms(excluded=["US"]).encode(), both.encode())  # fmt: skip
    ern_structure_check(data, allow_invalid_choice=True)
    report = rights_ern_import(data=data, sr_share_bps=7000)
    assert report.errors and "TerritoryCode and ExcludedTerritoryCode" in report.errors[0][1]
    assert _buys(album[0], "DE") and not _buys(album[0], "US")  # nothing changed


def test_a_track_release_deal_decides_for_its_track(album):
    """A TrackRelease's own deal governs that track: what it excludes is not licensed,
    whatever the album's deal says (ERN 4.3: a ReleaseDeal applies to the releases its
    DealReleaseReference names). Before the fix the US sale fell back to the album deal."""
    upc = album[0].release.upc
    _import(
        ern(
            upc=upc,
            deals=[deal_terms(territories=["Worldwide"])],
            track_isrc=album[0].isrc,
            track_deals=[deal_terms(excluded=["US"])],
        )
    )
    assert not _buys(album[0], "US") and _buys(album[0], "DE")
    assert _buys(album[1], "US")  # the album's other track follows the album deal


def test_pre_order_deals_grant_no_sale(album):
    """IsPreOrderDeal=true lets a DSP sell before street date without delivering (ERN 4.3
    DealTerms IsPreOrderDeal). The store does not take pre-orders: such terms are refused
    with a note, never imported as an immediate download licence."""
    upc = album[0].release.upc
    pre = deal_terms(territories=["Worldwide"], extra="<IsPreOrderDeal>true</IsPreOrderDeal>")
    street = deal_terms(territories=["Worldwide"], start="2099-06-01")
    report = _import(ern(upc=upc, deals=[pre, street]))
    assert report.counts["skipped"] == 1 and any("pre-order" in n for n in report.notes)
    assert not _buys(album[0], "DE")
    deal = Deal.objects.get()
    assert deal.local_starts == "2099-06-01T00:00:00"


def test_a_sender_is_not_created_when_nothing_is_imported(album):
    """A holder is created from MessageSender only when a deal is written for it."""
    upc = album[0].release.upc
    stream = deal_terms(territories=["Worldwide"], model="SubscriptionModel", use="Stream")
    report = _import(ern(upc=upc, deals=[stream]))
    assert report.counts["holders_created"] == 0
    assert not RightsHolder.objects.filter(dpid=SENDER).exists()
