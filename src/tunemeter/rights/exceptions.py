"""Errors raised by the rights services."""

from __future__ import annotations


class RightsError(Exception):
    """A rights operation was refused; the message says why."""


class SplitInvalid(RightsError):
    """Split shares do not sum to exactly 10,000 basis points (or name a holder twice)."""


class DealImmutable(RightsError):
    """A deal's terms were edited: new terms are a new deal."""
