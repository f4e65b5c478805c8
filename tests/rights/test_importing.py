"""Deal and split imports: the documented CSV and DDEX ERN 4 ReleaseDeals, all or nothing."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from tests.shop.factories import tracks
from tunemeter.catalog.validators import gtin_check_digit
from tunemeter.rights.identifiers import mod37_36_check_char
from tunemeter.rights.importing import ImportRefused, rights_csv_import, rights_ern_import
from tunemeter.rights.models import PUBLISHING, SOUND_RECORDING, Deal, RightsHolder, Split
from tunemeter.rights.selectors import sale_licence

pytestmark = pytest.mark.django_db

DPID = "PADPIDA2014120301" + mod37_36_check_char("PADPIDA2014120301")
SPRING = datetime(2026, 3, 1, tzinfo=UTC)


def _upc(serial: int) -> str:
    body = f"{serial:011d}"
    return body + str(gtin_check_digit(body))


@pytest.fixture
def catalog():
    """Two releases: A (UPC, tracks with ISRCs) and B (one track with an ISRC)."""
    a = tracks(2, territories=None)
    b = tracks(1, territories=None)
    for n, track in enumerate([*a, *b], start=1):
        track.isrc = f"GBAYE26{n:05d}"
        track.save(update_fields=["isrc"])
    for n, track in enumerate([a[0], b[0]], start=1):
        track.release.upc = _upc(n)
        track.release.save(update_fields=["upc"])
    return a, b


HEADER = (
    "record,upc,isrc,holder,holder_dpid,holder_kind,territories,starts_at,ends_at,"
    "sr_share_bps,sr_minimum_micro,pub_share_bps,pub_amount_micro,pub_amount_per,preset,"
    "reference,right_type,share_bps\n"
)


def _good_csv(a_upc: str, isrc: str, sr_share_bps: int = 7000) -> str:
    return HEADER + (
        "# comments and blank lines are skipped\n"
        f'deal,{a_upc},,Nightjar Records,{DPID},label,"Worldwide -US -CA",2026-01-01,,'
        f"{sr_share_bps},50000,,,,flat-8,NJ-001,,\n"
        "\n"
        f"deal,,{isrc},Nightjar Records,,,DE AT,2026-01-01T00:00:00+01:00,2026-12-31,"
        "6000,,500,120000,minute,,NJ-002,,\n"
        f"split,{a_upc},,Ada Byron,,artist,,,,,,,,,,,sound_recording,6667\n"
        f"split,{a_upc},,Nightjar Records,,,,,,,,,,,,,sound_recording,3333\n"
    )


def test_a_good_file_creates_holders_deals_and_splits(catalog):
    a, b = catalog
    release = a[0].release
    report = rights_csv_import(text=_good_csv(release.upc, b[0].isrc))
    assert report.ok, report.errors
    assert report.counts["deals_created"] == 2
    assert report.counts["holders_created"] == 2
    assert report.counts["splits_set"] == 1

    label = RightsHolder.objects.get(dpid=DPID)
    assert (label.name, label.kind) == ("Nightjar Records", "label")
    assert RightsHolder.objects.get(name="Ada Byron").kind == "artist"
    album = Deal.objects.get(release=release)
    assert album.licensor == label and album.territories == "Worldwide -CA -US"
    # A CSV date is local in each territory (as in DDEX): the deal keeps the local date.
    assert album.local_starts == "2026-01-01T00:00:00" and album.ends_at is None
    assert (album.sr_share_bps, album.sr_minimum_micro, album.pub_share_bps) == (7000, 50000, 800)
    single = Deal.objects.get(track=b[0])
    assert single.licensor == label  # found by name: the row gave no party id
    assert single.starts_at == datetime(2025, 12, 31, 23, tzinfo=UTC)  # its offset respected
    # An end date includes its day, local: 2026-12-31 ends at the next local midnight.
    assert single.local_ends == "2027-01-01T00:00:00"
    assert (single.pub_share_bps, single.pub_amount_micro, single.pub_amount_per) == (
        500,
        120000,
        "minute",
    )
    shares = {(s.holder.name, s.share_bps) for s in Split.objects.filter(release=release)}
    assert shares == {("Ada Byron", 6667), ("Nightjar Records", 3333)}

    assert sale_licence(track=a[1], territory="DE", at=SPRING).deal == album
    assert sale_licence(track=a[1], territory="US", at=SPRING).deal is None
    assert sale_licence(track=b[0], territory="AT", at=SPRING).deal == single
    assert sale_licence(track=b[0], territory="FR", at=SPRING).deal is None


def test_bad_rows_are_reported_by_line_and_nothing_is_written(catalog):
    a, b = catalog
    text = HEADER + (
        f"deal,{a[0].release.upc},,New Label,,label,Worldwide,2026-01-01,,7000,,,,,,,,\n"
        "deal,000000000000,,New Label,,label,Worldwide,2026-01-01,,7000,,,,,,,,\n"
        f"deal,{a[0].release.upc},,New Label,,label,Worldwide -XX,2026-01-01,,7000,,,,,,,,\n"
        f"deal,,{b[0].isrc},New Label,,label,DE,2026-01-01,,70%,,,,,,,,\n"
        f"deal,,{b[0].isrc},Nobody Yet,,,DE,2026-01-01,,7000,,,,,,,,\n"
        f"deal,,{b[0].isrc},New Label,,label,DE,01/02/2026,,7000,,,,,,,,\n"
        f"lease,,{b[0].isrc},New Label,,label,DE,2026-01-01,,7000,,,,,,,,\n"
    )
    report = rights_csv_import(text=text)
    lines = [line for line, _ in report.errors]
    assert lines == [3, 4, 5, 6, 7, 8], report.errors
    messages = dict(report.errors)
    assert "no release with UPC/EAN 000000000000" in messages[3]
    assert "XX is not an ISO 3166-1" in messages[4]
    assert "'70%' is not a whole number" in messages[5]
    assert "give holder_kind" in messages[6]
    assert "ISO 8601" in messages[7]
    assert "not deal or split" in messages[8]
    assert "nothing was written" in report.summary()
    # Line 2 was good, but the file is all or nothing.
    assert not Deal.objects.exists()
    assert not RightsHolder.objects.exists()


def test_reimporting_the_same_file_changes_nothing(catalog):
    a, b = catalog
    text = _good_csv(a[0].release.upc, b[0].isrc)
    assert rights_csv_import(text=text).ok
    before = list(Deal.objects.values_list("pk", "ends_at").order_by("pk"))
    splits = list(Split.objects.values_list("pk", flat=True).order_by("pk"))
    again = rights_csv_import(text=text)
    assert again.ok, again.errors
    assert again.counts["deals_unchanged"] == 2 and again.counts["splits_unchanged"] == 1
    assert again.counts["deals_created"] == again.counts["holders_created"] == 0
    assert list(Deal.objects.values_list("pk", "ends_at").order_by("pk")) == before
    assert list(Split.objects.values_list("pk", flat=True).order_by("pk")) == splits


def test_a_dry_run_reports_and_writes_nothing(catalog):
    a, b = catalog
    report = rights_csv_import(text=_good_csv(a[0].release.upc, b[0].isrc), dry_run=True)
    assert report.ok and report.counts["deals_created"] == 2
    assert "dry run" in report.summary()
    assert not Deal.objects.exists() and not RightsHolder.objects.exists()


def test_changed_terms_end_date_the_old_deal_and_supersede_it(catalog):
    a, b = catalog
    upc = a[0].release.upc
    assert rights_csv_import(text=_good_csv(upc, b[0].isrc)).ok
    old = Deal.objects.get(release=a[0].release)
    changed = HEADER + (
        f'deal,{upc},,Nightjar Records,{DPID},label,"Worldwide -US -CA",2026-07-01,,'
        "7500,50000,,,,flat-8,NJ-001b,,\n"
    )
    report = rights_csv_import(text=changed)
    assert report.ok, report.errors
    assert report.counts["deals_replaced"] == 1
    old.refresh_from_db()
    new = Deal.objects.get(supersedes=old)
    assert old.local_ends == "2026-07-01T00:00:00" and old.sr_share_bps == 7000
    assert new.sr_share_bps == 7500 and new.ends_at is None and new.reference == "NJ-001b"
    july = datetime(2026, 7, 1, tzinfo=UTC)
    assert sale_licence(track=a[0], territory="DE", at=july).deal == new
    assert sale_licence(track=a[0], territory="DE", at=SPRING).deal == old
    # Both files again: each deal is recognised, nothing is added or moved.
    assert rights_csv_import(text=_good_csv(upc, b[0].isrc)).counts["deals_unchanged"] == 2
    assert rights_csv_import(text=changed).counts["deals_unchanged"] == 1
    assert Deal.objects.filter(release=a[0].release).count() == 2
    # New terms may not start before the deal they would replace.
    earlier = changed.replace("2026-07-01", "2026-06-01").replace("7500", "7600")
    report = rights_csv_import(text=earlier)
    assert [line for line, _ in report.errors] == [2]
    assert "must start later" in report.errors[0][1]


def test_an_end_date_in_the_file_end_dates_the_deal(catalog):
    a, b = catalog
    upc = a[0].release.upc
    row = f"deal,{upc},,Label,,label,Worldwide,2026-01-01,{{end}},7000,,,,,,,,\n"
    assert rights_csv_import(text=HEADER + row.format(end="")).ok
    report = rights_csv_import(text=HEADER + row.format(end="2026-09-01"))
    assert report.ok and report.counts["deals_ended"] == 1
    deal = Deal.objects.get()
    assert deal.local_ends == "2026-09-02T00:00:00"  # the end date's day is included
    # An end is never moved later.
    report = rights_csv_import(text=HEADER + row.format(end="2026-10-01"))
    assert report.errors and "never moved later" in report.errors[0][1]


def test_a_split_not_summing_to_ten_thousand_is_refused(catalog):
    a, _ = catalog
    isrc = a[1].isrc
    text = HEADER + (
        f"deal,,{isrc},Label,,label,Worldwide,2026-01-01,,7000,,,,,,,,\n"
        f"split,,{isrc},Writer One,,publisher,,,,,,,,,,,publishing,5000\n"
        f"split,,{isrc},Writer Two,,publisher,,,,,,,,,,,publishing,4000\n"
        f"split,,{isrc},Writer One,,,,,,,,,,,,,sound_recording,10000\n"
    )
    report = rights_csv_import(text=text)
    assert report.errors == [(3, "shares sum to 9000 basis points, not 10000")]
    assert not Split.objects.exists() and not Deal.objects.exists()
    fixed = text.replace("publishing,4000", "publishing,5000")
    report = rights_csv_import(text=fixed)
    assert report.ok, report.errors
    assert Split.objects.filter(track=a[1], right_type=PUBLISHING).count() == 2
    assert Split.objects.get(track=a[1], right_type=SOUND_RECORDING).share_bps == 10_000


def test_unknown_columns_and_a_missing_header_are_refused(catalog):
    report = rights_csv_import(text="record,upc,sr_share\n")
    assert report.errors == [(1, "unknown columns: sr_share")]
    with pytest.raises(ImportRefused):
        rights_csv_import(text="deal,123\n")


def test_the_command_reports_errors_with_file_and_line(catalog, tmp_path, capsys):
    a, b = catalog
    good = tmp_path / "deals.csv"
    good.write_text(_good_csv(a[0].release.upc, b[0].isrc), encoding="utf-8")
    call_command("rights", "import-csv", str(good), "--dry-run")
    assert "2 deals created" in capsys.readouterr().out
    assert not Deal.objects.exists()
    call_command("rights", "import-csv", str(good))
    assert Deal.objects.count() == 2
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "deal,999,,X,,label,Worldwide,2026-01-01,,7000,,,,,,,,\n")
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("rights", "import-csv", str(bad))
    assert f"{bad}:2: " in capsys.readouterr().err


def _ern(a_upc: str, b_isrc: str) -> str:
    # ERN 4.3: a main release (ICPN) and a track release whose ISRC is on its resource.
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<ern:NewReleaseMessage xmlns:ern="http://ddex.net/xml/ern/43" AvsVersionId="4.3">
  <MessageHeader>
    <MessageId>NJ-2026-0001</MessageId>
    <MessageSender>
      <PartyId>{DPID}</PartyId>
      <PartyName><FullName>Nightjar Records</FullName></PartyName>
    </MessageSender>
    <MessageRecipient>
      <PartyId>{settings.DDEX_PARTY_ID}</PartyId>
      <PartyName><FullName>Tunemeter</FullName></PartyName>
    </MessageRecipient>
    <MessageCreatedDateTime>2025-12-01T10:00:00Z</MessageCreatedDateTime>
  </MessageHeader>
  <ResourceList>
    <SoundRecording>
      <ResourceReference>A1</ResourceReference>
      <SoundRecordingEdition><ResourceId><ISRC>{b_isrc}</ISRC></ResourceId></SoundRecordingEdition>
    </SoundRecording>
  </ResourceList>
  <ReleaseList>
    <Release>
      <ReleaseReference>R0</ReleaseReference>
      <ReleaseType>Album</ReleaseType>
      <ReleaseId><ICPN>0{a_upc}</ICPN></ReleaseId>
    </Release>
    <TrackRelease>
      <ReleaseReference>R1</ReleaseReference>
      <ReleaseId><ProprietaryId Namespace="PADPIDA">NJ-T1</ProprietaryId></ReleaseId>
      <ReleaseResourceReference>A1</ReleaseResourceReference>
    </TrackRelease>
  </ReleaseList>
  <DealList>
    <ReleaseDeal>
      <DealReleaseReference>R0</DealReleaseReference>
      <Deal>
        <DealTerms>
          <ExcludedTerritoryCode>US</ExcludedTerritoryCode>
          <ExcludedTerritoryCode>CA</ExcludedTerritoryCode>
          <ValidityPeriod><StartDate>2026-01-01</StartDate></ValidityPeriod>
          <CommercialModelType>PayAsYouGoModel</CommercialModelType>
          <UseType>PermanentDownload</UseType>
        </DealTerms>
      </Deal>
      <Deal>
        <DealTerms>
          <TerritoryCode>Worldwide</TerritoryCode>
          <ValidityPeriod><StartDate>2026-01-01</StartDate></ValidityPeriod>
          <CommercialModelType>SubscriptionModel</CommercialModelType>
          <UseType>OnDemandStream</UseType>
        </DealTerms>
      </Deal>
    </ReleaseDeal>
    <ReleaseDeal>
      <DealReleaseReference>R1</DealReleaseReference>
      <Deal>
        <DealTerms>
          <TerritoryCode>JP</TerritoryCode>
          <TerritoryCode>KR</TerritoryCode>
          <ValidityPeriod>
            <StartDateTime>2026-01-01T09:00:00+09:00</StartDateTime>
            <EndDate>2026-06-30</EndDate>
          </ValidityPeriod>
          <CommercialModelType>PayAsYouGoModel</CommercialModelType>
          <UseType>PermanentDownload</UseType>
          <UseType>ConditionalDownload</UseType>
        </DealTerms>
      </Deal>
    </ReleaseDeal>
  </DealList>
</ern:NewReleaseMessage>
"""


