"""Print import reports for the management commands."""

from __future__ import annotations

import time

from rich.console import Console

from tunemeter.catalog.importing.names import path_display, text_display
from tunemeter.catalog.importing.pipeline import ImportReport
from tunemeter.transcoding.services import loudness_analyse


def print_report(report: ImportReport, *, dry_run: bool, console: Console) -> None:
    """Print the import summary: counts, then every rejection with its file and reason."""
    verb = "would be " if dry_run else ""
    console.print(
        f"{verb}imported: {len(report.imported)}  {verb}updated: {len(report.updated)}  "
        f"unchanged: {len(report.unchanged)}  duplicates: {len(report.duplicates)}  "
        f"skipped: {len(report.skipped)}  rejected: {len(report.rejected)}  "
        f"({report.audio_seconds / 60:.1f} min of new audio in {report.wall_seconds:.1f} s)",
        highlight=False,
        soft_wrap=True,
    )
    # Names are escaped: a file name must never move the cursor or recolour the terminal.
    for label, rows in (
        ("rejected", report.rejected),
        ("duplicate", report.duplicates),
        ("skipped", report.skipped),
        ("warning", report.warnings),
    ):
        for path, reason in rows:
            console.print(
                f"  {label} {path_display(path)}: {text_display(reason)}",
                highlight=False,
                markup=False,
                soft_wrap=True,
            )
    if report.stopped:
        console.print(f"stopped: {report.stopped}", highlight=False, markup=False)


def loudness_phase(*, console: Console, workers: int, on_progress=None) -> None:
    """Measure the loudness of newly imported tracks (for ReplayGain tags) and say so."""
    started = time.perf_counter()
    count = loudness_analyse(workers=workers, on_progress=on_progress)
    seconds = time.perf_counter() - started
    if count:
        console.print(f"loudness (EBU R128): {count} tracks in {seconds:.1f} s", highlight=False)
