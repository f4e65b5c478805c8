"""Write rights: deals (never edited, end-dated and replaced), splits, mandates, takedowns."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from tunemeter.rights.exceptions import RightsError, SplitInvalid
from tunemeter.rights.localtime import envelope_end, local_parse
from tunemeter.rights.models import RIGHT_TYPES, Deal, Mandate, RightsHolder, Split, Takedown
from tunemeter.rights.selectors import TOTAL_BPS
from tunemeter.rights.signals import mandate_registered
from tunemeter.rights.territories import territories_normalize

logger = logging.getLogger(__name__)

# Publishing/mechanical presets: a flat share of revenue, or a statutory amount per track.
TERMS_PRESETS: dict[str, dict] = {
    "flat-8": {"pub_share_bps": 800, "pub_amount_micro": 0, "pub_amount_per": Deal.PER_TRACK},
    "statutory-per-track": {
        "pub_share_bps": 0,
        # 12 cents per track: the US statutory mechanical rate set for 2022 (Phonorecords IV);
        # later years are indexed, so deals state their own amount when it matters.
        "pub_amount_micro": 120_000,
        "pub_amount_per": Deal.PER_TRACK,
    },
}


def _subject(release, track) -> dict:
    if (release is None) == (track is None):
        raise RightsError("give a release or a track, not both")
    return {"release": release, "track": track}


def deal_create(
    *,
    licensor: RightsHolder,
    territories: str,
    starts_at: datetime,
    sr_share_bps: int,
    release=None,
    track=None,
    ends_at: datetime | None = None,
    sr_minimum_micro: int = 0,
    pub_share_bps: int = 0,
    pub_amount_micro: int = 0,
    pub_amount_per: str = Deal.PER_TRACK,
    preset: str | None = None,
    reference: str = "",
    supersedes: Deal | None = None,
    local_starts: str = "",
    local_ends: str = "",
    message=None,
) -> Deal:
    """Record a deal licensing a release or a track as permanent downloads.

    local_starts/local_ends (naive ISO) state the period in each territory's local time;
    starts_at/ends_at then bound it (the earliest and latest instants anywhere).
    """
    terms = {
        "pub_share_bps": pub_share_bps,
        "pub_amount_micro": pub_amount_micro,
        "pub_amount_per": pub_amount_per,
    }
    if preset is not None:
        if preset not in TERMS_PRESETS:
            raise RightsError(f"unknown terms preset {preset!r}")
        terms = TERMS_PRESETS[preset]
    if ends_at is not None and ends_at <= starts_at:
        raise RightsError("a deal must end after it starts")
    deal = Deal(
        licensor=licensor,
        territories=territories_normalize(territories),
        starts_at=starts_at,
        ends_at=ends_at,
        sr_share_bps=sr_share_bps,
        sr_minimum_micro=sr_minimum_micro,
        reference=reference,
        supersedes=supersedes,
        local_starts=local_starts,
        local_ends=local_ends,
        message=message,
        **terms,
        **_subject(release, track),
    )
    deal.full_clean()
    deal.save()
    logger.info(
        "deal created id=%s licensor=%s territories=%s", deal.pk, licensor.pk, deal.territories
    )
    return deal


def deal_end(*, deal: Deal, ends_at: datetime, local_ends: str = "") -> Deal:
    """End-date a deal (the only change a deal accepts).

    ends_at is an instant (or, with local_ends, the latest instant that local end is
    reached anywhere). Ending a deal at its start withdraws it before it began.
    """
    with transaction.atomic():
        deal = Deal.objects.select_for_update().get(pk=deal.pk)
        later_local = bool(deal.local_ends) and (not local_ends or local_ends >= deal.local_ends)
        if deal.ends_at is not None and deal.ends_at <= ends_at and (later_local or not local_ends):
            return deal
        if ends_at < deal.starts_at:
            raise RightsError("a deal cannot end before it starts")
        fields = ["ends_at"]
        deal.ends_at = ends_at if deal.ends_at is None else min(deal.ends_at, ends_at)
        if local_ends and not later_local:
            deal.local_ends = local_ends
            fields.append("local_ends")
        Deal.save(deal, update_fields=fields)
    logger.info("deal ended id=%s at=%s", deal.pk, ends_at.isoformat())
    return deal


def deal_replace(*, deal: Deal, starts_at: datetime, local_starts: str = "", **terms) -> Deal:
    """End-date a deal at starts_at and record the new terms as a new deal superseding it.

    New terms starting at a local time end the old deal at that same local time, so each
    territory passes from one to the other without a gap or an overlap.
    """
    with transaction.atomic():
        if local_starts:
            bound = envelope_end(local_parse(local_starts))
            deal_end(deal=deal, ends_at=max(bound, deal.starts_at), local_ends=local_starts)
        else:
            deal_end(deal=deal, ends_at=starts_at)
        fields = {
            "licensor": deal.licensor,
            "territories": deal.territories,
            "release": deal.release,
            "track": deal.track,
            "reference": deal.reference,
            **deal.terms.as_fields(),
        }
        return deal_create(
            **{**fields, **terms}, starts_at=starts_at, local_starts=local_starts, supersedes=deal
        )


def split_set(
    *, right_type: str, shares: list[tuple[RightsHolder, int]], release=None, track=None
) -> list[Split]:
    """Replace the split of a track (or a release's default) for a right type.

    Shares are basis points and must sum to exactly 10,000, one per holder.
    """
    subject = _subject(release, track)
    if right_type not in dict(RIGHT_TYPES):
        raise SplitInvalid(f"unknown right type {right_type!r}")
    holders = [h.pk for h, _ in shares]
    if len(set(holders)) != len(holders):
        raise SplitInvalid("a holder appears twice in the split")
    if any(bps <= 0 for _, bps in shares):
        raise SplitInvalid("every share must be positive")
    if sum(bps for _, bps in shares) != TOTAL_BPS:
        total = sum(bps for _, bps in shares)
        raise SplitInvalid(f"shares sum to {total} basis points, not {TOTAL_BPS}")
    with transaction.atomic():
        Split.objects.filter(right_type=right_type, **subject).delete()
        splits = Split.objects.bulk_create(
            Split(right_type=right_type, holder=h, share_bps=bps, **subject) for h, bps in shares
        )
    logger.info("split set %s right=%s holders=%s", subject, right_type, holders)
    return splits


def mandate_register(
    *,
    holder: RightsHolder,
    right_type: str,
    territories: str,
    starts_at: datetime,
    ends_at: datetime | None = None,
    reference: str = "",
) -> Mandate:
    """Record a holder's mandate; receivers of mandate_registered (escrow release) run with it."""
    with transaction.atomic():
        mandate = Mandate(
            holder=holder,
            right_type=right_type,
            territories=territories_normalize(territories),
            starts_at=starts_at,
            ends_at=ends_at,
            reference=reference,
        )
        mandate.full_clean()
        mandate.save()
        mandate_registered.send(sender=Mandate, mandate=mandate)
    logger.info("mandate registered id=%s holder=%s", mandate.pk, holder.pk)
    return mandate


# A form filled in a minute ago still means "now"; anything earlier would rewrite the past.
TAKEDOWN_CLOCK_SLACK = timedelta(minutes=5)


def takedown_create(
    *,
    territories: str,
    effective_at: datetime | None = None,
    release=None,
    track=None,
    holder: RightsHolder | None = None,
    requested_by=None,
    reason: str = "",
    confirmed: bool = True,
) -> Takedown:
    """Withdraw a release or track from sale in territories from effective_at (now) on.

    A takedown starts now or later, never in the past: what was licensed stays licensed.
    An unconfirmed takedown is a request; it withdraws nothing until `takedown_confirm`.
    """
    now = timezone.now()
    effective_at = effective_at or now
    if effective_at < now - TAKEDOWN_CLOCK_SLACK:
        raise RightsError(
            "a takedown starts now or later: sales already made stay licensed, "
            "so it cannot be backdated"
        )
    takedown = Takedown(
        territories=territories_normalize(territories),
        effective_at=max(effective_at, now),
        holder=holder,
        requested_by=requested_by,
        reason=reason,
        confirmed_at=now if confirmed else None,
        confirmed_by=requested_by if confirmed else None,
        **_subject(release, track),
    )
    takedown.full_clean()
    takedown.save()
    logger.info(
        "takedown id=%s territories=%s at=%s confirmed=%s",
        takedown.pk, takedown.territories, takedown.effective_at, confirmed,
    )  # fmt: skip
    return takedown


def takedown_confirm(*, takedown: Takedown, confirmed_by) -> Takedown:
    """Put a requested takedown in force, from now on (or its later effective time)."""
    with transaction.atomic():
        takedown = Takedown.objects.select_for_update().get(pk=takedown.pk)
        if takedown.confirmed_at is not None:
            return takedown
        now = timezone.now()
        takedown.confirmed_at = now
        takedown.confirmed_by = confirmed_by
        takedown.effective_at = max(takedown.effective_at, now)
        takedown.save(update_fields=["confirmed_at", "confirmed_by", "effective_at"])
    logger.info("takedown confirmed id=%s by=%s", takedown.pk, getattr(confirmed_by, "pk", None))
    return takedown


def takedown_lift(
    *, takedown: Takedown, lifted_by, reason: str, ends_at: datetime | None = None
) -> Takedown:
    """Lift a takedown from now (or later) on; the time it was in force stays on record."""
    now = timezone.now()
    ends_at = ends_at or now
    if ends_at < now - TAKEDOWN_CLOCK_SLACK:
        raise RightsError("a takedown is lifted now or later, never in the past")
    if not reason.strip():
        raise RightsError("say why the takedown is lifted")
    with transaction.atomic():
        takedown = Takedown.objects.select_for_update().get(pk=takedown.pk)
        if takedown.ends_at is not None and takedown.ends_at <= max(ends_at, now):
            raise RightsError(f"takedown {takedown.pk} already ended at {takedown.ends_at}")
        takedown.ends_at = max(ends_at, now, takedown.effective_at)
        takedown.lifted_by = lifted_by
        takedown.lift_reason = reason.strip()
        takedown.save(update_fields=["ends_at", "lifted_by", "lift_reason"])
    logger.info("takedown lifted id=%s at=%s", takedown.pk, takedown.ends_at.isoformat())
    return takedown


def holder_user_attach(*, holder: RightsHolder, user) -> None:
    """Let a user see a holder's portal (sales, statements, escrow, takedown requests)."""
    holder.users.add(user)
    logger.info("holder user attached holder=%s user=%s", holder.pk, user.pk)
