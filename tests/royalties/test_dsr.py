"""Tests for the DDEX DSR writer, read back with a parser written from the standard."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from tests.royalties import dsr_parser
from tunemeter.rights.identifiers import mod37_36_check_char
from tunemeter.royalties.dsr import (
    MULTI_TERRITORY,
    DsrHeader,
    DsrSale,
    dsr_filename,
    dsr_write,
    recipient_token,
)

STORE_DPID = "PADPIDA2026010101" + mod37_36_check_char("PADPIDA2026010101")
HOLDER_DPID = "PADPIDA2026020202" + mod37_36_check_char("PADPIDA2026020202")
HOSTILE = "Tab\there\r\nnext|pipe\\slash\\\t\\|end"


def header(**changes) -> DsrHeader:
    base = DsrHeader(
        sender_party_id=STORE_DPID,
        sender_name="Tunemeter Demo Store",
        recipient_party_id=HOLDER_DPID,
        recipient_name="Nocturne Records",
        service_description="Tunemeter",
        usage_start=date(2026, 11, 1),
        usage_end=date(2026, 11, 30),
        territory=MULTI_TERRITORY,
        currency="EUR",
        message_id="tm-2026-11-42",
        created_at=datetime(2026, 12, 2, 3, 4, 5, 678000, tzinfo=UTC),
    )
    return replace(base, **changes)


def sale(territory, release, track, fmt, sold, returned, price_micro, **changes) -> DsrSale:
    base = DsrSale(
        territory=territory,
        dsp_release_id=release,
        upc="012345678905",
        release_title=f"Release {release}",
        release_artist="Ada Lux",
        label="Nocturne",
        dsp_resource_id=track,
        isrc=f"QZABC26{int(track[1:]):05d}",
        track_title=f"Track {track}",
        track_artist="Ada Lux",
        composers=("Ada Lux",),
        duration_seconds=222,
        format=fmt,
        sales_units=sold,
        return_units=returned,
        unit_price_micro=price_micro,
    )
    return base._replace(**changes)


ROWS = [
    sale("DE", "r1", "t1", "flac", 3, 1, 1_234_567),
    sale("DE", "r1", "t1", "mp3-320", 2, 0, 500_000),
    sale("DE", "r1", "t2", "flac", 1, 0, 2_000_001, duration_seconds=3725),
    sale("DE", "r2", "t3", "mp3-320", 5, 0, 990_000, release_title=HOSTILE, track_title=HOSTILE),
    sale("FR", "r1", "t1", "flac", 1, 1, 1_234_567),
]


def write(rows, **changes):
    out = io.StringIO()
    footer = dsr_write(header=header(**changes), rows=iter(rows), out=out)
    return footer, out.getvalue()


def test_blocks_summaries_and_foot_follow_the_standard():
    footer, text = write(ROWS)
    report = dsr_parser.parse(text)  # checks every Record's Cell count and order

    assert report.head["Profile"] == "BasicAudioProfile"
    assert report.head["RecipientPartyId"] == HOLDER_DPID
    assert report.head["UsageStartDate"] == "2026-11-01"
    assert report.head["UsageEndDate"] == "2026-11-30"
    assert report.head["MessageCreatedDateTime"] == "2026-12-02T03:04:05Z"
    assert (report.head["FileNumber"], report.head["NumberOfFiles"]) == ("1", "1")

    contexts = {(s["Territory"], s["ServiceDescription"]) for s in report.summaries}
    assert contexts == {("DE", "flac"), ("DE", "mp3-320"), ("FR", "flac")}
    for summary in report.summaries:
        assert (summary["CommercialModel"], summary["UseType"]) == (
            "PayAsYouGoModel",
            "PermanentDownload",
        )
        assert summary["CurrencyOfReporting"] == "EUR"

    # One Block per release and territory; one resource Record per track sold in it.
    assert [(b.release["DspReleaseId"], len(b.resources), len(b.sales)) for b in report.blocks] == [
        ("r1", 2, 3),
        ("r2", 1, 1),
        ("r1", 1, 1),
    ]
    first = report.blocks[0]
    assert [r["DspResourceId"] for r in first.resources] == ["t1", "t2"]
    assert [r["ResourceISRC"] for r in first.resources] == ["QZABC2600001", "QZABC2600002"]
    assert [r["ResourceDuration"] for r in first.resources] == ["PT3M42S", "PT1H2M5S"]
    assert first.resources[0]["MusicalWorkComposerAuthorName"] == "Ada Lux"
    assert first.release["ReleaseIcpn"] == "012345678905"
    assert first.release["ReleaseLabelName"] == "Nocturne"
    by_id = {s["SummaryRecordId"]: s for s in report.summaries}
    fr_sale = report.blocks[2].sales[0]
    assert by_id[fr_sale["SummaryRecordId"]]["Territory"] == "FR"
    ids = [s["SalesTransactionId"] for b in report.blocks for s in b.sales]
    assert len(set(ids)) == len(ids) == 5

    assert report.lines == 1 + 3 + (6 + 3 + 3) + 1
    assert report.foot["NumberOfLinesInFile"] == "17"
    assert report.foot["NumberOfSummaryRecords"] == "3"
    assert report.foot["NumberOfBlocksInFile"] == "3"
    assert (footer.lines, footer.summary_records, footer.blocks, footer.sale_records) == (
        17,
        3,
        3,
        5,
    )


def test_amounts_are_exact_to_the_micro_unit():
    footer, text = write(ROWS)
    report = dsr_parser.parse(text)
    micro = Decimal("0.000001")

    sales = [(b, s) for b in report.blocks for s in b.sales]
    prices = [Decimal(s["PriceEndUserPaidExcSalesTax"]) for _, s in sales]
    assert prices == [row.unit_price_micro * micro for row in ROWS]
    assert [(s["Usages"], s["Returns"]) for _, s in sales] == [
        (str(r.sales_units), str(r.return_units)) for r in ROWS
    ]

    got = {
        (s["Territory"], s["ServiceDescription"]): (s["TotalUsages"], s["NetRevenue"])
        for s in report.summaries
    }
    expected = {}
    for row in ROWS:
        units, money = expected.get((row.territory, row.format), (0, Decimal(0)))
        net = row.sales_units - row.return_units
        expected[(row.territory, row.format)] = (
            units + net,
            money + net * row.unit_price_micro * micro,
        )
    assert {k: (int(u), Decimal(m)) for k, (u, m) in got.items()} == expected
    assert got[("DE", "flac")] == ("3", "4.469135")
    assert got[("DE", "mp3-320")] == ("7", "5.95")
    assert got[("FR", "flac")] == ("0", "0")  # the standard writes zero as 0
    assert footer.net_revenue_micro == 4_469_135 + 5_950_000
    assert footer.net_units == 10


def test_hostile_text_stays_in_its_cell():
    _, text = write(ROWS)
    report = dsr_parser.parse(text)
    hostile = report.blocks[1]
    # TAB, pipe and backslash survive escaped; line breaks cannot, and become spaces.
    assert hostile.release["ReleaseTitle"] == "Tab\there  next|pipe\\slash\\\t\\|end"
    assert hostile.resources[0]["ResourceTitle"] == hostile.release["ReleaseTitle"]
    assert len(text.splitlines()) == 17


def test_empty_period_gives_head_one_summary_and_foot():
    footer, text = write([])
    report = dsr_parser.parse(text)
    assert report.blocks == []
    assert len(report.summaries) == 1
    summary = report.summaries[0]
    assert (summary["Territory"], summary["TotalUsages"], summary["NetRevenue"]) == (
        "Worldwide",
        "0",
        "0",
    )
    assert report.foot["NumberOfLinesInFile"] == "3"
    assert report.foot["NumberOfBlocksInFile"] == "0"
    assert (footer.lines, footer.blocks, footer.net_revenue_micro) == (3, 0, 0)

    _, text = write([], territory="DE")
    assert dsr_parser.parse(text).summaries[0]["Territory"] == "DE"


def test_file_name_follows_the_naming_convention():
    name = dsr_filename(header=header())
    match = dsr_parser.FILE_NAME.fullmatch(name)
    assert match, name
    assert match.groupdict() == {
        "recipient": HOLDER_DPID,
        "sender": STORE_DPID,
        "service": "Tunemeter",
        "period": "2026-11",
        "territory": "multi",
        "x": "1",
        "y": "1",
        "created": "20261202T030405",
        "ext": "tsv",
    }

    # Without a DPID the holder's name stands in, in ASCII, as HEAD's RecipientName too.
    created = datetime(2027, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=3)))
    with pytest.raises(ValueError, match="recipient_token"):
        dsr_filename(header=header(recipient_party_id="", recipient_name="Les Disques_de l'Été"))
    name = dsr_filename(
        header=header(
            recipient_party_id="",
            recipient_name=recipient_token("Les Disques_de l'Été"),
            usage_start=date(2026, 10, 1),
            usage_end=date(2026, 12, 31),
            territory="FR",
            created_at=created,
        )
    )
    match = dsr_parser.FILE_NAME.fullmatch(name)
    assert match, name
    assert match["recipient"] == "Les-Disques-de-l-Ete"
    assert (match["period"], match["territory"]) == ("2026-Q4", "FR")
    assert match["created"] == "20261231T213000"  # UTC

    periods = {
        (date(2026, 1, 1), date(2026, 12, 31)): "2026",
        (date(2026, 11, 5), date(2026, 11, 5)): "2026-11-05",
        (date(2026, 11, 2), date(2026, 11, 8)): "2026-W45",
        (date(2026, 11, 3), date(2026, 11, 20)): "2026-11-03--2026-11-20",
    }
    for (start, end), period in periods.items():
        name = dsr_filename(header=header(usage_start=start, usage_end=end))
        assert dsr_parser.FILE_NAME.fullmatch(name)["period"] == period


def test_one_territory_file_refuses_another_territorys_sale():
    with pytest.raises(ValueError, match="DE report got a sale in FR"):
        write(ROWS, territory="DE")
    _, text = write(ROWS[:4], territory="DE")
    assert {s["Territory"] for s in dsr_parser.parse(text).summaries} == {"DE"}


def test_header_must_be_usable():
    for changes in (
        {"sender_party_id": "STORE1"},
        {"service_description": "Tune meter"},
        {"territory": "Europe"},
        {"currency": "euro"},
        {"created_at": datetime(2026, 12, 2)},
        {"usage_end": date(2026, 10, 31)},
    ):
        with pytest.raises(ValueError):
            write(ROWS, **changes)


def test_rows_stream_from_a_generator():
    def rows():
        for territory in ("AT", "CH"):
            for release in range(300):
                for track in range(10):
                    for fmt, price in (("flac", 1_310_000), ("mp3-320", 740_000)):
                        yield sale(territory, f"r{release}", f"t{track + 1}", fmt, 2, 0, price)

    out = io.StringIO()
    footer = dsr_write(header=header(), rows=rows(), out=out)
    report = dsr_parser.parse(out.getvalue())
    assert len(report.blocks) == footer.blocks == 600
    assert footer.sale_records == 12_000
    assert footer.net_revenue_micro == 600 * 10 * 2 * (1_310_000 + 740_000)


def test_parser_catches_broken_files():
    _, text = write(ROWS)
    with pytest.raises(dsr_parser.DsrError, match="NumberOfLinesInFile"):
        dsr_parser.parse(text.replace("FOOT\t17\t", "FOOT\t16\t"))
    with pytest.raises(dsr_parser.DsrError, match="unescaped pipe"):
        dsr_parser.parse(text.replace("Release r1", "Release|r1", 1))
    with pytest.raises(dsr_parser.DsrError, match="Cells"):
        dsr_parser.parse(text.replace("\tPayAsYouGoModel\t", "\tPayAsYouGoModel\t\t", 1))
