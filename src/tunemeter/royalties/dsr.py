"""Write a DDEX DSR flat file of download sales for one rights holder and period.

Follows the DDEX Digital Sales Reporting Message Suite (flat-file, "dsrf"):

- Part 1: Architecture 1.4 — a report is HEAD, one or more summary Records, Blocks,
  FOOT (6.3); TAB-delimited UTF-8, one Record a line; the escaping of delimiters in
  Cells ("Communicating delimiters"); the file naming convention (8.1).
- Part 3: Basic Audio Profile 1.4, Multi-Record Block Variant ("BasicAudioProfile").
- Part 8: Record Type Definitions 1.5 — HEAD, SY01.03 (basic summary), RE01.03 (basic
  audio release), AS02.04 (sound recording with musical work details), SU01.03 (sales
  for download services), FOOT.

A Block is one release sold in one territory: RE01.03, then one AS02.04 per track
sold, then one SU01.03 per sale row. Each SU01.03 points at the summary Record of its
sales context (Part 1 6.2: commercial model, use type, territory, service
description). Summary Records carry totals and must come before the Blocks, so Blocks
are spooled (to disk past a few MB) while the totals add up, then copied out.
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import IO, NamedTuple

from django.core.exceptions import ValidationError

from tunemeter.httputil import ascii_transliterate
from tunemeter.rights.identifiers import validate_dpid

logger = logging.getLogger(__name__)

# dsrf/<Part 1 version>/<allowed-value-set version>/<Part 8 version>: the form DSR Part 8
# 5.1.1 (HEAD, Cell 2) gives, whose values each profile part states. Part 2 (allowed-value
# sets) was last numbered 1.5 before DDEX moved to a central list. Not yet checked against
# the Basic Audio Profile 1.4 text itself (Part 3), which this project has no copy of.
MESSAGE_VERSION = "dsrf/1.4/1.5/1.5"
PROFILE = "BasicAudioProfile"
PROFILE_VERSION = "1.4"

PAY_AS_YOU_GO = "PayAsYouGoModel"
PERMANENT_DOWNLOAD = "PermanentDownload"
# Part 1 8.1 leaves the name of a multi-territory file to the parties; "multi" is the
# token DDEX's own dsrf validator recommends.
MULTI_TERRITORY = "multi"
# The allowed-value set of territories has Worldwide; the one summary Record of an
# empty multi-territory report uses it.
WORLDWIDE = "Worldwide"

_DPID = re.compile(r"PADPIDA[A-Za-z0-9]+")
_TERRITORY = re.compile(r"[A-Z]{2}")
_CURRENCY = re.compile(r"[A-Z]{3}")

# Part 1, "Communicating delimiters": a TAB in a Cell is written \<TAB>, a pipe \\|, a
# backslash \\\ (every Cell, single-valued or not). A Record is one line, so line breaks
# and other control characters cannot be escaped: they become spaces.
_ESCAPES = {c: " " for c in (*range(32), 0x7F, 0x85, 0x2028, 0x2029)}
_ESCAPES.update({0x09: "\\\t", 0x7C: "\\\\|", 0x5C: "\\\\\\"})
_ESCAPE_TABLE = str.maketrans(_ESCAPES)
_NAME_JUNK = re.compile(r"(?:[^\w-]|_)+")
# Part 1 8.1: a file name element is written in ASCII letters, digits and hyphens (the
# underscore separates elements). Cyrillic is transliterated as downloads' names are,
# letters Unicode does not decompose get their usual Latin spelling, the rest is dropped.
_ASCII_LETTERS = str.maketrans(
    {"ß": "ss", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "œ": "oe", "Œ": "OE", "đ": "d",
     "Đ": "D", "ł": "l", "Ł": "L", "þ": "th", "Þ": "Th", "ð": "d", "Ð": "D", "ı": "i"}
)  # fmt: skip
_ASCII_JUNK = re.compile(r"[^A-Za-z0-9-]+")


@dataclass(frozen=True, slots=True, kw_only=True)
class DsrHeader:
    """Who reports to whom, for which period and territory (HEAD and the file name)."""

    sender_party_id: str  # the store's DDEX party id, PADPIDA…
    sender_name: str
    recipient_name: str
    recipient_party_id: str = ""  # the holder's DDEX party id; many independents have none
    service_description: str  # no spaces or underscores, e.g. "Tunemeter"
    usage_start: date
    usage_end: date  # inclusive
    territory: str  # an ISO 3166-1 alpha-2 code, or MULTI_TERRITORY
    currency: str  # ISO 4217, of every amount in the file
    message_id: str  # never reused by this sender
    created_at: datetime  # timezone-aware


class DsrSale(NamedTuple):
    """Sales of one track in one format at one price, in one territory, in the period.

    Rows arrive sorted by territory, release, track, format; rows of one
    (territory, release) must be adjacent, since they make one Block. A named tuple
    rather than a frozen dataclass: as immutable, and four times cheaper to build,
    which counts at a million rows a report.
    """

    territory: str  # ISO 3166-1 alpha-2
    dsp_release_id: str  # the store's release id
    upc: str  # ICPN (UPC/EAN), "" when unknown
    release_title: str
    release_artist: str
    label: str
    dsp_resource_id: str  # the store's track id
    isrc: str  # "" when unknown
    track_title: str
    track_artist: str
    duration_seconds: int  # 0 when unknown
    format: str  # e.g. "mp3-320"; becomes the sales context's ServiceDescription
    sales_units: int
    return_units: int  # refunded downloads
    unit_price_micro: int  # what one buyer paid for one unit, excluding sales tax
    composers: tuple[str, ...] = ()  # a multiple-string Cell: one name each
    commercial_model: str = PAY_AS_YOU_GO
    use_type: str = PERMANENT_DOWNLOAD


@dataclass(frozen=True, slots=True)
class DsrFooter:
    """The FOOT counts of a written file, and its totals for reconciliation."""

    lines: int  # NumberOfLinesInFile (= InReport): every Record, HEAD and FOOT included
    summary_records: int
    blocks: int  # NumberOfBlocksInFile (= InReport)
    sale_records: int
    net_units: int  # sales minus returns, all rows
    net_revenue_micro: int  # sum of (sales - returns) * unit price, all rows


def dsr_write(*, header: DsrHeader, rows: Iterable[DsrSale], out: IO[str]) -> DsrFooter:
    """Write one single-file DSR message for header's recipient and period to out.

    Rows are read once, as they come; memory holds one Block and the summary totals.
    A file for one territory refuses rows of another. An empty rows still gives a
    valid report: HEAD, one summary Record with zero sales, FOOT (Part 1 6.3).
    """
    _check_header(header)
    single = header.territory if header.territory != MULTI_TERRITORY else None
    summaries: dict[tuple[str, str, str, str], list] = {}  # context -> [id, units, micro]
    prices: dict[int, str] = {}
    blocks = sale_records = lines = 0
    with tempfile.SpooledTemporaryFile(
        max_size=8 << 20, mode="w+", encoding="utf-8", newline=""
    ) as spool:
        block: list[DsrSale] = []
        for row in rows:
            if block and (
                row.dsp_release_id != block[0].dsp_release_id or row.territory != block[0].territory
            ):
                lines += _block_write(spool, blocks + 1, block, single, summaries, prices)
                blocks += 1
                sale_records += len(block)
                block = []
            block.append(row)
        if block:
            lines += _block_write(spool, blocks + 1, block, single, summaries, prices)
            blocks += 1
            sale_records += len(block)

        if not summaries:
            territory = single or WORLDWIDE
            context = (PAY_AS_YOU_GO, PERMANENT_DOWNLOAD, territory, header.service_description)
            summaries[context] = ["1", 0, 0]
        out.write(_head(header))
        for (model, use_type, territory, service), (sy_id, units, micro) in summaries.items():
            # A format is the store's service tier: it names the summary's sales context.
            cells = [sy_id, "", "", model, use_type, territory, _text(_name(service)), str(units)]
            cells += ["", header.currency, _decimal(micro), "", "", "", "", "", ""]
            out.write("SY01.03\t" + "\t".join(cells) + "\n")
        spool.seek(0)
        shutil.copyfileobj(spool, out, 1 << 20)
        lines += 2 + len(summaries)  # HEAD and FOOT count too (Part 8, FOOT cell 2)
        # A single-file report: the "InReport" counts equal the "InFile" ones.
        out.write(f"FOOT\t{lines}\t{lines}\t{len(summaries)}\t{blocks}\t{blocks}\n")

    footer = DsrFooter(
        lines=lines,
        summary_records=len(summaries),
        blocks=blocks,
        sale_records=sale_records,
        net_units=sum(s[1] for s in summaries.values()),
        net_revenue_micro=sum(s[2] for s in summaries.values()),
    )
    logger.info(
        "dsr written message=%s recipient=%s period=%s lines=%d blocks=%d sales=%d",
        header.message_id,
        header.recipient_party_id or header.recipient_name,
        _period(header.usage_start, header.usage_end),
        footer.lines,
        footer.blocks,
        footer.sale_records,
    )
    return footer


def recipient_token(name: str) -> str:
    """Return a recipient's name as a file name element may carry it (Part 1 8.1): ASCII
    letters, digits and hyphens, accents removed ("Les Disques de l'Été" → Les-Disques-de-l-Ete).

    A report to a holder without a DDEX party id carries this same string in HEAD's
    RecipientName, since the file name's MessageRecipient must equal one of them exactly.
    """
    ascii_only = ascii_transliterate(name.translate(_ASCII_LETTERS))
    return _ASCII_JUNK.sub("-", ascii_only).strip("-")


def dsr_filename(*, header: DsrHeader) -> str:
    """Return the file name Part 1 8.1 gives the report, e.g. DSR_…_2026-11_DE_1of1_….tsv.

    Its MessageRecipient is HEAD's RecipientPartyId, or else HEAD's RecipientName, exactly.
    """
    _check_header(header)
    recipient = header.recipient_party_id or header.recipient_name
    created = header.created_at.astimezone(UTC).strftime("%Y%m%dT%H%M%S")
    period = _period(header.usage_start, header.usage_end)
    return (
        f"DSR_{recipient}_{header.sender_party_id}_{header.service_description}"
        f"_{period}_{header.territory}_1of1_{created}.tsv"
    )


def _block_write(
    spool: IO[str],
    number: int,
    rows: list[DsrSale],
    single_territory: str | None,
    summaries: dict[tuple[str, str, str, str], list],
    prices: dict[int, str],
) -> int:
    """Write one Block (RE01.03, AS02.04 per track, SU01.03 per row); return its lines."""
    block_id = f"BL{number}"
    first = rows[0]
    # A Block shares one territory and release: check them once, not per row.
    if single_territory and first.territory != single_territory:
        raise ValueError(f"a {single_territory} report got a sale in {first.territory}")
    if not _TERRITORY.fullmatch(first.territory):
        raise ValueError(f"territory {first.territory!r} is not ISO 3166-1 alpha-2")
    if not first.dsp_release_id:
        raise ValueError("a release id is mandatory (DspReleaseId)")
    out = [
        f"RE01.03\t{block_id}\t1\t{_text(first.dsp_release_id)}\t\t\t{_text(first.upc)}"
        f"\t{_text(first.release_artist)}\t\t{_text(first.release_title)}\t\t"
        f"\t{_text(first.label)}\t\t\t\t\n"
    ]
    # ReleaseReference is "1"; resources take "2", "3"… so no reference in a Block repeats.
    resources: dict[str, str] = {}
    for row in rows:
        if row.dsp_resource_id in resources:
            continue
        if not row.dsp_resource_id:
            raise ValueError(
                f"a track id is mandatory (DspResourceId), release {first.dsp_release_id}"
            )
        ref = resources[row.dsp_resource_id] = str(len(resources) + 2)
        out.append(
            f"AS02.04\t{block_id}\t{ref}\t{_text(row.dsp_resource_id)}\t{_text(row.isrc)}"
            f"\t{_text(row.track_title)}\t\t{_text(row.track_artist)}\t"
            f"\t{_duration(row.duration_seconds)}\tSoundRecording\t\t{_names(row.composers)}"
            "\t\t\t\t\t\t\t\t\t\t\t\t\n"
        )
    for sale_number, row in enumerate(rows, 1):
        if row.sales_units < 0 or row.return_units < 0 or row.unit_price_micro < 0:
            raise ValueError(f"negative units or price for track {row.dsp_resource_id}")
        context = (row.commercial_model, row.use_type, row.territory, row.format)
        summary = summaries.get(context)
        if summary is None:
            summary = summaries[context] = [str(len(summaries) + 1), 0, 0]
        net_units = row.sales_units - row.return_units
        summary[1] += net_units
        summary[2] += net_units * row.unit_price_micro
        price = prices.get(row.unit_price_micro)
        if price is None:
            price = prices[row.unit_price_micro] = _decimal(row.unit_price_micro)
        # SalesTransactionId: unique within the message (Part 8 says with the MessageId).
        # IsRoyaltyBearing: every sale in a holder's report accrues royalties to it.
        # SalesUpgrade: the store sells no upgrades. UseType sits on the summary Record.
        out.append(
            f"SU01.03\t{block_id}\t{summary[0]}\t{number}.{sale_number}\t"
            f"\t{resources[row.dsp_resource_id]}\ttrue\tfalse\t{row.sales_units}"
            f"\t{row.return_units}\t{price}\t\t\n"
        )
    spool.write("".join(out))
    return len(out)


def _head(header: DsrHeader) -> str:
    created = header.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    cells = [
        "HEAD",
        MESSAGE_VERSION,
        PROFILE,
        PROFILE_VERSION,
        _text(header.message_id),
        created,
        "1",  # FileNumber: the writer makes single-file reports
        "1",  # NumberOfFiles
        header.usage_start.isoformat(),
        header.usage_end.isoformat(),
        header.sender_party_id,
        _text(header.sender_name),
        header.service_description,
        header.recipient_party_id,
        _text(header.recipient_name),
        "",  # RepresentedRepertoire: only for a recipient administering several
    ]
    return "\t".join(cells) + "\n"


def _check_header(header: DsrHeader) -> None:
    if not _DPID.fullmatch(header.sender_party_id):
        raise ValueError(f"sender party id {header.sender_party_id!r} is not a DPID (PADPIDA…)")
    if header.recipient_party_id and not _DPID.fullmatch(header.recipient_party_id):
        raise ValueError(f"recipient party id {header.recipient_party_id!r} is not a DPID")
    for party_id in filter(None, (header.sender_party_id, header.recipient_party_id)):
        try:
            validate_dpid(party_id)
        except ValidationError:
            raise ValueError(f"{party_id!r} fails the DPID check character") from None
    if not header.recipient_party_id and (
        not header.recipient_name or recipient_token(header.recipient_name) != header.recipient_name
    ):
        raise ValueError(
            "without a party id the recipient's name is the file name's MessageRecipient: "
            "give it as recipient_token() writes it (ASCII letters, digits, hyphens)"
        )
    if not header.service_description or _name(header.service_description) != (
        header.service_description
    ):
        raise ValueError("the service description takes letters, digits and dashes only")
    if header.territory != MULTI_TERRITORY and not _TERRITORY.fullmatch(header.territory):
        raise ValueError(f"territory {header.territory!r} is not ISO 3166-1 alpha-2 or multi")
    if not _CURRENCY.fullmatch(header.currency):
        raise ValueError(f"currency {header.currency!r} is not an ISO 4217 code")
    if header.usage_end < header.usage_start:
        raise ValueError("the period ends before it starts")
    if header.created_at.tzinfo is None:
        raise ValueError("created_at must be timezone-aware")


def _text(value: str) -> str:
    return value.translate(_ESCAPE_TABLE)


def _names(values: Iterable[str]) -> str:
    """Return a multiple-string Cell: each value escaped, joined by the secondary delimiter
    `|` (Part 1, "Communicating delimiters"; a pipe inside a name is escaped)."""
    return "|".join(_text(v) for v in values if v)


def _name(value: str) -> str:
    """Return value fit for a file name element or a ServiceDescription (no _ or spaces)."""
    return _NAME_JUNK.sub("-", value).strip("-")


def _decimal(amount_micro: int) -> str:
    """Return micro-units as an exact decimal: 1.5, 2, and 0 written "0" (Part 1)."""
    sign = "-" if amount_micro < 0 else ""
    whole, fraction = divmod(abs(amount_micro), 1_000_000)
    if not fraction:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{fraction:06d}".rstrip("0")


def _duration(seconds: int) -> str:
    """Return an ISO 8601 duration such as PT3M42S; "" when unknown."""
    if seconds <= 0:
        return ""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    return text + (f"{secs}S" if secs or text == "PT" else "")


def _period(start: date, end: date) -> str:
    """Return the MessageNotificationPeriod: yyyy, yyyy-mm, yyyy-Qq, yyyy-Www, a day, a range."""
    if start == end:
        return start.isoformat()
    if start.day == 1 and start.year == end.year:
        if end == _month_end(start):
            return f"{start:%Y-%m}"
        if start.month == 1 and (end.month, end.day) == (12, 31):
            return f"{start:%Y}"
        if start.month % 3 == 1 and end == _month_end(start.replace(month=start.month + 2)):
            return f"{start:%Y}-Q{start.month // 3 + 1}"
    if start.isoweekday() == 1 and end == start + timedelta(days=6):
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{start.isoformat()}--{end.isoformat()}"


def _month_end(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
