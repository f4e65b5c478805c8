"""Run an import: scan a folder, examine files on every core, record them in the database."""

from __future__ import annotations

import logging
import multiprocessing
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connections, transaction

from tunemeter import storage
from tunemeter.catalog import selectors, services
from tunemeter.catalog.exceptions import MasterRejected
from tunemeter.catalog.importing.examine import Examined, Job, Rejected, Unchanged, examine
from tunemeter.catalog.importing.probe import Limits
from tunemeter.catalog.importing.scan import scan

logger = logging.getLogger(__name__)


@dataclass
class ImportReport:
    """What an import did, file by file."""

    imported: list[Path] = field(default_factory=list)
    updated: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    rejected: list[tuple[Path, str]] = field(default_factory=list)
    warnings: list[tuple[Path, str]] = field(default_factory=list)
    audio_seconds: float = 0.0
    wall_seconds: float = 0.0

    @property
    def total(self) -> int:
        return len(self.imported) + len(self.updated) + len(self.unchanged) + len(self.rejected)


def limits_from_settings() -> Limits:
    """Return the import limits configured in settings."""
    return Limits(
        max_seconds=settings.IMPORT_MAX_SECONDS,
        max_sample_rate=settings.IMPORT_MAX_SAMPLE_RATE,
        max_channels=settings.IMPORT_MAX_CHANNELS,
    )


def _examined(jobs: list[Job], workers: int) -> Iterator[Examined | Rejected | Unchanged]:
    """Yield each job's result as soon as it is ready, on `workers` processes."""
    if workers <= 1 or len(jobs) <= 1:
        yield from map(examine, jobs)
        return
    # Forked workers must not share the parent's database connections.
    connections.close_all()
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        yield from pool.map(examine, jobs, chunksize=1)


def _record(result: Examined, *, dry_run: bool, report: ImportReport) -> None:
    with transaction.atomic():
        upsert = services.master_upsert(item=result)
        if dry_run:
            transaction.set_rollback(True)
    getattr(report, upsert.outcome).append(result.path)
    report.warnings += [(result.path, w) for w in upsert.warnings]
    report.audio_seconds += result.audio.length_samples / result.audio.sample_rate


def import_run(
    *,
    root: Path,
    dry_run: bool = False,
    workers: int | None = None,
    limits: Limits | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import every master under root; return the report. Rejections never stop the run."""
    started = time.perf_counter()
    candidates = scan(root)
    known = frozenset(selectors.master_sha256s())
    limits = limits or limits_from_settings()
    jobs = [
        Job(candidate=c, limits=limits, dry_run=dry_run, known_sha256s=known) for c in candidates
    ]
    if not dry_run:
        storage.sweep_temp_files()
    report = ImportReport()
    seen_audio: dict[str, Path] = {}
    on_progress and on_progress(0, len(jobs))
    for done, result in enumerate(_examined(jobs, workers or settings.IMPORT_WORKERS), start=1):
        if isinstance(result, Rejected):
            report.rejected.append((result.path, result.reason))
        elif isinstance(result, Unchanged):
            report.unchanged.append(result.path)
        elif (first := seen_audio.get(result.audio.audio_sha256)) is not None:
            report.rejected.append((result.path, f"same audio as {first}, imported once"))
        else:
            try:
                _record(result, dry_run=dry_run, report=report)
                seen_audio[result.audio.audio_sha256] = result.path
            except MasterRejected as exc:
                report.rejected.append((result.path, exc.reason))
                if not dry_run:
                    services.master_storage_release(relpath=result.storage_relpath)
        on_progress and on_progress(done, len(jobs))
    report.wall_seconds = time.perf_counter() - started
    logger.info(
        "import done root=%s imported=%d updated=%d unchanged=%d rejected=%d seconds=%.2f",
        root,
        len(report.imported),
        len(report.updated),
        len(report.unchanged),
        len(report.rejected),
        report.wall_seconds,
    )
    return report
