"""Import ReleaseDeals from a DDEX ERN 4 message (hostile XML refused).

A message is read as DDEX means it: addressed to this store (MessageRecipient, and each
deal's DistributionChannel), a statement of truth replacing the sender's earlier deals
for each release it carries (messages.py), dates local to each territory (localtime.py),
pre-order deals and TakeDown terms granting no download licence.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from collections import defaultdict
from xml.parsers import expat

from django.conf import settings
from django.utils import timezone

from tunemeter.rights.importing.common import (
    MAX_XML_BYTES,
    PAY_AS_YOU_GO,
    PERMANENT_DOWNLOAD,
    DealSpec,
    ImportRefused,
    ImportReport,
    _ends_first,
    _guarded,
    _holder,
    _moment,
    _release_by_upc,
    _RowError,
    _run,
    _terms,
    _territories,
    _track_by_isrc,
    _when,
)
from tunemeter.rights.importing.messages import MessageFacts, message_subject_apply
from tunemeter.rights.models import Deal, DealMessage
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
    """Return the scope of DealTerms: its TerritoryCodes, or Worldwide minus its exclusions.

    ERN 4.3 DealTerms hold TerritoryCode or ExcludedTerritoryCode (an xs:choice), so
    `ExcludedTerritoryCode US` alone means worldwide except the US, and both together
    are not a valid message.
    """
    included = [c.upper() for c in _texts(terms, "TerritoryCode")]
    excluded = sorted({c.upper() for c in _texts(terms, "ExcludedTerritoryCode")})
    if included and excluded:
        raise _RowError(
            "DealTerms has both TerritoryCode and ExcludedTerritoryCode; ERN 4.3 allows one "
            "or the other (Worldwide except XX is ExcludedTerritoryCode XX alone)"
        )
    if excluded:
        return _territories(" ".join([WORLDWIDE, *(f"-{c}" for c in excluded)]))
    if not included:
        raise _RowError("DealTerms has no TerritoryCode or ExcludedTerritoryCode")
    if WORLDWIDE.upper() in included:
        if len(included) > 1:
            raise _RowError("Worldwide and other TerritoryCodes together")
        return WORLDWIDE
    return _territories(" ".join(included))


def _ern_periods(terms: ET.Element, default_start: str) -> list[tuple]:
    """Return (starts_at, local_starts, ends_at, local_ends) for each ValidityPeriod."""
    periods = [e for e in terms.iter("ValidityPeriod")] or [None]
    found = []
    for period in periods:
        start = _text(period, "StartDateTime") or _text(period, "StartDate") or default_start
        if not start:
            raise _RowError("ValidityPeriod has no StartDate or StartDateTime")
        starts_at, local_starts = _when(start, what="StartDate")
        end = _text(period, "EndDateTime") or _text(period, "EndDate")
        ends_at, local_ends = _when(end, what="EndDate", end=True) if end else (None, "")
        if _ends_first(starts_at, local_starts, ends_at, local_ends):
            raise _RowError("ValidityPeriod ends before it starts")
        found.append((starts_at, local_starts, ends_at, local_ends))
    return found


def _party_ids(element: ET.Element, name: str) -> list[str]:
    """Return the PartyIds (else names) of each `name` element under element."""
    ids = []
    for party in element.iter(name):
        ids.append((_text(party, "PartyId") or _text(party, "FullName")).upper())
    return ids


def _addressed_here(root: ET.Element) -> None:
    """Refuse a message whose MessageRecipient is not this store (TUNEMETER_DDEX_PARTY_ID)."""
    header = next(root.iter("MessageHeader"), None)
    recipients = _party_ids(header, "MessageRecipient") if header is not None else []
    store = settings.DDEX_PARTY_ID.upper()
    if not recipients:
        raise ImportRefused(
            "the MessageHeader names no MessageRecipient: an ERN 4.3 message is addressed "
            f"to a DSP; this store is {store} (TUNEMETER_DDEX_PARTY_ID). Nothing imported"
        )
    if store not in recipients:
        raise ImportRefused(
            f"the message is addressed to {', '.join(recipients)}, not to this store ({store},"
            " TUNEMETER_DDEX_PARTY_ID): its deals license another DSP. Nothing imported"
        )


def _channel_note(terms: ET.Element) -> str:
    """Return why DealTerms do not reach this store's channel, or "" when they do."""
    store = settings.DDEX_PARTY_ID.upper()
    channels = _party_ids(terms, "DistributionChannel")
    if channels and store not in channels:
        return f"for DistributionChannel {', '.join(channels)}, not this store"
    if store in _party_ids(terms, "ExcludedDistributionChannel"):
        return "this store is an ExcludedDistributionChannel"
    return ""