def test_ern_download_deals_become_deals_and_answer_the_sale_gate(catalog):
    a, b = catalog
    data = _ern(a[0].release.upc, b[0].isrc).encode()
    report = rights_ern_import(data=data, sr_share_bps=7000, preset="flat-8")
    assert report.ok, report.errors
    assert report.counts["deals_created"] == 2 and report.counts["skipped"] == 1
    assert any("SubscriptionModel" in note and "skipped" in note for note in report.notes)
    assert any("ConditionalDownload ignored" in note for note in report.notes)

    label = RightsHolder.objects.get(dpid=DPID)  # the sender, created as a label
    album = Deal.objects.get(release=a[0].release)
    assert album.licensor == label and album.territories == "Worldwide -CA -US"
    assert (album.sr_share_bps, album.pub_share_bps) == (7000, 800)
    assert album.reference == "ERN NJ-2026-0001"
    single = Deal.objects.get(track=b[0])
    assert single.territories == "JP KR"
    assert single.starts_at == datetime(2026, 1, 1, tzinfo=UTC)  # 09:00+09:00, one instant
    # A DDEX end date includes its day, in local time: the next midnight in Japan and Korea.
    assert single.local_ends == "2026-07-01T00:00:00"
    closes = datetime(2026, 6, 30, 15, tzinfo=UTC)

    assert sale_licence(track=a[1], territory="DE", at=SPRING).deal == album
    assert sale_licence(track=a[1], territory="US", at=SPRING).reason == (
        "not available in your territory"
    )
    before_end = closes - timedelta(seconds=1)
    assert sale_licence(track=b[0], territory="JP", at=before_end).deal == single
    assert sale_licence(track=b[0], territory="JP", at=closes).deal is None
    assert sale_licence(track=b[0], territory="DE", at=SPRING).deal is None

    again = rights_ern_import(data=data, sr_share_bps=7000, preset="flat-8")
    assert again.ok and again.counts["deals_unchanged"] == 2
    assert Deal.objects.count() == 2


