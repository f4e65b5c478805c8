"""Errors raised by the ledger."""

from __future__ import annotations


class LedgerError(Exception):
    """A transfer that must not be posted."""


class UnbalancedTransfer(LedgerError):
    """The entries of a transfer do not sum to zero in every currency."""


class AmountOutOfBounds(LedgerError, ValueError):
    """An amount that is not a whole number of units, or is past the ledger's bounds."""


class InsufficientFunds(LedgerError):
    """A customer balance would go below zero."""

    def __init__(self, *, balance_minor: int, needed_minor: int, currency: str) -> None:
        super().__init__(
            f"insufficient balance: {balance_minor} available, {needed_minor} needed ({currency})"
        )
        self.balance_minor, self.needed_minor, self.currency = balance_minor, needed_minor, currency


class TransferConflict(LedgerError):
    """A transfer id (its idempotency key) was reused for different entries."""


class ImmutableRecord(LedgerError):
    """Transfers and entries are never updated or deleted."""


class UnitMismatch(LedgerError):
    """An amount in one unit (minor or micro) was read as the other."""
