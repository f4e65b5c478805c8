"""Divide integer amounts exactly: largest remainder, ties broken by key."""

from __future__ import annotations

from collections.abc import Hashable


def largest_remainder(total: int, weights: list[tuple[Hashable, int]]) -> dict[Hashable, int]:
    """Split total in proportion to weights so that the parts sum to total exactly.

    Each part gets the floor of its exact share; the units left over go one each to
    the largest remainders, ties to the smaller key (e.g. holder id). A negative total
    is split as the mirror image of its absolute value.
    """
    if not weights:
        raise ValueError("nothing to split between")
    weight_sum = sum(w for _, w in weights)
    if weight_sum <= 0 or any(w < 0 for _, w in weights):
        raise ValueError("weights must be non-negative with a positive sum")
    sign, total = (-1, -total) if total < 0 else (1, total)
    parts = {key: total * w // weight_sum for key, w in weights}
    left = total - sum(parts.values())
    by_remainder = sorted(weights, key=lambda kw: (-(total * kw[1] % weight_sum), kw[0]))
    for key, _ in by_remainder[:left]:
        parts[key] += 1
    return {key: sign * part for key, part in parts.items()}
