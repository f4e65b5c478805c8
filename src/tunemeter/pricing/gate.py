"""The sale gate: may this track be sold in this territory now?

`TUNEMETER_SALE_GATE` names a function (track, territory, at) → None when the sale
is allowed, else the reason shown to the buyer. The default is the rights app's: an
active deal covering the territory, and no takedown.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.utils.module_loading import import_string


def allow_all(*, track, territory: str, at: datetime) -> str | None:
    """Allow every sale, deal or not (a store selling only its own recordings; no royalties)."""
    return None


def sale_gate(*, track, territory: str, at: datetime) -> str | None:
    """Return None when the track may be sold to a buyer in territory at that moment."""
    return import_string(settings.SALE_GATE)(track=track, territory=territory, at=at)
