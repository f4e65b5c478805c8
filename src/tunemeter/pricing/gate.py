"""The sale gate: may this track be sold in this territory now, and under which deal?

`TUNEMETER_SALE_GATE` names a function (track, territory, at) returning either the
reason shown to the buyer (None when the sale is allowed) or a licence: an object with
`reason` and `deal`, so the checkout hands the deal it found to accrual instead of
looking it up again. The default is the rights app's sale_licence: an active deal
covering the territory, and no takedown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils.module_loading import import_string

from tunemeter.catalog.models import Track


@dataclass(frozen=True)
class Verdict:
    """The gate's answer: why not (None: allowed), and the deal licensing it when known."""

    reason: str | None
    deal: object | None = None


def allow_all(*, track: Track, territory: str, at: datetime) -> str | None:
    """Allow every sale, deal or not (a store selling only its own recordings; no royalties)."""
    return None


def sale_verdict(*, track: Track, territory: str, at: datetime) -> Verdict:
    """Return whether the track may be sold in territory at that moment, and the deal."""
    answer = import_string(settings.SALE_GATE)(track=track, territory=territory, at=at)
    if answer is None or isinstance(answer, str):
        return Verdict(answer)
    return Verdict(answer.reason, answer.deal)


def sale_gate(*, track: Track, territory: str, at: datetime) -> str | None:
    """Return None when the track may be sold to a buyer in territory at that moment."""
    return sale_verdict(track=track, territory=territory, at=at).reason