def test_ern_releases_missing_from_the_catalog_are_errors(catalog):
    a, _ = catalog
    data = _ern(a[0].release.upc, "ZZAAA2600099").encode()
    report = rights_ern_import(data=data, sr_share_bps=7000)
    assert len(report.errors) == 1 and "no track with ISRC ZZAAA2600099" in report.errors[0][1]
    assert not Deal.objects.exists() and not RightsHolder.objects.exists()


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<NewReleaseMessage><MessageHeader><MessageId>&lol9;</MessageId></MessageHeader></NewReleaseMessage>
"""


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_hostile_xml_is_refused_before_any_entity_expands(catalog, encoding):
    data = BILLION_LAUGHS.replace(
        '<?xml version="1.0"?>', f'<?xml version="1.0" encoding="{encoding}"?>'
    )
    with pytest.raises(ImportRefused, match="DTDs and entities are refused"):
        rights_ern_import(data=data.encode(encoding), sr_share_bps=7000)
    assert not RightsHolder.objects.exists()


def test_the_command_refuses_hostile_xml_clearly(catalog, tmp_path):
    bomb = tmp_path / "bomb.xml"
    bomb.write_text(BILLION_LAUGHS)
    with pytest.raises(CommandError, match="line 2: the XML has a DOCTYPE"):
        call_command("rights", "import-ern", str(bomb), "--sr-share-bps", "7000")
    external = tmp_path / "external.xml"
    external.write_text('<!DOCTYPE x SYSTEM "file:///etc/passwd"><x/>')
    with pytest.raises(CommandError, match="DTDs and entities are refused"):
        call_command("rights", "import-ern", str(external), "--sr-share-bps", "7000")
    broken = tmp_path / "broken.xml"
    broken.write_text("<NewReleaseMessage>")
    with pytest.raises(CommandError, match="not well-formed XML"):
        call_command("rights", "import-ern", str(broken), "--sr-share-bps", "7000")


def test_the_documented_example_imports(catalog):
    a, b = catalog
    docs = (Path(__file__).resolve().parents[2] / "docs" / "rights-csv.md").read_text()
    example = docs.split("```csv\n", 1)[1].split("```", 1)[0]
    a[0].release.upc = "5012345678900"
    a[0].release.save(update_fields=["upc"])
    b[0].isrc = "GBAYE2600001"
    a[0].isrc = "GBAYE2600009"
    for track in (a[0], b[0]):
        track.save(update_fields=["isrc"])
    report = rights_csv_import(text=example)
    assert report.ok, report.errors
    assert report.counts["deals_created"] == 2 and report.counts["splits_set"] == 1
    assert RightsHolder.objects.get(name="Nightjar Records").dpid == "PADPIDA2014120301L"


def test_the_command_checks_the_size_first_and_refuses_fifos(catalog, tmp_path, settings):
    """Refuse an oversized file before reading it, and a FIFO or device outright (the
    importers read whole files into memory; a FIFO would block forever)."""
    fifo = tmp_path / "deals.csv"
    os.mkfifo(fifo)
    with pytest.raises(CommandError, match="not a regular file"):
        call_command("rights", "import-csv", str(fifo))
    big = tmp_path / "big.xml"
    with big.open("wb") as handle:
        handle.truncate(50_000_001)  # sparse: nothing is written, the size is what counts
    with pytest.raises(CommandError, match="larger than 50000000"):
        call_command("rights", "import-ern", str(big), "--sr-share-bps", "7000")