def _flag(terms: ET.Element, name: str) -> bool:
    return any(t.lower() in ("true", "1") for t in _texts(terms, name))


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
        subjects[reference] = (line, *_release_subject(release, resources))
    return subjects


def _release_subject(release: ET.Element, resources: dict[str, str]) -> tuple:
    """Return (release or None, track or None, error or None) for a Release element."""
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
            return _release_by_upc(icpn), None, None
        if isrc:
            return None, _track_by_isrc(isrc), None
        raise _RowError("the release has neither an ICPN nor an ISRC")
    except _RowError as exc:
        return None, None, str(exc)


def _facts(root: ET.Element) -> MessageFacts:
    header = next(root.iter("MessageHeader"), None)
    sender = next(header.iter("MessageSender"), None) if header is not None else None
    created = _text(header, "MessageCreatedDateTime")
    message_id = _text(header, "MessageId")
    if not (created and message_id):
        raise ImportRefused("the MessageHeader needs a MessageId and a MessageCreatedDateTime")
    try:
        created_at = _moment(created, what="MessageCreatedDateTime")
    except _RowError as exc:
        raise ImportRefused(str(exc)) from None
    kind = DealMessage.PURGE if root.tag == "PurgeReleaseMessage" else DealMessage.NEW
    who = (_text(sender, "PartyId") or _text(sender, "FullName")).upper()
    return MessageFacts(sender=who, message_id=message_id, created_at=created_at, kind=kind)


def _deal_terms_read(deal_terms: ET.Element, line: int, report: ImportReport) -> bool:
    """Return True when DealTerms grant this store a download licence; else note why not."""
    models_ = _texts(deal_terms, "CommercialModelType")
    uses = _texts(deal_terms, "UseType")
    why = ""
    if _flag(deal_terms, "TakeDown"):
        why = "TakeDown: availability ends (no deal)"
    elif _flag(deal_terms, "IsPreOrderDeal"):
        why = (
            "a pre-order deal (IsPreOrderDeal): the store does not take pre-orders and never "
            "delivers before street date, so it grants no sale; import the release's "
            "download deal from its street date"
        )
    elif PAY_AS_YOU_GO not in models_ or PERMANENT_DOWNLOAD not in uses:
        why = (
            f"{'/'.join(models_) or 'no model'} for {'/'.join(uses) or 'no use'}: the store "
            f"sells {PERMANENT_DOWNLOAD} under {PAY_AS_YOU_GO} only"
        )
    else:
        why = _channel_note(deal_terms)
    if why:
        report.counts["skipped"] += 1
        report.notes.append(f"line {line}: deal terms skipped: {why}")
        return False
    others = sorted(set(models_ + uses) - {PAY_AS_YOU_GO, PERMANENT_DOWNLOAD})
    if others:
        report.notes.append(f"line {line}: {', '.join(others)} ignored")
    return True


