"""Generate the demo catalog and import it: `tunemeter demo [--if-empty]`."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from rich.console import Console

from tunemeter.catalog import selectors
from tunemeter.catalog.importing.pipeline import import_run
from tunemeter.ops.demo import demo_generate
from tunemeter.ops.demo.customers import demo_users_create
from tunemeter.ops.demo.rights import DEMO_HOLDER_LOGIN, demo_rights_create
from tunemeter.ops.management.reporting import loudness_phase, print_report
from tunemeter.rights.models import RightsHolder


class Command(BaseCommand):
    help = "Generate original demo music (no network) and import it through the importer."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="only when the catalog is empty"
        )
        parser.add_argument(
            "--seed", type=int, default=2026, help="the same seed makes the same music"
        )
        parser.add_argument("--keep", type=Path, default=None, help="keep the generated files here")
        parser.add_argument(
            "--url",
            default="http://127.0.0.1:8000",
            help="where the store is served (for the logins)",
        )

    def handle(
        self, *args, if_empty: bool, seed: int, keep: Path | None, url: str, **options
    ) -> None:
        console = Console(file=self.stdout._out)
        if if_empty and not selectors.catalog_is_empty():
            self.stdout.write("catalog not empty: demo not loaded")
            self._rights_and_logins(console, url)
            return
        with tempfile.TemporaryDirectory(prefix="tunemeter-demo-") as tmp:
            dest = keep or Path(tmp)
            console.print(f"generating demo music (seed {seed})…", highlight=False)
            demo_generate(dest=dest, seed=seed)
            report = import_run(root=dest)
        print_report(report, dry_run=False, console=console)
        loudness_phase(console=console, workers=settings.IMPORT_WORKERS)
        self._rights_and_logins(console, url)
        if report.rejected:
            sys.exit(1)

    def _rights_and_logins(self, console: Console, url: str) -> None:
        """License the demo releases that have no deal yet; create the demo users once."""
        deals = demo_rights_create()
        if deals:
            console.print(f"licensed {len(deals)} demo releases (holders, mandates, deals, splits)")
        holders = RightsHolder.objects.filter(name__in=DEMO_HOLDER_LOGIN)
        logins = demo_users_create(holders=list(holders))
        if not logins:
            return
        # Plain writes: a console narrower than a line must not wrap a password.
        self.stdout.write("\nDemo logins (the passwords are shown only this once):")
        for login in logins:
            self.stdout.write(
                f"  {login.role:<14} {url.rstrip('/') + login.path:<32} "
                f"{login.username:<20} {login.password}"
            )
        self.stdout.write("")
