"""Read rights: which deal licenses a sale, who owns what share, who gave a mandate."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils.translation import gettext_noop

from tunemeter.rights.floors import LOSS_REASON, deal_floor_micro
from tunemeter.rights.models import (
    SOUND_RECORDING,
    Deal,
    Mandate,
    RightsHolder,
    Split,
    Takedown,
    active_at_q,
)

TOTAL_BPS = 10_000


def _subject_q(track) -> Q:
    return Q(track_id=track.pk) | Q(release_id=track.release_id)


def _deals_near(track, at: datetime) -> list[Deal]:
    """Return the deals of a track and its release whose envelope holds at (a superset)."""
    return list(
        Deal.objects.filter(_subject_q(track)).filter(active_at_q(at)).select_related("licensor")
    )


def deal_for_sale(*, track, territory: str, at: datetime) -> Deal | None:
    """Return the deal licensing a sale of track in territory at that moment, if any.

    Each deal's period is read in the territory's local time (DDEX). A track-level deal
    decides for its track: when one is in force, what it leaves out is not licensed,
    whatever the release's deal says. Among equals, the one that started last wins.
    """
    live = [d for d in _deals_near(track, at) if d.active_in(territory, at)]
    own = [d for d in live if d.track_id is not None]
    deals = sorted(own or live, key=lambda d: (-d.opens_in(territory).timestamp(), -d.pk))
    return next((d for d in deals if d.scope().covers(territory)), None)


def track_deal_in_force(*, track, territory: str, at: datetime) -> Deal | None:
    """Return a track-level deal in force at that moment, whatever its territories."""
    own = [d for d in _deals_near(track, at) if d.track_id is not None]
    return next((d for d in own if d.active_in(territory, at)), None)


def takedown_for_sale(*, track, territory: str, at: datetime) -> Takedown | None:
    """Return a confirmed takedown withdrawing track from territory at that moment, if any."""
    takedowns = Takedown.objects.filter(
        _subject_q(track), effective_at__lte=at, confirmed_at__isnull=False
    ).order_by("effective_at", "pk")
    return next((t for t in takedowns if t.active_at(at) and t.scope().covers(territory)), None)


@dataclass(frozen=True)
class Licence:
    """Why a sale is (or is not) licensed: the deal, or the reason there is none."""

    deal: Deal | None
    takedown: Takedown | None
    reason: str | None


def sale_licence(*, track, territory: str, at: datetime) -> Licence:
    """Return the licence for a sale of track in territory at that moment."""
    if not territory:
        return Licence(None, None, gettext_noop("add your country to your account to buy"))
    deal = deal_for_sale(track=track, territory=territory, at=at)
    if deal is None:
        return Licence(None, None, gettext_noop("not available in your territory"))
    if deal_floor_micro(deal, length_ms=track.length_ms) is None:
        return Licence(deal, None, LOSS_REASON)
    takedown = takedown_for_sale(track=track, territory=territory, at=at)
    if takedown is not None:
        return Licence(deal, takedown, gettext_noop("withdrawn from sale in your territory"))
    return Licence(deal, None, None)


def sale_gate(*, track, territory: str, at: datetime) -> str | None:
    """Return None when a deal licenses the sale then and there, else the reason shown."""
    return sale_licence(track=track, territory=territory, at=at).reason


class SplitBook:
    """The splits of some tracks and of their releases, read in one query."""

    def __init__(self, tracks) -> None:
        tracks = list(tracks)
        self._by_track: dict[tuple, list[Split]] = defaultdict(list)
        self._by_release: dict[tuple, list[Split]] = defaultdict(list)
        splits = Split.objects.filter(
            Q(track_id__in=[t.pk for t in tracks])
            | Q(release_id__in={t.release_id for t in tracks}, track__isnull=True)
        ).select_related("holder")
        for split in splits:
            if split.track_id is not None:
                self._by_track[(split.track_id, split.right_type)].append(split)
            else:
                self._by_release[(split.release_id, split.right_type)].append(split)

    def shares(self, *, track, right_type: str, default_holder) -> list[tuple[int, RightsHolder]]:
        """Return [(share_bps, holder)] for a track's right: its own split, else its release's.

        Without any split the whole right belongs to default_holder (the deal's licensor).
        """
        splits = self._by_track.get((track.pk, right_type)) or self._by_release.get(
            (track.release_id, right_type)
        )
        if not splits:
            return [(TOTAL_BPS, default_holder)]
        return [(s.share_bps, s.holder) for s in sorted(splits, key=lambda s: s.holder_id)]


def split_shares(*, track, right_type: str, default_holder) -> list[tuple[int, RightsHolder]]:
    """Return [(share_bps, holder)] for one track's right (see SplitBook.shares)."""
    return SplitBook([track]).shares(
        track=track, right_type=right_type, default_holder=default_holder
    )


def mandate_for(*, holder, right_type: str, territory: str, at: datetime) -> Mandate | None:
    """Return the holder's mandate covering this right, territory and moment, if any."""
    mandates = Mandate.objects.filter(holder=holder, right_type=right_type).filter(active_at_q(at))
    return next(
        (m for m in mandates.order_by("starts_at", "pk") if m.scope().covers(territory)), None
    )


def holder_controls(*, holder, at: datetime, release=None, track=None) -> bool:
    """Return True when a holder alone may withdraw a release or track from sale.

    It must hold a sound-recording mandate in force and own the whole sound recording:
    the subject's split (a track's own, else its release's) gives it 10,000 bps, or, with
    no split, it licensed every deal in force for the subject. A partial owner only
    requests a takedown; staff confirm it.
    """
    mandates = Mandate.objects.filter(holder=holder, right_type=SOUND_RECORDING)
    if not mandates.filter(active_at_q(at)).exists():
        return False
    tracks = [track] if track is not None else list(release.tracks.all())
    release_id = track.release_id if track is not None else release.pk
    book = SplitBook(tracks)
    deals = Deal.objects.filter(Q(release_id=release_id) | Q(track__in=tracks)).filter(
        active_at_q(at)
    )
    licensors = set(deals.values_list("licensor_id", flat=True))
    if licensors - {holder.pk}:
        return False
    for one in tracks:
        shares = book.shares(track=one, right_type=SOUND_RECORDING, default_holder=holder)
        if shares != [(TOTAL_BPS, holder)]:
            return False
    return bool(licensors) or bool(tracks)
