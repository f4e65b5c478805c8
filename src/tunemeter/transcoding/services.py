"""Render renditions and previews through the cache, and measure loudness where missing."""

from __future__ import annotations

import logging
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

from tunemeter.catalog import services as catalog_services
from tunemeter.catalog.models import Release, Track
from tunemeter.transcoding import loudness
from tunemeter.transcoding.cache import RenditionStream, cache_get
from tunemeter.transcoding.selectors import RenderJob, preview_job, render_job, render_source

logger = logging.getLogger(__name__)


def _measure(args: tuple[int, object]) -> tuple[int, float, float]:
    track_id, source = args
    lufs, peak = loudness.measure(source)
    return track_id, lufs, peak


def loudness_analyse(*, release_ids: list[int] | None = None, workers: int = 1) -> int:
    """Measure loudness of tracks that lack it (on `workers` processes), then album values.

    Return the number of tracks measured.
    """
    tracks = Track.objects.filter(loudness_lufs__isnull=True).select_related("master")
    if release_ids is not None:
        tracks = tracks.filter(release_id__in=release_ids)
    jobs = [(t.pk, render_source(t.master)) for t in tracks if hasattr(t, "master")]
    if workers > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork")) as pool:
            results = list(pool.map(_measure, jobs))
    else:
        results = [_measure(job) for job in jobs]
    touched = set()
    for track_id, lufs, peak in results:
        catalog_services.track_loudness_record(
            track_id=track_id, loudness_lufs=lufs, true_peak=peak
        )
        touched.add(Track.objects.values_list("release_id", flat=True).get(pk=track_id))
    for release in Release.objects.filter(pk__in=touched):
        values = [
            (t.loudness_lufs, t.true_peak, t.length_ms / 1000)
            for t in release.tracks.all()
            if t.loudness_lufs is not None
        ]
        if values:
            lufs, peak = loudness.album_loudness(values)
            catalog_services.release_loudness_record(
                release_id=release.pk, loudness_lufs=lufs, true_peak=peak
            )
    logger.info("loudness measured tracks=%d releases=%d", len(results), len(touched))
    return len(results)


def rendition_job(*, track_id: int, format_id: str) -> RenderJob:
    """Return the render job of a track in a format, its loudness measured first.

    Renditions carry ReplayGain tags, and the tags are part of the cache key, so every
    path to a rendition goes through here: loudness is measured once per release.
    """
    release_id = Track.objects.values_list("release_id", flat=True).get(pk=track_id)
    loudness_analyse(release_ids=[release_id])
    return render_job(track_id=track_id, format_id=format_id)


def rendition_open(*, track_id: int, format_id: str) -> RenditionStream:
    """Open a track's rendition in a format: cached, being encoded, or encoded now.

    Raises EncoderBusy when every encoder slot is taken, KeyError for an unknown format.
    """
    return cache_get().open(rendition_job(track_id=track_id, format_id=format_id))


def preview_open(*, track_id: int) -> RenditionStream:
    """Open a track's 30-second preview (MP3), cached like any rendition."""
    return cache_get().open(preview_job(track_id=track_id))
