"""Background jobs of transcoding: loudness, size estimates, warming renditions, eviction.

Every job is idempotent: loudness and estimates skip what is known, a warmed rendition
is content-addressed (a second run finds it cached), eviction only frees the excess.
"""

from __future__ import annotations

import logging

from tunemeter.catalog.models import Track
from tunemeter.jobs import job
from tunemeter.transcoding.cache import cache_get
from tunemeter.transcoding.formats import FORMATS
from tunemeter.transcoding.services import loudness_analyse, rendition_open
from tunemeter.transcoding.sizing import rendition_size

logger = logging.getLogger(__name__)


@job("transcoding.loudness")
def loudness_job(*, release_ids: list[int] | None = None) -> int:
    """Measure loudness of the tracks that lack it (all, or these releases')."""
    return loudness_analyse(release_ids=release_ids)


@job("transcoding.estimates")
def estimates_job(
    *, release_ids: list[int] | None = None, format_ids: list[str] | None = None
) -> int:
    """Size every track in every format ahead of buyers (loudness first); return sizes known.

    Each size is stored once (a recorded rendition, an exact formula or an estimate row),
    so a rerun only fills what is missing.
    """
    tracks = Track.objects.filter(master__isnull=False)
    if release_ids is not None:
        tracks = tracks.filter(release_id__in=release_ids)
    loudness_analyse(release_ids=release_ids)
    done = 0
    for track_id in tracks.values_list("pk", flat=True):
        for format_id in format_ids or list(FORMATS):
            rendition_size(track_id=track_id, format_id=format_id)
            done += 1
    return done


@job("transcoding.warm")
def warm_job(*, track_ids: list[int], format_id: str) -> int:
    """Encode these tracks' renditions into storage (popular formats, zip members); return bytes.

    A rendition already stored costs a lookup; one half-made by a killed worker is a
    temp file only (never a final name or key), so the rerun encodes it afresh.
    """
    total = 0
    for track_id in track_ids:
        stream = rendition_open(track_id=track_id, format_id=format_id)
        try:
            for chunk in stream:
                total += len(chunk)
        finally:
            stream.close()
    return total


@job("transcoding.evict")
def evict_job() -> int:
    """Free cached renditions past the size budget, least recently used first; return bytes."""
    return cache_get().evict()
