"""Generate the demo catalog and import it: `tunemeter demo [--if-empty]`."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from rich.console import Console

from tunemeter.catalog import selectors
from tunemeter.catalog.demo import demo_generate
from tunemeter.catalog.importing.pipeline import import_run
from tunemeter.catalog.management.reporting import loudness_phase, print_report


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

    def handle(self, *args, if_empty: bool, seed: int, keep: Path | None, **options) -> None:
        if if_empty and not selectors.catalog_is_empty():
            self.stdout.write("catalog not empty: demo not loaded")
            return
        console = Console(file=self.stdout._out)
        with tempfile.TemporaryDirectory(prefix="tunemeter-demo-") as tmp:
            dest = keep or Path(tmp)
            console.print(f"generating demo music (seed {seed})…", highlight=False)
            demo_generate(dest=dest, seed=seed)
            report = import_run(root=dest)
        print_report(report, dry_run=False, console=console)
        loudness_phase(console=console, workers=settings.IMPORT_WORKERS)
        if report.rejected:
            sys.exit(1)
