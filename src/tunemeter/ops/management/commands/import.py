"""Import lossless masters from a folder: `tunemeter import PATH [--dry-run]`."""

from __future__ import annotations

import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)

from tunemeter.catalog.importing.pipeline import import_run
from tunemeter.jobs import job_enqueue, jobs_drain, jobs_mode
from tunemeter.ops.management.reporting import loudness_phase, print_report


class RateColumn(TextColumn):
    """Show tracks per second."""

    def __init__(self) -> None:
        super().__init__("")

    def render(self, task):  # type: ignore[override]
        speed = task.finished_speed or task.speed
        return f"{speed:.1f} tracks/s" if speed else "– tracks/s"


class Command(BaseCommand):
    help = "Import lossless masters (FLAC, WAV, AIFF, ALAC, WavPack) from a folder, recursively."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path, help="folder (or file) of lossless masters")
        parser.add_argument(
            "--dry-run", action="store_true", help="check and report, change nothing"
        )
        parser.add_argument("--workers", type=int, default=None, help="processes (default: cores)")

    def handle(self, *args, path: Path, dry_run: bool, workers: int | None, **options) -> None:
        if not path.exists():
            raise CommandError(f"{path}: no such file or folder", returncode=2)
        console = Console(file=self.stdout._out, stderr=False)
        with Progress(
            TextColumn("[bold]importing"),
            BarColumn(),
            MofNCompleteColumn(),
            RateColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
            transient=True,
            disable=not console.is_terminal,
        ) as progress:
            task = progress.add_task("import", total=None)

            def on_progress(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            report = import_run(
                root=path, dry_run=dry_run, workers=workers, on_progress=on_progress
            )
        print_report(report, dry_run=dry_run, console=console)
        if report.stopped:
            sys.exit(3)
        if not dry_run:
            # Tracks recorded by an interrupted older run may still lack loudness.
            loudness_phase(console=console, workers=workers or settings.IMPORT_WORKERS)
            if settings.ESTIMATES_AFTER_IMPORT and (report.imported or report.updated):
                self._estimates(console)
        # Duplicates and skipped special files are listed, not errors.
        if report.rejected:
            sys.exit(1)

    def _estimates(self, console: Console) -> None:
        """Size every format ahead of buyers: queued for a worker, or here in the background."""
        job_enqueue("transcoding.estimates")
        if jobs_mode() == "celery":
            console.print("size estimates queued for the workers", highlight=False)
        else:
            jobs_drain()  # this command is the only process: finish them before it exits
            console.print("size estimates ready for every format", highlight=False)
