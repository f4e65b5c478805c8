"""Apply a DDEX message to one release or track: its deals replace the sender's earlier ones.

An ERN is a statement of truth: the deals of the latest message from a sender for a
release replace every earlier deal from that sender for that release, so a territory
or use the new message leaves out is no longer licensed (ERN 4 Knowledge Base, "Deal
semantics: update messages replace"). A PurgeReleaseMessage ends them all. The past is
never rewritten: replaced deals end now (or, when they had not begun, are withdrawn at
their start), and new deals from a replacing message start now at the earliest.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from tunemeter.rights.importing.common import DealSpec, ImportReport
from tunemeter.rights.models import Deal, DealMessage, RightsHolder
from tunemeter.rights.services import deal_create, deal_end

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class MessageFacts:
    """What a message's header says about it: who sent it, which one it is, when made."""

    sender: str
    message_id: str
    created_at: datetime
    kind: str = DealMessage.NEW


def _same(deal: Deal, spec: DealSpec) -> bool:
    """Return True when a deal already says what spec says (its start as stated, or as the
    moment a replacing message applied it, when the stated start was already past)."""
    clamped = (
        deal.message is not None
        and deal.starts_at == deal.message.applied_at
        and spec.starts_at < deal.starts_at
    )
    return (
        deal.territories == spec.territories
        and deal.local_starts == spec.local_starts
        and (deal.starts_at == spec.starts_at or clamped)
        and (deal.ends_at, deal.local_ends) == (spec.ends_at, spec.local_ends)
        and deal.terms.as_fields() == spec.terms
    )


def message_subject_apply(
    *,
    licensor: RightsHolder,
    release,
    track,
    specs: list[DealSpec],
    facts: MessageFacts,
    report: ImportReport,
    now: datetime,
    where: str,
) -> None:
    """Make the licensor's deals for one subject exactly what this message says, from now on."""
    subject = {"release": release, "track": track}
    last = (
        DealMessage.objects.filter(licensor=licensor, **subject)
        .order_by("-message_created_at", "-pk")
        .first()
    )
    if last is not None and last.message_created_at >= facts.created_at:
        if last.message_id == facts.message_id:
            report.counts["deals_unchanged"] += len(specs)
            report.notes.append(f"{where}: message {facts.message_id} was already applied")
            return
        report.counts["skipped"] += 1
        report.notes.append(
            f"{where}: message {last.message_id} (created {last.message_created_at.isoformat()})"
            f" is newer than this one ({facts.created_at.isoformat()}) and stays in force"
        )
        return
    record = DealMessage.objects.create(
        licensor=licensor,
        kind=facts.kind,
        sender=facts.sender,
        message_id=facts.message_id,
        message_created_at=facts.created_at,
        applied_at=now,
        **subject,
    )
    current = list(
        Deal.objects.filter(licensor=licensor, **subject)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .select_related("message")
        .order_by("starts_at", "pk")
    )
    kept: set[int] = set()
    fresh: list[DealSpec] = []
    for spec in specs:
        match = next((d for d in current if d.pk not in kept and _same(d, spec)), None)
        if match is None:
            fresh.append(spec)
        else:
            kept.add(match.pk)
            report.counts["deals_unchanged"] += 1
    for deal in current:
        if deal.pk in kept:
            continue
        ends_at = max(now, deal.starts_at)
        deal_end(deal=deal, ends_at=ends_at)
        report.counts["deals_ended"] += 1
        report.actions.append(
            f"{where}: deal {deal.pk} ({deal.territories}) ends at {ends_at.isoformat()}: "
            f"message {facts.message_id} no longer grants it"
        )
    replacing = last is not None or bool(current)
    for spec in fresh:
        starts_at = max(spec.starts_at, now) if replacing else spec.starts_at
        if spec.ends_at is not None and spec.ends_at <= starts_at:
            report.notes.append(
                f"line {spec.line}: {spec.subject} ({spec.territories}) ended before this "
                "message was applied: nothing to license"
            )
            continue
        deal = deal_create(
            licensor=licensor,
            territories=spec.territories,
            starts_at=starts_at,
            ends_at=spec.ends_at,
            local_starts=spec.local_starts,
            local_ends=spec.local_ends,
            reference=spec.reference,
            message=record,
            **spec.terms,
            **subject,
        )
        report.counts["deals_created"] += 1
        start = f"{spec.local_starts} local" if spec.local_starts else spec.starts_at.isoformat()
        if starts_at != spec.starts_at:
            start = f"{starts_at.isoformat()} (it said {start}: the past is not rewritten)"
        report.actions.append(
            f"line {spec.line}: {where}: deal {deal.pk} ({deal.territories}) created from {start}"
        )
    logger.info(
        "deal message applied message=%s licensor=%s subject=%s kept=%d ended=%d created=%d",
        facts.message_id, licensor.pk, where, len(kept), len(current) - len(kept), len(fresh),
    )  # fmt: skip
