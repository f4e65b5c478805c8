"""Errors raised by pricing."""

from __future__ import annotations


class PricingError(Exception):
    """A quote cannot be made or used."""


class QuoteExpired(PricingError):
    """The quote's prices no longer hold; `fresh` is a new quote for the same items."""

    def __init__(self, *, fresh) -> None:
        super().__init__("this quote has expired; here is a fresh one")
        self.fresh = fresh


class SizePending(PricingError):
    """Some sizes are not known yet; estimates were queued and will be ready shortly."""

    def __init__(self, *, track_ids: list[int]) -> None:
        super().__init__(f"sizes being estimated for {len(track_ids)} tracks")
        self.track_ids = track_ids
