"""Deal validity in local time per territory, one second either side of local midnight."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django_countries import countries

from tests.rights.ern43 import deal_terms, ern
from tests.shop.factories import tracks
from tunemeter.catalog.validators import gtin_check_digit
from tunemeter.rights.importing import rights_csv_import, rights_ern_import
from tunemeter.rights.localtime import territory_zones_table
from tunemeter.rights.selectors import sale_licence

pytestmark = pytest.mark.django_db
SECOND = timedelta(seconds=1)


def _z(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def december(db):
    """A track whose release an ERN licenses in JP DE US AU RU for December 2026."""
    (track,) = tracks(1, territories=None)
    body = f"{track.release_id:011d}"
    track.release.upc = body + str(gtin_check_digit(body))
    track.release.save(update_fields=["upc"])
    terms = deal_terms(territories=["JP", "DE", "US", "AU", "RU"], start="2026-12-01",
                       end="2026-12-31")  # fmt: skip
    report = rights_ern_import(
        data=ern(upc=track.release.upc, deals=[terms], created="2026-11-01T00:00:00Z"),
        sr_share_bps=7000,
    )
    assert report.ok, report.errors
    return track


# (territory, the instant the deal opens there, the instant it closes there). Multi-zone
# territories take the safe reading: open when the last zone reaches 00:00 on the start
# date, close when the first zone reaches the end of the end date.
BOUNDARIES = [
    ("JP", "2026-11-30T15:00:00", "2026-12-31T15:00:00"),  # Asia/Tokyo, UTC+9
    ("DE", "2026-11-30T23:00:00", "2026-12-31T23:00:00"),  # Europe/Berlin, UTC+1 in winter
    # US: opens when Hawaii/Aleutians (UTC-10) reach midnight, closes when the east (UTC-5) does.
    ("US", "2026-12-01T10:00:00", "2027-01-01T05:00:00"),
    # AU: opens at Perth's midnight (UTC+8), closes at Lord Howe's (UTC+11 in summer).
    ("AU", "2026-11-30T16:00:00", "2026-12-31T13:00:00"),
    # RU: opens at Kaliningrad's midnight (UTC+2), closes at Kamchatka's (UTC+12).
    ("RU", "2026-11-30T22:00:00", "2026-12-31T12:00:00"),
]


@pytest.mark.parametrize(("territory", "opens", "closes"), BOUNDARIES)
def test_ern_dates_are_local_midnight_in_each_territory(december, territory, opens, closes):
    """DDEX reads StartDate as 00:00 local time in each territory of the deal and EndDate as
    the end of that day, local (ERN 4.3 Knowledge Base, "Dates and times in deals": dates
    without a time zone are local to the territory). Before the fix both were UTC midnight."""
    opens, closes = _z(opens), _z(closes)
    licensed = [
        sale_licence(track=december, territory=territory, at=at).deal is not None
        for at in (opens - SECOND, opens, closes - SECOND, closes)
    ]
    assert licensed == [False, True, True, False]


def test_us_east_and_west_midnights_do_not_open_the_whole_us(december):
    """The safe reading for a territory with several zones: the US is not open at New York's
    or Los Angeles's midnight, only once Hawaii's has come (docs/rights-csv.md)."""
    for local_midnight in ("2026-12-01T05:00:00", "2026-12-01T08:00:00"):
        at = _z(local_midnight) + SECOND
        assert sale_licence(track=december, territory="US", at=at).deal is None
    # ...and it closes at the east's end of the last day, before the west's.
    west_end = _z("2027-01-01T08:00:00") - SECOND
    assert sale_licence(track=december, territory="US", at=west_end).deal is None


def test_a_date_time_without_offset_is_local_and_with_offset_is_one_instant(db):
    """A DDEX date-time without an offset is local time too; one with an offset is one
    instant everywhere (ERN 4.3 Knowledge Base, "Dates and times in deals")."""
    (track,) = tracks(1, territories=None)
    body = f"{track.release_id:011d}"
    track.release.upc = body + str(gtin_check_digit(body))
    track.release.save(update_fields=["upc"])
    local = deal_terms(territories=["JP", "DE"], start="2026-12-01T12:00:00")
    report = rights_ern_import(data=ern(upc=track.release.upc, deals=[local]), sr_share_bps=7000)
    assert report.ok, report.errors
    for territory, noon in (("JP", "2026-12-01T03:00:00"), ("DE", "2026-12-01T11:00:00")):
        assert sale_licence(track=track, territory=territory, at=_z(noon) - SECOND).deal is None
        assert sale_licence(track=track, territory=territory, at=_z(noon)).deal is not None


def test_csv_dates_are_local_and_end_dates_include_their_day(db):
    """CSV deals read dates as DDEX does (docs/rights-csv.md): local midnight in each
    territory, and an end date includes its day. Before the fix a CSV end date excluded
    its day while an ERN one included it."""
    (track,) = tracks(1, territories=None)
    body = f"{track.release_id:011d}"
    track.release.upc = body + str(gtin_check_digit(body))
    track.release.save(update_fields=["upc"])
    text = (
        "record,upc,holder,holder_kind,territories,starts_at,ends_at,sr_share_bps\n"
        f"deal,{track.release.upc},Label,label,JP,2026-12-01,2026-12-31,7000\n"
    )
    assert rights_csv_import(text=text).ok
    tokyo_opens, tokyo_closes = _z("2026-11-30T15:00:00"), _z("2026-12-31T15:00:00")
    assert sale_licence(track=track, territory="JP", at=tokyo_opens - SECOND).deal is None
    assert sale_licence(track=track, territory="JP", at=tokyo_opens).deal is not None
    assert sale_licence(track=track, territory="JP", at=tokyo_closes - SECOND).deal is not None
    assert sale_licence(track=track, territory="JP", at=tokyo_closes).deal is None


def test_the_zones_table_covers_every_territory_with_real_zone_names():
    """Every ISO 3166-1 territory the store accepts has its zoneinfo names in the table."""
    table = territory_zones_table()
    missing = [code for code, _name in countries if code not in table]
    assert missing == []
    for code, zones in table.items():
        assert zones, code
        for name in zones:
            ZoneInfo(name)  # raises when tzdata lacks the zone
    assert len(table["US"]) > 1 and table["JP"] == ("Asia/Tokyo",)


def test_audit_licensed_names_the_deal_message_and_deciding_zone(december):
    """`audit licensed` explains a decision: the decisive deal, the message it came from and
    the local time (and zone) that decides in that territory."""
    out = io.StringIO()
    call_command("audit", "licensed", str(december.pk), "us", "2026-12-01T10:00:00Z", stdout=out)
    text = out.getvalue()
    assert "LICENSED" in text and "from new message M1 by " in text
    assert "opens in US at 2026-12-01T00:00:00 local (last of 29 zones: America/Adak)" in text
    assert "= 2026-12-01T10:00:00+00:00" in text
    with pytest.raises(SystemExit):
        call_command("audit", "licensed", str(december.pk), "US", "2026-12-01T09:59:59Z",
                     stdout=io.StringIO())  # fmt: skip


@pytest.mark.parametrize("code", ["USA", "XX", "U", "DEU"])
def test_audit_licensed_refuses_codes_that_are_not_iso_alpha_2(december, code):
    """A buyer's territory is an ISO 3166-1 alpha-2 code (DESIGN.md glossary); a three-letter
    or unknown code is an error, not a guess. Before the fix `USA` answered LICENSED."""
    with pytest.raises(CommandError, match="not an ISO 3166-1 alpha-2"):
        call_command("audit", "licensed", str(december.pk), code, "2026-12-10T00:00:00Z",
                     stdout=io.StringIO())  # fmt: skip
