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
from tunemeter.ops.demo import demo_generate, demo_minutes
from tunemeter.ops.demo.customers import demo_users_create
from tunemeter.ops.demo.rights import DEMO_HOLDER_LOGIN, demo_rights_create
from tunemeter.ops.management.firstrun import Steps, box, logins_keep
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
            "--scale", type=float, default=1.0, help="track length factor (tests: short tracks)"
        )
        parser.add_argument(
            "--defer-logins",
            action="store_true",
            help="keep the logins for `serve` to print once the store answers",
        )
        parser.add_argument(
            "--url",
            default="http://127.0.0.1:8000",
            help="where the store is served (for the logins)",
        )

    def handle(
        self,
        *args,
        if_empty: bool,
        seed: int,
        keep: Path | None,
        url: str,
        defer_logins: bool = False,
        scale: float = 1.0,
        **options,
    ) -> None:
        console = Console(file=self.stdout._out)
        self.defer_logins = defer_logins
        if if_empty and not selectors.catalog_is_empty():
            self.stdout.write("catalog not empty: demo not loaded")
            self._rights_and_logins(console, url)
            return
        steps = Steps(self.stdout._out, total=4)
        self.stdout.write(
            f"First run: making the demo store ({demo_minutes() * scale:.0f} min of original "
            f"music, {settings.IMPORT_WORKERS} worker(s)). Estimates of VBR sizes are made in the "
            "background when a format is first asked for."
        )
        with tempfile.TemporaryDirectory(prefix="tunemeter-demo-") as tmp:
            dest = keep or Path(tmp)
            steps.start(f"generating demo music (seed {seed})")
            paths = demo_generate(
                dest=dest, seed=seed, scale=scale, on_progress=steps.progress("tracks")
            )
            steps.done(f"{len(paths)} tracks")
            steps.start("importing through the importer")
            report = import_run(root=dest, on_progress=steps.progress("files"))
            steps.done()
        print_report(report, dry_run=False, console=console)
        steps.start("measuring loudness (EBU R128)")
        loudness_phase(
            console=console,
            workers=settings.IMPORT_WORKERS,
            on_progress=steps.progress("tracks"),
        )
        steps.done()
        steps.start("licensing the demo releases and creating the demo logins")
        self._rights_and_logins(console, url)
        steps.done()
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
        lines = [
            f"  {login.role:<14} {url.rstrip('/') + login.path:<32} "
            f"{login.username:<20} {login.password}"
            for login in logins
        ]
        if self.defer_logins:
            logins_keep(lines)
            self.stdout.write("demo logins kept: `serve` prints them once the store answers")
            return
        # Plain writes: a console narrower than a line must not wrap a password.
        heading = "Demo logins (the passwords are shown only this once):"
        self.stdout.write("\n" + box([heading, *lines]) + "\n")
