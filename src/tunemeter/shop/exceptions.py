"""Errors raised by the shop."""

from __future__ import annotations

from tunemeter.ledger.exceptions import InsufficientFunds
from tunemeter.pricing.exceptions import QuoteExpired

__all__ = [
    "CheckoutError",
    "GiftCodeError",
    "IdempotencyConflict",
    "InsufficientFunds",
    "NotForSale",
    "QuoteExpired",
    "QuoteStale",
]


class CheckoutError(Exception):
    """A checkout that must not go through."""


class IdempotencyConflict(CheckoutError):
    """The idempotency key was used for another quote."""


class NotForSale(CheckoutError):
    """A line of the quote may not be sold to this buyer now."""


class QuoteStale(CheckoutError):
    """The quote no longer matches what the customer owns; `fresh` is a new quote."""

    def __init__(self, message: str, *, fresh) -> None:
        super().__init__(message)
        self.fresh = fresh


class GiftCodeError(Exception):
    """A gift code that does not exist or was already redeemed."""
