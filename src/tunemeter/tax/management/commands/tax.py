"""Write the quarterly tax return: `tunemeter tax report --quarter 2026-Q4` (CSV)."""

from __future__ import annotations

import csv
import sys

from django.core.management.base import BaseCommand, CommandError

from tunemeter.ledger.units import minor_format
from tunemeter.tax.selectors import tax_ledger_totals, tax_return


class Command(BaseCommand):
    help = "Tax: `report --quarter YYYY-Qn` writes per country net sales, rate and tax due (CSV)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["report"])
        parser.add_argument("--quarter", required=True, help="e.g. 2026-Q4 (UTC)")
        parser.add_argument("--output", default="-", help="a file to write (default: stdout)")

    def handle(self, *args, action: str, quarter: str, output: str, **options):
        try:
            rows = tax_return(quarter=quarter)
            ledger = tax_ledger_totals(quarter=quarter)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        # The return must say what the ledger holds: refuse to write one that does not.
        mine = {}
        for row in rows:
            key = (row.country, row.currency)
            mine[key] = mine.get(key, 0) + row.tax_minor
        differences = {
            k: (mine.get(k, 0), ledger.get(k, 0))
            for k in set(mine) | set(ledger)
            if mine.get(k, 0) != ledger.get(k, 0)
        }
        if differences:
            raise CommandError(f"tax lines and the ledger's tax accounts differ: {differences}")
        out = sys.stdout if output == "-" else open(output, "w", newline="", encoding="utf-8")  # noqa: SIM115
        try:
            writer = csv.writer(out)
            writer.writerow(["quarter", "country", "currency", "net_sales", "rate", "tax_due"])
            for row in rows:
                writer.writerow(
                    [
                        quarter,
                        row.country,
                        row.currency,
                        minor_format(row.net_minor, row.currency, code=False),
                        f"{row.rate_bps // 100}.{row.rate_bps % 100:02d}%",
                        minor_format(row.tax_minor, row.currency, code=False),
                    ]
                )
        finally:
            if out is not sys.stdout:
                out.close()
