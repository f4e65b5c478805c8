"""Errors raised by the catalog."""

from __future__ import annotations


class MasterRejected(Exception):
    """A file cannot be a master; the message says why, for the import summary."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class StorageFull(Exception):
    """The store's own disk is full: the import stops at once (the user's files are fine)."""
