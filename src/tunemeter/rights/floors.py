"""Find the lowest price at which a sale under a deal pays its rights holders without a loss.

A deal owes, per track sold for p: max(p × sound-recording share, its minimum) plus, when
it has publishing terms, max(p × publishing share, its fixed amount per track or started
minute) — the rule royalties/terms.py computes. The store never sells below the price at
which that sum still fits in p; when no price is high enough (shares of 100% or more with
a fixed part), the item is not for sale until the deal's rates are fixed.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop

from tunemeter.rights.models import Deal

BPS = 10_000
LOSS_REASON = gettext_noop(
    "not for sale: its deal would cost more than any price (the store fixes the rate)"
)


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def deal_floor_micro(deal: Deal, *, length_ms: int) -> int | None:
    """Return the lowest price of one track (micro-units) that covers the deal's royalties.

    None when no price does: the shares add up to more than the whole, or to the whole
    with a minimum or fixed amount on top.
    """
    sr_share, sr_minimum = deal.sr_share_bps, deal.sr_minimum_micro
    pub_share, pub_fixed = 0, 0
    if deal.pub_share_bps or deal.pub_amount_micro:
        pub_share = deal.pub_share_bps
        units = 1
        if deal.pub_amount_per == Deal.PER_MINUTE:
            units = max(1, _ceil_div(length_ms, 60_000))  # started minutes, as accrued
        pub_fixed = deal.pub_amount_micro * units
    shares = sr_share + pub_share
    if shares > BPS or (shares == BPS and (sr_minimum or pub_fixed)):
        return None
    candidates = [sr_minimum + pub_fixed]  # both fixed parts bind
    if sr_share < BPS:  # the sound-recording share with the publishing amount
        candidates.append(_ceil_div(pub_fixed * BPS, BPS - sr_share))
    if pub_share < BPS:  # the sound-recording minimum with the publishing share
        candidates.append(_ceil_div(sr_minimum * BPS, BPS - pub_share))
    return max(candidates)
