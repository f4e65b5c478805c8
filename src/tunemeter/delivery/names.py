"""Name downloaded files: safe on every file system, "03 - Artist - Title.ext"."""

from __future__ import annotations

import re

from tunemeter.transcoding.selectors import RenderJob

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def safe_filename(name: str) -> str:
    """Return name without characters a file system refuses (path separators, controls)."""
    return _UNSAFE.sub("_", name).strip(" .") or "download"


def track_filename(*, position: int, artist: str, title: str, extension: str) -> str:
    """Return a download's file name: "03 - Björk - Jóga.flac"."""
    return safe_filename(f"{position:02d} - {artist} - {title}.{extension}")


def job_filename(job: RenderJob) -> str:
    """Return the file name of a render job's download, from its tags."""
    return track_filename(
        position=job.tags.track,
        artist=job.tags.artist,
        title=job.tags.title,
        extension=job.fmt.extension,
    )
