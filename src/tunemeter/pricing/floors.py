"""Keep every price at or above what its deal obliges the store to pay (rights/floors.py).

The quote raises a track's price to its deal's floor, and a release discount stops at
its tracks' floors, so a sale never owes its rights holders more than it earns.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from django.conf import settings

from tunemeter.ledger.units import micro_per_minor
from tunemeter.rights.floors import LOSS_REASON, deal_floor_micro
from tunemeter.rights.selectors import deal_for_sale


def track_floor_minor(*, track, territory: str, at: datetime) -> tuple[int, str | None]:
    """Return (the track's price floor in minor units, or a reason it is not for sale)."""
    deal = deal_for_sale(track=track, territory=territory, at=at)
    if deal is None:
        return 0, None  # a permissive sale gate sold it without a deal: nothing is owed
    floor_micro = deal_floor_micro(deal, length_ms=track.length_ms)
    if floor_micro is None:
        return 0, LOSS_REASON
    return -(-floor_micro // micro_per_minor(settings.STORE_CURRENCY)), None


def discount_to_floors(lines: list, discount: int) -> list:
    """Spread a release discount over its lines, none below its floor.

    Each line's price becomes what it is paid (its royalty basis), so the item's price
    is their sum and the accrual's split of it gives every line exactly that.
    """
    subtotal = sum(line.price_minor for line in lines) or 1
    shares = [line.price_minor * discount // subtotal for line in lines]
    for i in range(discount - sum(shares)):  # the remainder, one minor unit a line
        shares[i % len(shares)] += 1
    return [
        replace(line, price_minor=max(line.floor_minor, line.price_minor - share))
        for line, share in zip(lines, shares, strict=True)
    ]
