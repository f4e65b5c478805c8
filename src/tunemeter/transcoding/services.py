"""Render renditions and previews through the cache, and measure loudness where missing."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections import OrderedDict

from tunemeter.catalog import services as catalog_services
from tunemeter.catalog.importing.pipeline import worker_pool
from tunemeter.catalog.models import Track
from tunemeter.transcoding import loudness
from tunemeter.transcoding.cache import RenditionStream, cache_get
from tunemeter.transcoding.selectors import RenderJob, preview_job, render_job, render_source

logger = logging.getLogger(__name__)


def _measure(args: tuple[int, object]) -> tuple[int, float, float]:
    track_id, source = args
    lufs, peak = loudness.measure(source)
    return track_id, lufs, peak


def loudness_analyse(
    *, release_ids: list[int] | None = None, workers: int = 1, on_progress=None
) -> int:
    """Measure loudness of tracks that lack it (on `workers` processes), then album values.

    Return the number of tracks measured; on_progress(done, total) follows the tracks.
    """
    tracks = Track.objects.filter(loudness_lufs__isnull=True, master__isnull=False)
    tracks = tracks.select_related("master")
    if release_ids is not None:
        tracks = tracks.filter(release_id__in=release_ids)
    jobs = [(t.pk, render_source(t.master)) for t in tracks]
    results = []
    on_progress and on_progress(0, len(jobs))
    with contextlib.ExitStack() as stack:
        if workers > 1 and len(jobs) > 1:
            measured = stack.enter_context(worker_pool(workers)).map(_measure, jobs)
        else:
            measured = map(_measure, jobs)
        for result in measured:
            results.append(result)
            on_progress and on_progress(len(results), len(jobs))
    touched = set()
    for track_id, lufs, peak in results:
        catalog_services.track_loudness_record(
            track_id=track_id, loudness_lufs=lufs, true_peak=peak
        )
        touched.add(Track.objects.values_list("release_id", flat=True).get(pk=track_id))
    for release_id in touched:
        catalog_services.release_loudness_refresh(release_id=release_id)
    logger.info("loudness measured tracks=%d releases=%d", len(results), len(touched))
    return len(results)


# Render jobs by (track, format), reused while the rows they were built from are unchanged.
# The stamp catches catalog edits, re-imports and loudness; the TTL bounds what it cannot
# see (a genre renamed, a track deleted from a release) to JOB_TTL_SECONDS.
JOB_TTL_SECONDS = 30
JOB_CACHE_SIZE = 256
_jobs: OrderedDict[tuple[int, str], tuple[tuple, float, RenderJob]] = OrderedDict()
_jobs_lock = threading.Lock()
STAMP_FIELDS = (
    "updated_at",
    "loudness_lufs",
    "release_id",
    "release__updated_at",
    "release__loudness_lufs",
    "master__updated_at",
    "artist__updated_at",
    "release__artist__updated_at",
)


def _stamp(track_id: int) -> tuple:
    stamp = Track.objects.filter(pk=track_id).values_list(*STAMP_FIELDS).first()
    if stamp is None:
        raise Track.DoesNotExist(f"no track {track_id}")
    return stamp


def rendition_job(*, track_id: int, format_id: str) -> RenderJob:
    """Return the render job of a track in a format.

    Loudness is never measured here (a buyer must not wait for it): the importer measures
    it in its decode pass, and `tunemeter import` finishes what an interrupted run left.
    A track still without it renders without ReplayGain tags.
    Jobs are reused while their track, release, artists and master are unchanged.
    """
    stamp = _stamp(track_id)
    key, now = (track_id, format_id), time.monotonic()
    with _jobs_lock:
        cached = _jobs.get(key)
        if cached is not None and cached[0] == stamp and now - cached[1] < JOB_TTL_SECONDS:
            _jobs.move_to_end(key)
            return cached[2]
    job = render_job(track_id=track_id, format_id=format_id)
    with _jobs_lock:
        _jobs[key] = (stamp, now, job)
        _jobs.move_to_end(key)
        while len(_jobs) > JOB_CACHE_SIZE:
            _jobs.popitem(last=False)
    return job


def rendition_open(*, track_id: int, format_id: str) -> RenditionStream:
    """Open a track's rendition in a format: cached, being encoded, or encoded now.

    Raises EncoderBusy when every encoder slot is taken, KeyError for an unknown format.
    """
    return cache_get().open(rendition_job(track_id=track_id, format_id=format_id))


def preview_open(*, track_id: int) -> RenditionStream:
    """Open a track's 30-second preview (MP3), cached like any rendition."""
    return cache_get().open(preview_job(track_id=track_id))
