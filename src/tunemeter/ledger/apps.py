"""Register the ledger app."""

from __future__ import annotations

from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "tunemeter.ledger"
    label = "ledger"
    verbose_name = "Ledger"
