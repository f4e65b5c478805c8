"""Compute a deal's royalty on one track sale, in micro-units, with the rate as text."""

from __future__ import annotations

from tunemeter.ledger.units import micro_format
from tunemeter.rights.models import PUBLISHING, SOUND_RECORDING
from tunemeter.rights.terms import PER_MINUTE, DealTerms

BPS = 10_000


def _percent(bps: int) -> str:
    return f"{bps // 100}.{bps % 100:02d}%"


def royalty_micro(
    *, terms: DealTerms, right_type: str, basis_micro: int, length_ms: int
) -> tuple[int, str]:
    """Return (royalty, rate) for one track sold for basis_micro under a deal's terms.

    Shares are floored to the micro-unit (a fraction of a millionth stays with the
    store); a minimum or a fixed amount applies when it is higher.
    """
    if right_type == SOUND_RECORDING:
        share = basis_micro * terms.sr_share_bps // BPS
        rate = _percent(terms.sr_share_bps)
        if terms.sr_minimum_micro:
            rate += f", min {micro_format(terms.sr_minimum_micro)}/track"
        return max(share, terms.sr_minimum_micro), rate
    if right_type == PUBLISHING:
        share = basis_micro * terms.pub_share_bps // BPS
        units = 1
        if terms.pub_amount_per == PER_MINUTE:
            units = max(1, -(-length_ms // 60_000))  # started minutes
        fixed = terms.pub_amount_micro * units
        parts = []
        if terms.pub_share_bps:
            parts.append(_percent(terms.pub_share_bps))
        if terms.pub_amount_micro:
            parts.append(f"{micro_format(terms.pub_amount_micro)}/{terms.pub_amount_per}")
        return max(share, fixed), " or ".join(parts) + (" (higher)" if len(parts) > 1 else "")
    raise ValueError(f"unknown right type {right_type!r}")


def deal_right_types(terms: DealTerms) -> list[str]:
    """Return the right types a deal's terms pay royalties for."""
    return [SOUND_RECORDING, PUBLISHING] if terms.pays_publishing else [SOUND_RECORDING]
