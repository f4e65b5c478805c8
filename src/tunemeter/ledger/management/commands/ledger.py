"""Check the ledger: `tunemeter ledger verify`."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand

from tunemeter.ledger.models import Account, Transfer
from tunemeter.ledger.selectors import ledger_verify


class Command(BaseCommand):
    help = "Ledger tools. verify: recompute balances from entries; exit 1 on any difference."

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args, action: str, **options) -> None:
        problems = ledger_verify()
        for problem in problems:
            self.stdout.write(problem)
        accounts, transfers = Account.objects.count(), Transfer.objects.count()
        if problems:
            self.stdout.write(f"ledger NOT consistent: {len(problems)} differences")
            sys.exit(1)
        self.stdout.write(f"ledger consistent: {accounts} accounts, {transfers} transfers")
