"""Errors raised by the royalties services."""

from __future__ import annotations


class RoyaltiesError(Exception):
    """A royalties operation was refused; the message says why."""


class PayoutTooLarge(RoyaltiesError):
    """A payout asked for more than the holder's payable balance."""
