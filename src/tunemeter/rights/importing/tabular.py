"""Import deals and splits from the documented CSV format (docs/rights-csv.md)."""

from __future__ import annotations

import csv
import io
import logging

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from tunemeter.catalog.models import Release, Track
from tunemeter.rights.importing.common import (
    CSV_COLUMNS,
    MAX_CSV_BYTES,
    PUB_COLUMNS,
    DealSpec,
    ImportRefused,
    ImportReport,
    _bps,
    _deal_apply,
    _ends_first,
    _guarded,
    _holder,
    _messages,
    _release_by_upc,
    _RowError,
    _run,
    _split_apply,
    _SplitGroup,
    _terms,
    _territories,
    _track_by_isrc,
    _when,
    _whole,
)
from tunemeter.rights.models import RIGHT_TYPES, Deal

logger = logging.getLogger(__name__)


def _csv_subject(row: dict[str, str]) -> tuple[Release | None, Track | None]:
    upc, isrc = row.get("upc", "").strip(), row.get("isrc", "").strip()
    if bool(upc) == bool(isrc):
        raise _RowError("give a release's upc or a track's isrc (one of them)")
    return (_release_by_upc(upc), None) if upc else (None, _track_by_isrc(isrc))


def _cell_whole(row: dict[str, str], column: str) -> int:
    return _whole(row.get(column, ""), what=column, default=0)


def _csv_deal(row: dict[str, str], line: int, report: ImportReport) -> DealSpec:
    release, track = _csv_subject(row)
    preset = row.get("preset", "").strip()
    if preset and any(row.get(c, "").strip() for c in PUB_COLUMNS):
        raise _RowError("give a preset or publishing terms, not both")
    terms = _terms(
        sr_share_bps=_bps(row.get("sr_share_bps", ""), what="sr_share_bps"),
        sr_minimum_micro=_cell_whole(row, "sr_minimum_micro"),
        pub_share_bps=_bps(row.get("pub_share_bps", ""), what="pub_share_bps", default=0),
        pub_amount_micro=_cell_whole(row, "pub_amount_micro"),
        pub_amount_per=row.get("pub_amount_per", "").strip().lower() or Deal.PER_TRACK,
        preset=preset,
    )
    if not row.get("territories", "").strip():
        raise _RowError("territories is missing (Worldwide, Worldwide -US, or codes: DE AT)")
    if not row.get("starts_at", "").strip():
        raise _RowError("starts_at is missing")
    starts_at, local_starts = _when(row["starts_at"], what="starts_at")
    ends_at, local_ends = None, ""
    if row.get("ends_at", "").strip():
        ends_at, local_ends = _when(row["ends_at"], what="ends_at", end=True)
    if _ends_first(starts_at, local_starts, ends_at, local_ends):
        raise _RowError("ends_at must be after starts_at")
    return DealSpec(
        line=line,
        licensor=_holder(
            name=row.get("holder", ""),
            dpid=row.get("holder_dpid", ""),
            kind=row.get("holder_kind", ""),
            report=report,
            line=line,
        ),
        territories=_territories(row["territories"]),
        starts_at=starts_at,
        ends_at=ends_at,
        terms=terms,
        release=release,
        track=track,
        reference=row.get("reference", "").strip(),
        local_starts=local_starts,
        local_ends=local_ends,
    )


def _csv_split(
    row: dict[str, str], line: int, report: ImportReport, groups: dict[tuple, _SplitGroup]
) -> None:
    release, track = _csv_subject(row)
    right_type = row.get("right_type", "").strip().lower()
    if right_type not in dict(RIGHT_TYPES):
        raise _RowError(f"right_type: {right_type!r} is not one of {', '.join(dict(RIGHT_TYPES))}")
    share = _bps(row.get("share_bps", ""), what="share_bps")
    holder = _holder(
        name=row.get("holder", ""),
        dpid=row.get("holder_dpid", ""),
        kind=row.get("holder_kind", ""),
        report=report,
        line=line,
    )
    key = ("track", track.pk) if track is not None else ("release", release.pk)
    group = groups.setdefault((*key, right_type), _SplitGroup(release, track, right_type))
    group.lines.append(line)
    group.shares.append((holder, share))


def rights_csv_import(*, text: str, dry_run: bool = False) -> ImportReport:
    """Import deals and splits from the documented CSV format, all or nothing.

    Every row is checked and every error reported with its line; with any error (or on a
    dry run) nothing is written.
    """
    report = ImportReport(dry_run=dry_run)
    if len(text) > MAX_CSV_BYTES:
        raise ImportRefused(f"the file is larger than {MAX_CSV_BYTES} bytes")
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    if "record" not in header:
        raise ImportRefused("line 1 must be the header, with a record column (see the docs)")
    reader.fieldnames = header

    def body() -> None:
        unknown = [name for name in header if name not in CSV_COLUMNS]
        if unknown:
            report.error(1, f"unknown columns: {', '.join(unknown)}")
        specs: list[DealSpec] = []
        groups: dict[tuple, _SplitGroup] = {}
        for row in reader:
            line = reader.line_num  # the row's last physical line (quoted cells may span lines)
            if None in row:
                report.error(line, "more cells than the header has columns")
                continue
            row = {key: (value or "") for key, value in row.items()}
            record = row.get("record", "").strip().lower()
            if not any(value.strip() for value in row.values()) or record.startswith("#"):
                continue
            try:
                with transaction.atomic():
                    if record == "deal":
                        specs.append(_csv_deal(row, line, report))
                    elif record == "split":
                        _csv_split(row, line, report, groups)
                    else:
                        raise _RowError(f"record: {record!r} is not deal or split")
            except (_RowError, ValidationError, DatabaseError) as exc:
                report.error(line, _messages(exc))
        for spec in specs:
            _guarded(report, spec.line, _deal_apply, spec, report)
        for group in groups.values():
            _guarded(report, group.lines[0], _split_apply, group, report)

    return _run(report, body)
