"""Share what both import formats need: the report, deal and split specifications, value
parsing, catalog and holder lookups, and applying specifications through the services."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from tunemeter.catalog.models import Release, Track
from tunemeter.catalog.validators import normalize_gtin, normalize_isrc
from tunemeter.rights.exceptions import RightsError
from tunemeter.rights.identifiers import validate_dpid
from tunemeter.rights.localtime import envelope_end, envelope_start, local_text
from tunemeter.rights.models import Deal, RightsHolder, Split
from tunemeter.rights.services import (
    TERMS_PRESETS,
    deal_create,
    deal_end,
    deal_replace,
    split_set,
)
from tunemeter.rights.territories import territories_normalize

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
    local_starts: str = ""
    local_ends: str = ""

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


def _when(text: str, *, what: str, end: bool = False) -> tuple[datetime, str]:
    """Parse an ISO 8601 date or date-time into (instant or bound, local time or "").

    DDEX reads a date, and a date-time without an offset, as local time in each
    territory of the deal: the local time comes back (naive ISO) with the earliest
    instant it is reached anywhere as the bound (the latest, for an end). An end date
    includes its day: it ends at the next local midnight. A date-time with an offset is
    one instant everywhere.
    """
    text = text.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            local = datetime(day.year, day.month, day.day) + timedelta(days=int(end))
        else:
            local = datetime.fromisoformat(text)
    except ValueError:
        raise _RowError(f"{what}: {text!r} is not an ISO 8601 date or date-time") from None
    if local.tzinfo is not None:
        return local.astimezone(UTC), ""
    local = local.replace(microsecond=0)
    return (envelope_end(local) if end else envelope_start(local)), local_text(local)


def _moment(text: str, *, what: str) -> datetime:
    """Parse an ISO 8601 date-time; UTC without an offset (message headers, not deals)."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise _RowError(f"{what}: {text!r} is not an ISO 8601 date-time") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _ends_first(starts_at, local_starts: str, ends_at, local_ends: str) -> bool:
    """Return True when a period ends before (or as) it starts, read as the file wrote it."""
    if ends_at is None:
        return False
    if local_starts and local_ends:
        return local_ends <= local_starts
    if not local_starts and not local_ends:
        return ends_at <= starts_at
    # One end local, the other an instant: compare in the latest-reading zone (safe side).
    return ends_at <= starts_at


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


def _holder(
    *, name: str, dpid: str, kind: str, report: ImportReport, line: int, create: bool = True
) -> RightsHolder | None:
    """Find a holder by DDEX party id, else by name; create it (with its kind) if missing.

    With create=False a missing holder is None: nothing is created before it is needed.
    """
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
    if not create:
        return None
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
        start = (deal.starts_at, deal.local_starts)
        if start != (spec.starts_at, spec.local_starts) or deal.terms.as_fields() != spec.terms:
            continue
        if (deal.ends_at, deal.local_ends) == (spec.ends_at, spec.local_ends):
            report.counts["deals_unchanged"] += 1
            return
        if deal.pk in succeeded:
            report.counts["deals_unchanged"] += 1
            return
        if spec.ends_at is not None and (deal.ends_at is None or spec.ends_at < deal.ends_at):
            deal_end(deal=deal, ends_at=spec.ends_at, local_ends=spec.local_ends)
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
    fields = {
        **spec.terms,
        "ends_at": spec.ends_at,
        "local_ends": spec.local_ends,
        "reference": spec.reference,
    }
    if latest is None:
        deal = deal_create(
            licensor=spec.licensor, territories=spec.territories, starts_at=spec.starts_at,
            local_starts=spec.local_starts, **subject, **fields,
        )  # fmt: skip
        report.counts["deals_created"] += 1
        report.actions.append(f"{where}: deal {deal.pk} created")
        return
    if spec.starts_at <= latest.starts_at:
        raise _RowError(
            f"deal {latest.pk} has other terms and starts at {latest.starts_at.isoformat()}: "
            "new terms must start later (the old deal is end-dated when they start)"
        )
    deal = deal_replace(
        deal=latest, starts_at=spec.starts_at, local_starts=spec.local_starts, **fields
    )
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
