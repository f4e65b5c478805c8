"""Check the ledger: `tunemeter ledger verify` (exit 0 consistent, 1 inconsistent, 2 unchecked)."""

from __future__ import annotations

import logging
import sys

from django.core.management.base import BaseCommand
from django.db import DatabaseError

from tunemeter.ledger.models import Account, Transfer
from tunemeter.ledger.selectors import ledger_verify, receivables
from tunemeter.ledger.units import minor_format

logger = logging.getLogger(__name__)

CONSISTENT, INCONSISTENT, NOT_CHECKED = 0, 1, 2


class Command(BaseCommand):
    help = (
        "Ledger tools. verify: recompute balances from entries; exit 1 on any difference, "
        "2 when the ledger could not be checked (database unreadable, locked, disk full). "
        "receivables: list what customers owe (card payments reversed after spending)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["verify", "receivables"])

    def handle(self, *args, action: str, **options) -> None:
        if action == "receivables":
            owed = receivables()
            for account in owed:
                who = account.customer.email if account.customer else account.owner
                amount = minor_format(-account.balance_minor, account.currency)
                self.stdout.write(f"{who}\towes {amount}")
            self.stdout.write(f"{len(owed)} customers owe the store")
            return
        try:
            problems = ledger_verify()
            accounts, transfers = Account.objects.count(), Transfer.objects.count()
        except (DatabaseError, OSError, MemoryError) as exc:
            # Not a verdict on the ledger: say so, with a different exit code.
            self.stderr.write(f"ledger could not be checked: {type(exc).__name__}: {exc}")
            sys.exit(NOT_CHECKED)
        for problem in problems:
            self.stdout.write(problem)
        if problems:
            self.stdout.write(f"ledger NOT consistent: {len(problems)} differences")
            sys.exit(INCONSISTENT)
        self.stdout.write(f"ledger consistent: {accounts} accounts, {transfers} transfers")
