"""Import deals and splits from the documented CSV format or a DDEX ERN 4 message.

Both formats become the same deal specifications, applied through the rights services
in one transaction: a file is imported whole or not at all, and every error names its
line. Importing the same file again changes nothing; a deal whose terms changed (same
subject, licensor and territories) is replaced through `deal_replace`, never edited.
The CSV format is described in docs/rights-csv.md.
"""

from __future__ import annotations

import csv
import io
import logging
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from xml.parsers import expat

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from tunemeter.catalog.models import Release, Track
from tunemeter.catalog.validators import normalize_gtin, normalize_isrc
from tunemeter.rights.exceptions import RightsError
from tunemeter.rights.identifiers import validate_dpid
from tunemeter.rights.models import RIGHT_TYPES, Deal, RightsHolder, Split
from tunemeter.rights.services import (
    TERMS_PRESETS,
    deal_create,
    deal_end,
    deal_replace,
    split_set,
)
from tunemeter.rights.territories import WORLDWIDE, territories_normalize

logger = logging.getLogger(__name__)

CSV_COLUMNS = (
    "record",
    "upc",
    "isrc",
    "holder",
    "holder_dpid",
    "holder_kind",
    "territories",
    "starts_at",
    "ends_at",
    "sr_share_bps",
    "sr_minimum_micro",
    "pub_share_bps",
    "pub_amount_micro",
    "pub_amount_per",
    "preset",
    "reference",
    "right_type",
    "share_bps",
)
PUB_COLUMNS = ("pub_share_bps", "pub_amount_micro", "pub_amount_per")
# A deal message is small; anything this large is not one (and is not read into memory).
MAX_XML_BYTES = 50_000_000
MAX_CSV_BYTES = 50_000_000

PAY_AS_YOU_GO = Deal.PAY_AS_YOU_GO
PERMANENT_DOWNLOAD = Deal.PERMANENT_DOWNLOAD


class ImportRefused(RightsError):
    """The file cannot be read at all (hostile or malformed XML, too large, no header)."""


class _RowError(Exception):
    """One row (or XML element) is wrong; the message says why."""


@dataclass
class ImportReport:
    """What an import did (or, on a dry run or with errors, would have done)."""

    dry_run: bool = False
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    actions: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, line: int, message: str) -> None:
        if (line, message) not in self.errors:
            self.errors.append((line, message))

    def summary(self) -> str:
        names = [
            ("deals_created", "deals created"),
            ("deals_replaced", "replaced"),
            ("deals_ended", "end-dated"),
            ("deals_unchanged", "unchanged"),
            ("splits_set", "splits set"),
            ("splits_unchanged", "splits unchanged"),
            ("holders_created", "holders created"),
            ("skipped", "deal terms skipped"),
        ]
        text = ", ".join(f"{self.counts.get(key, 0)} {label}" for key, label in names)
        if self.errors:
            return f"{len(self.errors)} errors: nothing was written ({text} otherwise)"
        return f"{text} (dry run: nothing was written)" if self.dry_run else text


@dataclass
class DealSpec:
    """One deal as a file states it, resolved against the catalog and the holders."""

    line: int
    licensor: RightsHolder
    territories: str
    starts_at: datetime
    ends_at: datetime | None
    terms: dict[str, object]
    release: Release | None = None
    track: Track | None = None
    reference: str = ""

    @property
    def subject(self) -> str:
        if self.track is not None:
            return f"track {self.track.isrc or self.track.pk}"
        return f"release {self.release.upc or self.release.pk}"


@dataclass
class _SplitGroup:
    """The co-owners of one subject's right, gathered from several rows."""

    release: Release | None
    track: Track | None
    right_type: str
    lines: list[int] = field(default_factory=list)
    shares: list[tuple[RightsHolder, int]] = field(default_factory=list)


# ---------------------------------------------------------------------------- values


def _moment(text: str, *, what: str, end_of_day: bool = False) -> datetime:
    """Parse an ISO 8601 date or date-time; UTC without an offset.

    A bare date is midnight UTC at its start, or (end_of_day, for DDEX end dates, which
    include their day) midnight UTC at its end.
    """
    text = text.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return moment + timedelta(days=1) if end_of_day else moment
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise _RowError(f"{what}: {text!r} is not an ISO 8601 date or date-time") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _whole(value: str, *, what: str, default: int | None = None) -> int:
    value = (value or "").strip()
    if not value:
        if default is None:
            raise _RowError(f"{what} is missing")
        return default
    if not value.isdigit():
        raise _RowError(f"{what}: {value!r} is not a whole number")
    return int(value)