def _purged(root: ET.Element, lines: dict[int, int]) -> dict[str, tuple]:
    """Map each PurgedRelease of a PurgeReleaseMessage to (line, release, track, error)."""
    found = {}
    for n, purged in enumerate(root.iter("PurgedRelease")):
        found[f"purged-{n}"] = (lines.get(id(purged), 0), *_release_subject(purged, {}))
    return found


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
    """Import a DDEX ERN 4 message addressed to this store: its deals become the truth.

    For each release the message carries, the sender's earlier deals are replaced by the
    message's PayAsYouGoModel/PermanentDownload deals (messages.py); a PurgeReleaseMessage
    ends them. ERN carries no royalty terms: they come from the arguments. The licensor
    is the message's sender unless licensor_name/licensor_dpid say otherwise; it is
    created only when a deal is written for it.
    """
    report = ImportReport(dry_run=dry_run)
    root, lines = xml_parse_safely(data)
    _addressed_here(root)
    facts = _facts(root)
    header = next(root.iter("MessageHeader"), None)
    sender = next(header.iter("MessageSender"), None) if header is not None else None
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
    if facts.kind == DealMessage.NEW and not any(True for _ in root.iter("DealList")):
        report.notes.append("the message has no DealList: nothing to import")
    reference = f"ERN {facts.message_id}"
    now = timezone.now()

    def body() -> None:
        subjects = _purged(root, lines) if facts.kind == DealMessage.PURGE else {}
        if facts.kind == DealMessage.NEW:
            subjects = _ern_subjects(root, lines)
        wanted: dict[str, list[tuple]] = defaultdict(list)
        for release_deal in root.iter("ReleaseDeal"):
            references = _texts(release_deal, "DealReleaseReference")
            for deal_terms in release_deal.iter("DealTerms"):
                line = lines.get(id(deal_terms), 0)
                if not _deal_terms_read(deal_terms, line, report):
                    for ref in references:
                        wanted[ref]  # the release is still carried: its other deals end
                    continue
                try:
                    scope = _ern_scope(deal_terms)
                    periods = _ern_periods(deal_terms, facts.created_at.date().isoformat())
                except _RowError as exc:
                    report.error(line, str(exc))
                    continue
                for ref in references:
                    if ref not in subjects:
                        report.error(line, f"DealReleaseReference {ref} names no release")
                        continue
                    wanted[ref] += [(line, scope, period) for period in periods]
        carried = {}
        for ref, (line, release, track, problem) in subjects.items():
            if problem and (ref in wanted or facts.kind == DealMessage.PURGE):
                report.error(line, f"release {ref}: {problem}")
            elif not problem:
                carried[ref] = (release, track)
        if report.errors:
            return
        licensor = _licensor(create=any(wanted.get(ref) for ref in carried))
        if licensor is None:
            report.notes.append("no deal to write and the licensor is not known: nothing done")
            return
        for ref, (release, track) in carried.items():
            specs = [
                DealSpec(
                    line=line,
                    licensor=licensor,
                    territories=scope,
                    starts_at=period[0],
                    local_starts=period[1],
                    ends_at=period[2],
                    local_ends=period[3],
                    terms=terms,
                    release=release,
                    track=track,
                    reference=reference,
                )  # fmt: skip
                for line, scope, period in wanted.get(ref, [])
            ]
            where = f"release {ref}" if track is None else f"track release {ref}"
            _guarded(
                report, subjects[ref][0], lambda s=specs, r=release, t=track, w=where:
                message_subject_apply(licensor=licensor, release=r, track=t, specs=s,
                                      facts=facts, report=report, now=now, where=w),
            )  # fmt: skip

    def _licensor(*, create: bool):
        try:
            return _holder(
                name=licensor_name or _text(sender, "FullName"),
                dpid=licensor_dpid or ("" if licensor_name else _text(sender, "PartyId")),
                kind=licensor_kind,
                report=report,
                line=lines.get(id(sender), 0),
                create=create,
            )
        except _RowError as exc:
            report.error(lines.get(id(sender), 0), f"licensor: {exc}")
            return None

    return _run(report, body)
