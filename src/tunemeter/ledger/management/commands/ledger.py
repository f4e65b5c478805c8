"""Check the ledger: `tunemeter ledger verify`."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand

from tunemeter.ledger.models import Account, Transfer
from tunemeter.ledger.selectors import ledger_verify, receivables
from tunemeter.ledger.units import minor_format


class Command(BaseCommand):
    help = (
        "Ledger tools. verify: recompute balances from entries; exit 1 on any difference. "
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
        problems = ledger_verify()
        for problem in problems:
            self.stdout.write(problem)
        accounts, transfers = Account.objects.count(), Transfer.objects.count()
        if problems:
            self.stdout.write(f"ledger NOT consistent: {len(problems)} differences")
            sys.exit(1)
        self.stdout.write(f"ledger consistent: {accounts} accounts, {transfers} transfers")
