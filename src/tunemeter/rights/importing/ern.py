"""Import ReleaseDeals from a DDEX ERN 4 message (hostile XML refused)."""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from datetime import datetime
from xml.parsers import expat

from tunemeter.rights.importing.common import (
    MAX_XML_BYTES,
    PAY_AS_YOU_GO,
    PERMANENT_DOWNLOAD,
    DealSpec,
    ImportRefused,
    ImportReport,
    _deal_apply,
    _guarded,
    _holder,
    _moment,
    _release_by_upc,
    _RowError,
    _run,
    _terms,
    _territories,
    _track_by_isrc,
)
from tunemeter.rights.models import Deal
from tunemeter.rights.territories import WORLDWIDE

logger = logging.getLogger(__name__)


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
