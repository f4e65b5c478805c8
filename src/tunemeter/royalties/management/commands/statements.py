"""Write royalty statements (CSV, HTML) and DDEX DSR files for a period."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tunemeter.ledger.units import micro_format, minor_format
from tunemeter.rights.models import RightsHolder
from tunemeter.royalties.periods import period_parse
from tunemeter.royalties.reports import period_export
from tunemeter.royalties.statements import ROUNDING_POLICY, statement_summaries


class Command(BaseCommand):
    help = "Write every holder's statement (CSV and HTML) and DSR file for a period."

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="2026-11, 2026-Q4 or 2026")
        parser.add_argument("--holder", type=int, action="append", help="holder id (repeatable)")
        parser.add_argument(
            "--out", type=Path, help="directory (default: <data dir>/statements/<period>)"
        )
        parser.add_argument("--no-dsr", action="store_true", help="skip the DDEX DSR files")

    def handle(self, *args, period, holder, out, no_dsr, **options):
        try:
            period = period_parse(period)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if holder and RightsHolder.objects.filter(pk__in=holder).count() != len(set(holder)):
            raise CommandError(f"no such holder among {holder}")
        out = out or Path(settings.DATA_DIR) / "statements" / period.name
        # The printable pages are written by the same forked workers as the CSV and DSR.
        paths = period_export(
            period=period, out_dir=out, holder_ids=holder, dsr=not no_dsr, pages=True
        )
        summaries = statement_summaries(period=period, holder_ids=holder)
        holders = RightsHolder.objects.in_bulk(list(summaries))
        c = settings.STORE_CURRENCY
        self.stdout.write(f"Statements {period.name} ({c}) in {out}")
        self.stdout.write(
            f"{'holder':<32} {'sales':>6} {'opening':>10} {'earnings':>10} {'payouts':>10} "
            f"{'closing':>10} {'carry':>10} {'escrow':>12}"
        )
        for pk in sorted(summaries):
            s = summaries[pk]
            money = [
                minor_format(v, c, code=False)
                for v in (s.opening_minor, s.earnings_minor, s.payouts_minor, s.closing_minor)
            ]
            self.stdout.write(
                f"{holders[pk].name[:32]:<32} {s.sales:>6} "
                + " ".join(f"{m:>10}" for m in money)
                + f" {micro_format(s.carried_out_micro):>10}"
                + f" {micro_format(s.escrow_balance_micro):>12}"
            )
        self.stdout.write(ROUNDING_POLICY)
        self.stdout.write(f"{len(paths)} files written")
