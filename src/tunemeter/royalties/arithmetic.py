"""Divide integer amounts exactly: largest remainder, ties broken by key (see ledger.units)."""

from __future__ import annotations

from tunemeter.ledger.units import largest_remainder

__all__ = ["largest_remainder"]
