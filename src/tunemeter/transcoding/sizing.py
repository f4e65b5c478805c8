"""Tell a rendition's size before it is made: exact where the format allows, else estimated.

Exact: CBR MP3 (ID3 tag + Info frame + LAME's frame sizes, see mp3.py), WAV and AIFF
(header + samples), and anything rendered before (its recorded size).

Estimated (VBR MP3, AAC, Opus, FLAC, ALAC): the real encoder renders 16 excerpts of 2 s
spread evenly over the track, and a near-empty render gives the fixed overhead
(tags, cover, headers); the estimate is overhead + excerpt payload × (track length /
excerpt length). Tracks under twice the excerpts (64 s) are rendered whole.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from tunemeter.transcoding import mp3, tagging
from tunemeter.transcoding.models import SizeEstimate
from tunemeter.transcoding.render import output_channels, output_rate, pcm_header, render
from tunemeter.transcoding.selectors import RenderJob, rendition_recorded
from tunemeter.transcoding.services import rendition_job

logger = logging.getLogger(__name__)

EXCERPTS = 16
EXCERPT_SECONDS = 2


def exact_size(job: RenderJob) -> int | None:
    """Return the exact size of a rendition computable without encoding, else None."""
    fmt, src = job.fmt, job.source
    if fmt.container == "mp3" and fmt.mode == "CBR":
        rate = output_rate(fmt, src.sample_rate)
        kbps = fmt.bitrate_bps // 1000
        return (
            len(tagging.id3_bytes(job.tags))
            + mp3.tag_frame_size(kbps=kbps, rate=rate)
            + mp3.cbr_audio_bytes(src.samples_at(rate), kbps=kbps, rate=rate)
        )
    if fmt.container in ("wav", "aiff"):
        header = pcm_header(src, fmt, job.tags)
        data = src.samples_at(src.sample_rate) * src.channels * (3 if src.bit_depth > 16 else 2)
        return len(header) + data + (data & 1)
    return None


def _rendered_size(job: RenderJob, windows: tuple[tuple[int, int], ...]) -> int:
    source = replace(job.source, windows=windows)
    return sum(len(chunk) for chunk in render(source, job.fmt, job.tags))


def estimate_size(job: RenderJob) -> int:
    """Return the sampled estimate of a rendition's size (see the module docstring)."""
    src = job.source
    n = src.length_samples
    window = EXCERPT_SECONDS * src.sample_rate
    if n <= EXCERPTS * window * 2:
        return _rendered_size(job, ())
    step = n // EXCERPTS
    windows = tuple((i * step + (step - window) // 2, window) for i in range(EXCERPTS))
    excerpt = _rendered_size(job, windows)
    fixed = _rendered_size(job, ((0, 1),))
    m = EXCERPTS * window
    return fixed + round((excerpt - fixed) * n / m)


def rendition_size(*, track_id: int, format_id: str) -> tuple[int, bool]:
    """Return (size_bytes, exact) of a track in a format, estimating at most once."""
    # The same job a download renders (loudness measured): tag bytes count in the size.
    job = rendition_job(track_id=track_id, format_id=format_id)
    if (record := rendition_recorded(key=job.key)) is not None:
        return record.size_bytes, True
    if (size := exact_size(job)) is not None:
        return size, True
    if (known := SizeEstimate.objects.filter(key=job.key).first()) is not None:
        return known.size_bytes, False
    size = estimate_size(job)
    SizeEstimate.objects.update_or_create(
        key=job.key,
        defaults={"master_id": job.master_id, "format_id": job.fmt.id, "size_bytes": size},
    )
    logger.info("size estimated format=%s track=%s bytes=%d", format_id, track_id, size)
    return size, False


__all__ = ["estimate_size", "exact_size", "output_channels", "rendition_size"]
