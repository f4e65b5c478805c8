"""Run an import: scan a folder, examine files on every core, record them in the database.

When one recording (the same decoded audio) arrives as several files, one file is kept
per release by a stable rule (`examine.source_rank`: tags over none, then the lossless
container order, then the path's bytes) and the others are listed as duplicates, their
stored copies removed. A file without an album tag whose recording also arrives with
one is a duplicate of the best tagged file (it does not open a release of its own).
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connections, transaction

from tunemeter import storage
from tunemeter.catalog import selectors, services
from tunemeter.catalog.exceptions import MasterRejected, StorageFull
from tunemeter.catalog.importing import examine as examining
from tunemeter.catalog.importing.examine import Examined, Job, Rejected, Unchanged, examine
from tunemeter.catalog.importing.names import path_bytes, path_display
from tunemeter.catalog.importing.probe import Limits
from tunemeter.catalog.importing.scan import scan

logger = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1


@dataclass
class ImportReport:
    """What an import did, file by file."""

    imported: list[Path] = field(default_factory=list)
    updated: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    rejected: list[tuple[Path, str]] = field(default_factory=list)
    duplicates: list[tuple[Path, str]] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    warnings: list[tuple[Path, str]] = field(default_factory=list)
    stopped: str = ""  # why the import stopped early (the store's disk is full)
    audio_seconds: float = 0.0
    wall_seconds: float = 0.0

    @property
    def total(self) -> int:
        return (
            len(self.imported)
            + len(self.updated)
            + len(self.unchanged)
            + len(self.rejected)
            + len(self.duplicates)
        )


def limits_from_settings() -> Limits:
    """Return the import limits configured in settings."""
    return Limits(
        max_seconds=settings.IMPORT_MAX_SECONDS,
        max_sample_rate=settings.IMPORT_MAX_SAMPLE_RATE,
        max_channels=settings.IMPORT_MAX_CHANNELS,
    )


def worker_bind_to_parent(parent_pid: int) -> None:
    """Make this worker die with its parent (Linux PR_SET_PDEATHSIG), even on SIGKILL."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the pool's own checks remain
        pass
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)


def worker_pool(workers: int) -> ProcessPoolExecutor:
    """Return a forked process pool whose workers die with this process."""
    # Forked workers must not share the parent's database connections.
    connections.close_all()
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=worker_bind_to_parent,
        initargs=(os.getpid(),),
    )


def _examined(jobs: list[Job], workers: int) -> Iterator[Examined | Rejected | Unchanged]:
    """Yield each job's result as soon as it is ready, on `workers` processes."""
    if workers <= 1 or len(jobs) <= 1:
        yield from map(examine, jobs)
        return
    with worker_pool(workers) as pool:
        try:
            yield from pool.map(examine, jobs, chunksize=1)
        except BaseException:
            # Stop at the first failure (a full disk): queued files are not examined.
            pool.shutdown(wait=True, cancel_futures=True)
            raise


@dataclass
class _Entry:
    """One file's claim on a recording, for choosing among copies."""

    result: Examined | Unchanged
    audio: str
    release_key: tuple[str, str]
    album_tagged: bool
    track_id: int | None = None  # the recorded track whose source this file is
    moved: bool = False  # that track's file now lives at this path


def _entries(
    results: list[Examined | Unchanged],
    known: dict[str, list[selectors.TrackSource]],
    report: ImportReport,
) -> list[_Entry]:
    """Turn results into entries; a byte-copy of a recorded source is a duplicate at once."""
    present = {path_bytes(r.path) for r in results}
    entries: list[_Entry] = []
    for result in results:
        if isinstance(result, Examined):
            key = services.release_key(tags=result.tags, hints=result.hints)
            entries.append(_Entry(result, result.audio.audio_sha256, key, bool(result.tags.album)))
            continue
        sources = known[result.sha256]
        raw = path_bytes(result.path)
        own = next((s for s in sources if s.path_bytes == raw), None)
        moved = False
        if own is None:
            # A source whose recorded path is gone from the tree moved here.
            own = next(
                (
                    s
                    for s in sources
                    if s.path_bytes not in present and not os.path.lexists(s.path_bytes)
                ),
                None,
            )
            moved = own is not None
        if own is None:
            first = os.fsdecode(sources[0].path_bytes)
            report.duplicates.append((result.path, f"same file as {path_display(first)}"))
            continue
        entries.append(_Entry(result, own.audio_sha256, own.release_key, True, own.track_id, moved))
    return entries


