"""The sale gate: may this track be sold in this territory now? The rights app fills it.

`TUNEMETER_SALE_GATE` names a function (track, territory, at) → None when the sale
is allowed, else the reason shown to the buyer. Until rights are modelled every
track is sellable everywhere.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.utils.module_loading import import_string


def allow_all(*, track, territory: str, at: datetime) -> str | None:
    """Allow every sale (the default before rights and deals exist)."""
    return None


def sale_gate(*, track, territory: str, at: datetime) -> str | None:
    """Return None when the track may be sold to a buyer in territory at that moment."""
    return import_string(settings.SALE_GATE)(track=track, territory=territory, at=at)
