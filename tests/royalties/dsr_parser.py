"""Parse and check a DDEX DSR flat file (Basic Audio Profile, multi-record blocks).

Written for the tests from the DSR standard itself, not from the writer: the Cells of
each Record type (Part 8 v1.5), the order of Records in a report (Part 1 6.3, Part 3
Blocks), the escaping of delimiters and the file naming convention (Part 1). It raises
DsrError at the first thing the standard does not allow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Part 8 v1.5: the Cells of each Record type, in order.
RECORDS: dict[str, tuple[str, ...]] = {
    "HEAD": (
        "RecordType",
        "MessageVersion",
        "Profile",
        "ProfileVersion",
        "MessageId",
        "MessageCreatedDateTime",
        "FileNumber",
        "NumberOfFiles",
        "UsageStartDate",
        "UsageEndDate",
        "SenderPartyId",
        "SenderName",
        "ServiceDescription",
        "RecipientPartyId",
        "RecipientName",
        "RepresentedRepertoire",
    ),
    "SY01.03": (
        "RecordType",
        "SummaryRecordId",
        "DistributionChannel",
        "DistributionChannelDPID",
        "CommercialModel",
        "UseType",
        "Territory",
        "ServiceDescription",
        "TotalUsages",
        "Subscribers",
        "CurrencyOfReporting",
        "NetRevenue",
        "IndirectValue",
        "CurrencyOfTransaction",
        "ExchangeRate",
        "ExchangeRateSource",
        "DateOfCurrencyExchange",
        "TotalPlaybackDuration",
    ),
    "RE01.03": (
        "RecordType",
        "BlockId",
        "ReleaseReference",
        "DspReleaseId",
        "ProprietaryReleaseId",
        "ReleaseCatalogNumber",
        "ReleaseIcpn",
        "ReleaseDisplayArtistName",
        "ReleaseDisplayArtistPartyId",
        "ReleaseTitle",
        "ReleaseSubTitle",
        "ReleaseType",
        "ReleaseLabelName",
        "ReleasePLine",
        "ReleaseDataProviderName",
        "ReleaseDate",
        "ReleaseDisplayArtist",
    ),
    "AS02.04": (
        "RecordType",
        "BlockId",
        "ResourceReference",
        "DspResourceId",
        "ResourceISRC",
        "ResourceTitle",
        "ResourceSubTitle",
        "ResourceDisplayArtistName",
        "ResourceDisplayArtistPartyId",
        "ResourceDuration",
        "ResourceType",
        "MusicalWorkISWC",
        "MusicalWorkComposerAuthorName",
        "MusicalWorkComposerAuthorPartyId",
        "MusicalWorkArrangerName",
        "MusicalWorkArrangerPartyId",
        "MusicPublisherName",
        "MusicPublisherPartyId",
        "MusicalWorkContributorName",
        "MusicalWorkContributorPartyId",
        "ProprietaryMusicalWorkId",
        "IsMasterRecording",
        "IsSubjectToOwnershipConflict",
        "LastConflictCheck",
        "ResourceDisplayArtist",
    ),
    "SU01.03": (
        "RecordType",
        "BlockId",
        "SummaryRecordId",
        "SalesTransactionId",
        "TransactedReleaseReference",
        "TransactedResourceReference",
        "IsRoyaltyBearing",
        "SalesUpgrade",
        "Usages",
        "Returns",
        "PriceEndUserPaidExcSalesTax",
        "PromotionalActivity",
        "UseType",
    ),
    "FOOT": (
        "RecordType",
        "NumberOfLinesInFile",
        "NumberOfLinesInReport",
        "NumberOfSummaryRecords",
        "NumberOfBlocksInFile",
        "NumberOfBlocksInReport",
    ),
}

# Part 1 8.1: DSR_Recipient_Sender_Service_Period_Territory_xofy_Created.ext; no element
# holds an underscore or a space; the period is yyyy, yyyy-mm, yyyy-mm-dd, yyyy-Qq,
# yyyy-Www or yyyy-mm-dd--yyyy-mm-dd; the time is basic ISO 8601 without a zone.
FILE_NAME = re.compile(
    r"DSR_(?P<recipient>[^_\s]*)_(?P<sender>[^_\s]+)_(?P<service>[^_\s]*)"
    r"_(?P<period>\d{4}(?:-\d{2}|-\d{2}-\d{2}(?:--\d{4}-\d{2}-\d{2})?|-Q[1-4]|-W\d{2})?)"
    r"_(?P<territory>[^_\s]*)_(?:(?P<x>\d+)of(?P<y>\d+))?"
    r"_(?P<created>\d{8}T\d{6}(?:\d{3})?)\.(?P<ext>tsv|tsv\.gz)"
)

_DECIMAL = re.compile(r"-?\d+(?:\.\d*)?")
_INTEGER = re.compile(r"-?\d+")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:Z|[+-]\d{2}:\d{2})")


class DsrError(ValueError):
    """The file breaks a rule of the DSR standard."""


@dataclass
class Block:
    """One Block: a release, its resources, and their sales."""

    release: dict[str, str]
    resources: list[dict[str, str]] = field(default_factory=list)
    sales: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Report:
    """A parsed DSR message: each Record as a dict of Cell name to (unescaped) value."""

    head: dict[str, str]
    summaries: list[dict[str, str]]
    blocks: list[Block]
    foot: dict[str, str]
    lines: int


def split_cells(line: str) -> list[str]:
    """Split a Record into unescaped Cells (Part 1: \\<TAB> is a TAB, \\\\| a pipe, \\\\\\ a
    backslash); an unescaped pipe is an error since no Cell here holds several values."""
    cells: list[str] = []
    cell: list[str] = []
    i = 0
    while i < len(line):
        char = line[i]
        if char == "\\":
            run = len(line) - i - len(line[i:].lstrip("\\"))
            backslashes, rest = divmod(run, 3)
            cell.append("\\" * backslashes)
            i += run
            following = line[i] if i < len(line) else ""
            if rest == 1 and following == "\t":
                cell.append("\t")
                i += 1
            elif rest == 2 and following == "|":
                cell.append("|")
                i += 1
            elif rest:
                raise DsrError(f"bad escape of {rest} backslash(es) before {following!r}: {line!r}")
        elif char == "\t":
            cells.append("".join(cell))
            cell = []
            i += 1
        elif char == "|":
            raise DsrError(f"unescaped pipe in a single-value Cell: {line!r}")
        else:
            cell.append(char)
            i += 1
    cells.append("".join(cell))
    return cells


def parse(text: str) -> Report:
    """Parse a whole DSR message and check its structure and FOOT counts."""
    if not text.endswith("\n"):
        raise DsrError("the last Record is not terminated by a line break")
    raw_lines = text[:-1].split("\n")
    records = []
    for number, line in enumerate(raw_lines, 1):
        if "\r" in line:
            raise DsrError(f"line {number}: stray carriage return")
        cells = split_cells(line)
        names = RECORDS.get(cells[0])
        if names is None:
            raise DsrError(f"line {number}: unknown Record type {cells[0]!r}")
        if len(cells) != len(names):
            raise DsrError(
                f"line {number}: {cells[0]} has {len(cells)} Cells, the standard {len(names)}"
            )
        records.append(dict(zip(names, cells, strict=True)))

    if records[0]["RecordType"] != "HEAD":
        raise DsrError("the first Record is not HEAD")
    if records[-1]["RecordType"] != "FOOT":
        raise DsrError("the last Record is not FOOT")
    head, foot, body = records[0], records[-1], records[1:-1]
    _check_head(head)

    summaries = []
    while body and body[0]["RecordType"] == "SY01.03":
        summaries.append(body.pop(0))
    if not summaries:
        raise DsrError("a report needs at least one summary Record (Part 1 6.3)")
    summary_ids = {s["SummaryRecordId"] for s in summaries}
    if len(summary_ids) != len(summaries):
        raise DsrError("summary Record ids repeat")
    for summary in summaries:
        _check_summary(summary)

    blocks = _blocks(body, summary_ids)
    _check_foot(foot, len(records), len(summaries), len(blocks))
    return Report(head=head, summaries=summaries, blocks=blocks, foot=foot, lines=len(records))


def _check_head(head: dict[str, str]) -> None:
    if not head["MessageVersion"].startswith("dsrf/"):
        raise DsrError("MessageVersion is not dsrf/…")
    if head["Profile"] != "BasicAudioProfile":
        raise DsrError(f"Profile {head['Profile']!r} is not BasicAudioProfile")
    for name in ("ProfileVersion", "MessageId", "SenderName"):
        if not head[name]:
            raise DsrError(f"HEAD {name} is mandatory")
    if not _DATETIME.fullmatch(head["MessageCreatedDateTime"]):
        raise DsrError("MessageCreatedDateTime is not RFC 3339 with a zone")
    if not 1 <= int(head["FileNumber"]) <= int(head["NumberOfFiles"]):
        raise DsrError("FileNumber is not within NumberOfFiles")
    for name in ("UsageStartDate", "UsageEndDate"):
        if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", head[name]):
            raise DsrError(f"{name} is not YYYY[-MM[-DD]]")
    if not re.fullmatch(r"PADPIDA[A-Za-z0-9]+", head["SenderPartyId"]):
        raise DsrError("SenderPartyId is not a DPID")
    if head["RecipientPartyId"] and not re.fullmatch(
        r"PADPIDA[A-Za-z0-9]+", head["RecipientPartyId"]
    ):
        raise DsrError("RecipientPartyId is not a DPID")
    if not head["RecipientPartyId"] and not head["RecipientName"]:
        raise DsrError("a report to one recipient names it")
    if re.search(r"[\s_]", head["ServiceDescription"]):
        raise DsrError("ServiceDescription holds a space or an underscore")


def _check_summary(summary: dict[str, str]) -> None:
    for name in ("SummaryRecordId", "CommercialModel", "Territory", "CurrencyOfReporting"):
        if not summary[name]:
            raise DsrError(f"SY01.03 {name} is mandatory")
    if not _DECIMAL.fullmatch(summary["TotalUsages"]):
        raise DsrError("TotalUsages is not a decimal")
    if not _DECIMAL.fullmatch(summary["NetRevenue"]) or summary["NetRevenue"] in ("0.0", "-0"):
        raise DsrError(f"NetRevenue {summary['NetRevenue']!r} is not a decimal (zero is 0)")
    if re.search(r"[\s_]", summary["ServiceDescription"]):
        raise DsrError("ServiceDescription holds a space or an underscore")
    if not re.fullmatch(r"[A-Z]{2}|Worldwide", summary["Territory"]):
        raise DsrError(f"Territory {summary['Territory']!r} is not a territory code")


def _blocks(body: list[dict[str, str]], summary_ids: set[str]) -> list[Block]:
    """Group the body into Blocks: RE01.03, one or more AS02.04, one or more SU01.03."""
    blocks: list[Block] = []
    seen_ids: set[str] = set()
    for record in body:
        kind = record["RecordType"]
        if kind == "RE01.03":
            if blocks and not blocks[-1].sales:
                raise DsrError(f"Block {blocks[-1].release['BlockId']} has no sales Record")
            if record["BlockId"] in seen_ids:
                raise DsrError(f"BlockId {record['BlockId']} repeats")
            seen_ids.add(record["BlockId"])
            for name in ("ReleaseReference", "DspReleaseId"):
                if not record[name]:
                    raise DsrError(f"RE01.03 {name} is mandatory")
            blocks.append(Block(release=record))
            continue
        if not blocks:
            raise DsrError(f"{kind} before any Block's release Record")
        block = blocks[-1]
        if record["BlockId"] != block.release["BlockId"]:
            raise DsrError(f"{kind} of Block {record['BlockId']} inside {block.release['BlockId']}")
        if kind == "AS02.04":
            if block.sales:
                raise DsrError("a resource Record after the Block's sales Records")
            for name in ("ResourceReference", "DspResourceId", "ResourceTitle", "ResourceType"):
                if not record[name]:
                    raise DsrError(f"AS02.04 {name} is mandatory")
            if record["ResourceISRC"] and not re.fullmatch(
                r"[A-Za-z]{2}[A-Za-z0-9]{3}\d{7}", record["ResourceISRC"]
            ):
                raise DsrError(f"ResourceISRC {record['ResourceISRC']!r} is not an ISRC")
            block.resources.append(record)
        elif kind == "SU01.03":
            if not block.resources:
                raise DsrError("a sales Record before any resource Record")
            _check_sale(record, block, summary_ids)
            block.sales.append(record)
        else:
            raise DsrError(f"{kind} does not belong in a Basic Audio Block")
    if blocks and not blocks[-1].sales:
        raise DsrError(f"Block {blocks[-1].release['BlockId']} has no sales Record")
    return blocks


def _check_sale(sale: dict[str, str], block: Block, summary_ids: set[str]) -> None:
    if sale["SummaryRecordId"] not in summary_ids:
        raise DsrError(f"SU01.03 points at no summary Record {sale['SummaryRecordId']!r}")
    if not sale["SalesTransactionId"]:
        raise DsrError("SalesTransactionId is mandatory")
    release, resource = sale["TransactedReleaseReference"], sale["TransactedResourceReference"]
    if bool(release) == bool(resource):
        raise DsrError("a sales Record names a release or a resource, not both or neither")
    if resource and resource not in {r["ResourceReference"] for r in block.resources}:
        raise DsrError(f"TransactedResourceReference {resource!r} is not in the Block")
    if release and release != block.release["ReleaseReference"]:
        raise DsrError(f"TransactedReleaseReference {release!r} is not in the Block")
    for name in ("IsRoyaltyBearing", "SalesUpgrade"):
        if sale[name] not in ("true", "false"):
            raise DsrError(f"{name} is not a boolean")
    for name in ("Usages", "Returns"):
        if not _DECIMAL.fullmatch(sale[name]):
            raise DsrError(f"{name} is not a number")
    if not _DECIMAL.fullmatch(sale["PriceEndUserPaidExcSalesTax"]):
        raise DsrError("a pay-as-you-go sale needs PriceEndUserPaidExcSalesTax")


def _check_foot(foot: dict[str, str], lines: int, summaries: int, blocks: int) -> None:
    for name in foot:
        if name != "RecordType" and foot[name] and not _INTEGER.fullmatch(foot[name]):
            raise DsrError(f"FOOT {name} is not an integer")
    expected = {
        "NumberOfLinesInFile": lines,
        "NumberOfLinesInReport": lines,
        "NumberOfSummaryRecords": summaries,
        "NumberOfBlocksInFile": blocks,
        "NumberOfBlocksInReport": blocks,
    }
    for name, count in expected.items():
        if foot[name] != str(count):
            raise DsrError(f"FOOT {name} says {foot[name]}, the file has {count}")