def _choose(entries: list[_Entry]) -> tuple[list[_Entry], list[tuple[_Entry, _Entry]]]:
    """Return the kept entries and (duplicate, kept) pairs, by the stated preference rule."""
    by_audio: dict[str, list[_Entry]] = {}
    for entry in entries:
        by_audio.setdefault(entry.audio, []).append(entry)
    kept: list[_Entry] = []
    dropped: list[tuple[_Entry, _Entry]] = []
    for group in by_audio.values():
        tagged = [e for e in group if e.album_tagged]
        best_tagged = min(tagged, key=lambda e: e.result.rank) if tagged else None
        by_release: dict[tuple[str, str], list[_Entry]] = {}
        for entry in group:
            if best_tagged is not None and not entry.album_tagged:
                dropped.append((entry, best_tagged))
            else:
                by_release.setdefault(entry.release_key, []).append(entry)
        for members in by_release.values():
            members.sort(key=lambda e: e.result.rank)
            kept.append(members[0])
            dropped += [(m, members[0]) for m in members[1:]]
    kept.sort(key=lambda e: e.result.rank[2])  # record in path order
    return kept, dropped


def _record(result: Examined, *, dry_run: bool, report: ImportReport) -> None:
    with transaction.atomic():
        upsert = services.master_upsert(item=result)
        if dry_run:
            transaction.set_rollback(True)
    getattr(report, upsert.outcome).append(result.path)
    report.warnings += [(result.path, w) for w in upsert.warnings]
    report.audio_seconds += result.audio.length_samples / result.audio.sample_rate


def _release_copy(result: Examined | Unchanged, *, dry_run: bool) -> None:
    if isinstance(result, Examined) and not dry_run:
        services.master_storage_release(relpath=result.storage_relpath)


def import_run(
    *,
    root: Path,
    dry_run: bool = False,
    workers: int | None = None,
    limits: Limits | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import every master under root; return the report. Rejections never stop the run;
    a full storage disk does, at once, with `report.stopped` saying so."""
    started = time.perf_counter()
    found = scan(root)
    known = selectors.track_sources()
    examining.KNOWN_SHA256S = frozenset(known)
    limits = limits or limits_from_settings()
    jobs = [Job(candidate=c, limits=limits, dry_run=dry_run) for c in found.candidates]
    if not dry_run:
        storage.sweep_temp_files()
    report = ImportReport(skipped=list(found.skipped))
    results: list[Examined | Unchanged] = []
    on_progress and on_progress(0, len(jobs))
    try:
        for done, result in enumerate(_examined(jobs, workers or settings.IMPORT_WORKERS), 1):
            if isinstance(result, Rejected):
                report.rejected.append((result.path, result.reason))
            else:
                results.append(result)
            on_progress and on_progress(done, len(jobs))
    except StorageFull:
        report.stopped = (
            "the store's disk is full: import stopped at the first failed write; nothing "
            "was recorded and no partial file is left. Free space and run it again."
        )
        for result in results:
            _release_copy(result, dry_run=dry_run)
        _finish(report, root, started)
        return report
    kept, dropped = _choose(_entries(results, known, report))
    for entry in kept:
        result = entry.result
        if isinstance(result, Unchanged):
            report.unchanged.append(result.path)
            if entry.moved and not dry_run:
                services.track_source_moved(track_id=entry.track_id, path=result.path)
            continue
        try:
            _record(result, dry_run=dry_run, report=report)
        except MasterRejected as exc:
            report.rejected.append((result.path, exc.reason))
            _release_copy(result, dry_run=dry_run)
    for entry, winner in dropped:
        report.duplicates.append(
            (entry.result.path, f"same recording as {path_display(winner.result.path)}")
        )
        _release_copy(entry.result, dry_run=dry_run)
    _finish(report, root, started)
    return report


def _finish(report: ImportReport, root: Path, started: float) -> None:
    report.wall_seconds = time.perf_counter() - started
    logger.info(
        "import done root=%s imported=%d updated=%d unchanged=%d duplicates=%d rejected=%d "
        "skipped=%d seconds=%.2f",
        path_display(root),
        len(report.imported),
        len(report.updated),
        len(report.unchanged),
        len(report.duplicates),
        len(report.rejected),
        len(report.skipped),
        report.wall_seconds,
    )