def _bps(value: str, *, what: str, default: int | None = None) -> int:
    bps = _whole(value, what=what, default=default)
    if bps > 10_000:
        raise _RowError(f"{what}: {bps} is more than 10000 basis points")
    return bps


def _messages(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    return str(exc)


def _territories(text: str) -> str:
    try:
        return territories_normalize(text)
    except ValidationError as exc:
        raise _RowError(f"territories: {_messages(exc)}") from None


# ---------------------------------------------------------------------------- lookups


def _release_by_upc(code: str) -> Release:
    code = normalize_gtin(code)
    # ICPNs are often sent as 13 digits; a UPC-A is the same number without the leading 0.
    variants = {code, code[1:]} if len(code) == 13 and code.startswith("0") else {code}
    if len(code) == 12:
        variants.add("0" + code)
    releases = list(Release.objects.filter(upc__in=variants)[:2])
    if not releases:
        raise _RowError(f"no release with UPC/EAN {code} in the catalog")
    if len(releases) > 1:
        raise _RowError(f"UPC/EAN {code} is on more than one release")
    return releases[0]


def _track_by_isrc(code: str) -> Track:
    code = normalize_isrc(code)
    tracks = list(Track.objects.filter(isrc=code).select_related("release")[:2])
    if not tracks:
        raise _RowError(f"no track with ISRC {code} in the catalog")
    if len(tracks) > 1:
        raise _RowError(f"ISRC {code} is on more than one track: license their release")
    return tracks[0]


def _holder(*, name: str, dpid: str, kind: str, report: ImportReport, line: int) -> RightsHolder:
    """Find a holder by DDEX party id, else by name; create it (with its kind) if missing."""
    name, dpid, kind = name.strip(), dpid.strip().upper(), kind.strip().lower()
    if dpid:
        try:
            validate_dpid(dpid)
        except ValidationError as exc:
            raise _RowError(f"holder_dpid: {_messages(exc)}") from None
        found = RightsHolder.objects.filter(dpid=dpid).order_by("pk").first()
        if found is not None:
            return found
    if not name:
        raise _RowError("give the holder's name (or a DDEX party id the store knows)")
    named = list(RightsHolder.objects.filter(name__iexact=name).order_by("pk")[:2])
    if len(named) > 1:
        raise _RowError(f"more than one holder is named {name!r}: give holder_dpid")
    if named:
        found = named[0]
        if dpid and found.dpid:
            raise _RowError(f"holder {name!r} has DDEX party id {found.dpid}, not {dpid}")
        if dpid:
            report.notes.append(
                f"line {line}: holder {name!r} has no DDEX party id on record; "
                f"{dpid} from the file was not added"
            )
        return found
    kinds = dict(RightsHolder.KINDS)
    if kind not in kinds:
        raise _RowError(
            f"holder {name!r} is new: give holder_kind ({', '.join(kinds)}) to create it"
        )
    holder = RightsHolder(name=name, dpid=dpid, kind=kind)
    try:
        holder.full_clean()
    except ValidationError as exc:
        raise _RowError(_messages(exc)) from None
    holder.save()
    report.counts["holders_created"] += 1
    report.actions.append(f"line {line}: holder {holder.pk} {name!r} ({kind}) created")
    return holder


def _terms(
    *,
    sr_share_bps: int,
    sr_minimum_micro: int,
    pub_share_bps: int,
    pub_amount_micro: int,
    pub_amount_per: str,
    preset: str,
) -> dict[str, object]:
    """Return a deal's royalty terms, a preset resolved into its publishing terms."""
    if pub_amount_per not in (Deal.PER_TRACK, Deal.PER_MINUTE):
        raise _RowError(f"pub_amount_per: {pub_amount_per!r} is not track or minute")
    terms = {
        "sr_share_bps": sr_share_bps,
        "sr_minimum_micro": sr_minimum_micro,
        "pub_share_bps": pub_share_bps,
        "pub_amount_micro": pub_amount_micro,
        "pub_amount_per": pub_amount_per,
    }
    if preset:
        if preset not in TERMS_PRESETS:
            raise _RowError(f"preset: {preset!r} is not one of {', '.join(TERMS_PRESETS)}")
        terms.update(TERMS_PRESETS[preset])
    return terms


def _deal_terms(deal: Deal) -> dict[str, object]:
    return {
        "sr_share_bps": deal.sr_share_bps,
        "sr_minimum_micro": deal.sr_minimum_micro,
        "pub_share_bps": deal.pub_share_bps,
        "pub_amount_micro": deal.pub_amount_micro,
        "pub_amount_per": deal.pub_amount_per,
    }


# ---------------------------------------------------------------------------- applying


def _deal_apply(spec: DealSpec, report: ImportReport) -> None:
    """Record a deal once: unchanged, end-dated, replaced (new terms) or created."""
    subject = {"release": spec.release, "track": spec.track}
    existing = list(
        Deal.objects.filter(
            licensor=spec.licensor, territories=spec.territories, **subject
        ).order_by("starts_at", "pk")
    )
    succeeded = set(
        Deal.objects.filter(supersedes__in=existing).values_list("supersedes_id", flat=True)
    )
    where = f"line {spec.line}: {spec.subject} from {spec.licensor} ({spec.territories})"
    for deal in existing:
        if deal.starts_at != spec.starts_at or _deal_terms(deal) != spec.terms:
            continue
        if deal.ends_at == spec.ends_at or deal.pk in succeeded:
            report.counts["deals_unchanged"] += 1
            return
        if spec.ends_at is not None and (deal.ends_at is None or spec.ends_at < deal.ends_at):
            deal_end(deal=deal, ends_at=spec.ends_at)
            report.counts["deals_ended"] += 1
            report.actions.append(f"{where}: deal {deal.pk} ends at {spec.ends_at.isoformat()}")
            return
        ended = deal.ends_at.isoformat()
        raise _RowError(
            f"deal {deal.pk} already ended at {ended}; an end is never moved later: "
            f"record a new deal starting at {ended}"
        )
    current = [d for d in existing if d.pk not in succeeded]
    latest = current[-1] if current else None
    fields = {**spec.terms, "ends_at": spec.ends_at, "reference": spec.reference}
    if latest is None:
        deal = deal_create(
            licensor=spec.licensor, territories=spec.territories, starts_at=spec.starts_at,
            **subject, **fields,
        )  # fmt: skip
        report.counts["deals_created"] += 1
        report.actions.append(f"{where}: deal {deal.pk} created")
        return
    if spec.starts_at <= latest.starts_at:
        raise _RowError(
            f"deal {latest.pk} has other terms and starts at {latest.starts_at.isoformat()}: "
            "new terms must start later (the old deal is end-dated when they start)"
        )
    deal = deal_replace(deal=latest, starts_at=spec.starts_at, **fields)
    report.counts["deals_replaced"] += 1
    report.actions.append(
        f"{where}: deal {latest.pk} ends at {spec.starts_at.isoformat()}, "
        f"deal {deal.pk} supersedes it with the new terms"
    )


def _split_apply(group: _SplitGroup, report: ImportReport) -> None:
    """Set a subject's split for a right, unless it is already exactly this."""
    subject = (
        {"track": group.track}
        if group.track is not None
        else {"release": group.release, "track__isnull": True}
    )
    now = set(
        Split.objects.filter(right_type=group.right_type, **subject).values_list(
            "holder_id", "share_bps"
        )
    )
    wanted = {(holder.pk, bps) for holder, bps in group.shares}
    if now == wanted and len(wanted) == len(group.shares):
        report.counts["splits_unchanged"] += 1
        return
    split_set(
        right_type=group.right_type,
        shares=group.shares,
        release=None if group.track is not None else group.release,
        track=group.track,
    )
    report.counts["splits_set"] += 1
    name = f"track {group.track.pk}" if group.track is not None else f"release {group.release.pk}"
    report.actions.append(
        f"line {group.lines[0]}: {group.right_type} split of {name} set "
        f"({len(group.shares)} co-owners)"
    )


def _guarded(report: ImportReport, line: int, apply, *args) -> None:
    """Apply one change in a savepoint, so a failure is reported and the rest still checked."""
    try:
        with transaction.atomic():
            apply(*args)
    except (_RowError, RightsError, ValidationError, DatabaseError) as exc:
        report.error(line, _messages(exc))


def _run(report: ImportReport, body) -> ImportReport:
    """Run body in one transaction; roll it all back on a dry run or on any error."""
    with transaction.atomic():
        body()
        if report.errors or report.dry_run:
            transaction.set_rollback(True)
    report.errors.sort(key=lambda e: e[0])
    logger.info(
        "rights import dry_run=%s errors=%d %s",
        report.dry_run,
        len(report.errors),
        " ".join(f"{k}={v}" for k, v in sorted(report.counts.items())),
    )
    return report


# ---------------------------------------------------------------------------- CSV


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
    starts_at = _moment(row["starts_at"], what="starts_at")
    ends_at = _moment(row["ends_at"], what="ends_at") if row.get("ends_at", "").strip() else None
    if ends_at is not None and ends_at <= starts_at:
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


# ---------------------------------------------------------------------------- ERN


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def xml_parse_safely(data: bytes) -> tuple[ET.Element, dict[int, int]]:
    """Parse XML into an ElementTree without namespaces, refusing any DTD or entity.

    Return the root and each element's line (by id). A DOCTYPE is refused before its
    internal subset is read, so entity bombs (billion laughs) and external entities
    never expand.
    """
    if len(data) > MAX_XML_BYTES:
        raise ImportRefused(f"the file is larger than {MAX_XML_BYTES} bytes")
    builder = ET.TreeBuilder()
    lines: dict[int, int] = {}
    parser = expat.ParserCreate(namespace_separator="}")

    def refuse(*_args) -> None:
        raise ImportRefused(
            f"line {parser.CurrentLineNumber}: the XML has a DOCTYPE or entity declaration; "
            "DTDs and entities are refused"
        )

    def start(tag: str, attrs: dict[str, str]) -> None:
        element = builder.start(_local(tag), {_local(k): v for k, v in attrs.items()})
        lines[id(element)] = parser.CurrentLineNumber

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.StartElementHandler = start
    parser.EndElementHandler = lambda tag: builder.end(_local(tag))
    parser.CharacterDataHandler = builder.data
    parser.buffer_text = True
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise ImportRefused(f"not well-formed XML: {exc}") from None
    return builder.close(), lines


def _texts(element: ET.Element, name: str) -> list[str]:
    return [(e.text or "").strip() for e in element.iter(name) if (e.text or "").strip()]


def _text(element: ET.Element | None, name: str) -> str:
    found = _texts(element, name) if element is not None else []
    return found[0] if found else ""


def _child(element: ET.Element, name: str) -> ET.Element | None:
    return next((e for e in element if e.tag == name), None)


def _ern_scope(terms: ET.Element) -> str:
    included = [c.upper() for c in _texts(terms, "TerritoryCode")]
    excluded = sorted({c.upper() for c in _texts(terms, "ExcludedTerritoryCode")})
    if not included:
        raise _RowError("DealTerms has no TerritoryCode")
    if WORLDWIDE.upper() in included:
        return _territories(" ".join([WORLDWIDE, *(f"-{c}" for c in excluded)]))
    codes = sorted(set(included) - set(excluded))
    if not codes:
        raise _RowError("every included territory is also excluded")
    return _territories(" ".join(codes))


def _ern_periods(terms: ET.Element, default_start: str) -> list[tuple[datetime, datetime | None]]:
    periods = [e for e in terms.iter("ValidityPeriod")] or [None]
    found = []
    for period in periods:
        start = _text(period, "StartDateTime") or _text(period, "StartDate") or default_start
        if not start:
            raise _RowError("ValidityPeriod has no StartDate or StartDateTime")
        starts_at = _moment(start, what="StartDate")
        end_time, end_day = _text(period, "EndDateTime"), _text(period, "EndDate")
        ends_at = None
        if end_time:
            ends_at = _moment(end_time, what="EndDateTime")
        elif end_day:
            ends_at = _moment(end_day, what="EndDate", end_of_day=True)
        if ends_at is not None and ends_at <= starts_at:
            raise _RowError("ValidityPeriod ends before it starts")
        found.append((starts_at, ends_at))
    return found


def _ern_subjects(root: ET.Element, lines: dict[int, int]) -> dict[str, tuple]:
    """Map each ReleaseReference to (line, release or None, track or None, error or None)."""
    resources = {}
    for recording in root.iter("SoundRecording"):
        reference = _text(_child(recording, "ResourceReference"), "ResourceReference")
        if reference:
            resources[reference] = _text(recording, "ISRC")
    subjects = {}
    release_list = next(root.iter("ReleaseList"), None)
    for release in list(release_list) if release_list is not None else []:
        if release.tag not in ("Release", "TrackRelease"):
            continue
        line = lines.get(id(release), 0)
        reference = _text(_child(release, "ReleaseReference"), "ReleaseReference")
        release_id = _child(release, "ReleaseId")
        icpn, isrc = _text(release_id, "ICPN"), _text(release_id, "ISRC")
        if not (icpn or isrc):
            refs = _texts(release, "ReleaseResourceReference")
            is_track = release.tag == "TrackRelease" or _text(release, "ReleaseType") in (
                "TrackRelease",
            )
            if is_track and len(refs) == 1:
                isrc = resources.get(refs[0], "")
        try:
            if icpn:
                subjects[reference] = (line, _release_by_upc(icpn), None, None)
            elif isrc:
                subjects[reference] = (line, None, _track_by_isrc(isrc), None)
            else:
                raise _RowError(f"release {reference} has neither an ICPN nor an ISRC")
        except _RowError as exc:
            subjects[reference] = (line, None, None, str(exc))
    return subjects


def rights_ern_import(
    *,
    data: bytes,
    sr_share_bps: int,
    sr_minimum_micro: int = 0,
    preset: str | None = None,
    pub_share_bps: int = 0,
    pub_amount_micro: int = 0,
    pub_amount_per: str = Deal.PER_TRACK,
    licensor_name: str = "",
    licensor_dpid: str = "",
    licensor_kind: str = "label",
    dry_run: bool = False,
) -> ImportReport:
    """Import the PayAsYouGoModel/PermanentDownload deals of a DDEX ERN 4 message.

    ERN carries no royalty terms: they come from the arguments, the same for every deal.
    The licensor is the message's sender unless licensor_name/licensor_dpid say otherwise.
    Other commercial models and use types are skipped with a note.
    """
    report = ImportReport(dry_run=dry_run)
    root, lines = xml_parse_safely(data)
    if not any(True for _ in root.iter("DealList")):
        report.notes.append("the message has no DealList: nothing to import")
    header = next(root.iter("MessageHeader"), None)
    sender = next(header.iter("MessageSender"), None) if header is not None else None
    message_id = _text(header, "MessageId")
    created = _text(header, "MessageCreatedDateTime")
    amounts = {"sr_minimum_micro": sr_minimum_micro, "pub_amount_micro": pub_amount_micro}
    shares = {"sr_share_bps": sr_share_bps, "pub_share_bps": pub_share_bps}
    for name, value in {**amounts, **shares}.items():
        if value < 0 or (name in shares and value > 10_000):
            raise ImportRefused(f"{name}: {value} is out of range")
    try:
        terms = _terms(
            sr_share_bps=sr_share_bps,
            sr_minimum_micro=sr_minimum_micro,
            pub_share_bps=pub_share_bps,
            pub_amount_micro=pub_amount_micro,
            pub_amount_per=pub_amount_per,
            preset=preset or "",
        )
    except _RowError as exc:
        raise ImportRefused(str(exc)) from None

    def body() -> None:
        try:
            licensor = _holder(
                name=licensor_name or _text(sender, "FullName"),
                dpid=licensor_dpid or ("" if licensor_name else _text(sender, "PartyId")),
                kind=licensor_kind,
                report=report,
                line=lines.get(id(sender), 0),
            )
        except _RowError as exc:
            report.error(lines.get(id(sender), 0), f"licensor: {exc}")
            return
        subjects = _ern_subjects(root, lines)
        for release_deal in root.iter("ReleaseDeal"):
            references = _texts(release_deal, "DealReleaseReference")
            for deal_terms in release_deal.iter("DealTerms"):
                line = lines.get(id(deal_terms), 0)
                models_ = _texts(deal_terms, "CommercialModelType")
                uses = _texts(deal_terms, "UseType")
                if PAY_AS_YOU_GO not in models_ or PERMANENT_DOWNLOAD not in uses:
                    report.counts["skipped"] += 1
                    report.notes.append(
                        f"line {line}: {'/'.join(models_) or 'no model'} for "
                        f"{'/'.join(uses) or 'no use'} skipped: the store sells "
                        f"{PERMANENT_DOWNLOAD} under {PAY_AS_YOU_GO} only"
                    )
                    continue
                others = sorted(set(models_ + uses) - {PAY_AS_YOU_GO, PERMANENT_DOWNLOAD})
                if others:
                    report.notes.append(f"line {line}: {', '.join(others)} ignored")
                try:
                    scope = _ern_scope(deal_terms)
                    periods = _ern_periods(deal_terms, created[:10] if created else "")
                except _RowError as exc:
                    report.error(line, str(exc))
                    continue
                for reference in references:
                    if reference not in subjects:
                        report.error(line, f"DealReleaseReference {reference} names no release")
                        continue
                    release_line, release, track, problem = subjects[reference]
                    if problem:
                        report.error(release_line, problem)
                        continue
                    for starts_at, ends_at in periods:
                        spec = DealSpec(
                            line=line,
                            licensor=licensor,
                            territories=scope,
                            starts_at=starts_at,
                            ends_at=ends_at,
                            terms=terms,
                            release=release,
                            track=track,
                            reference=f"ERN {message_id}".strip() if message_id else "ERN",
                        )
                        _guarded(report, line, _deal_apply, spec, report)

    return _run(report, body)
