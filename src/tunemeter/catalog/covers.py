"""Keep a bounded copy of each release cover for embedding in every track.

A full-size cover embedded in every rendition is charged by the megabyte in every track
(+97 % on a 21 s Opus 96), so renditions embed a JPEG at most COVER_EMBED_MAX_PX on its
longer side; the full cover ships once, in release zips. The bounded copy is made at
import (or on first use for covers imported before) and stored next to the original,
named by the bound, so the bytes and every rendition key stay the same run after run.
"""

from __future__ import annotations

import io
import logging

from django.conf import settings
from PIL import Image

from tunemeter import storage

logger = logging.getLogger(__name__)
JPEG_QUALITY = 90


def _bounded_relpath(relpath: str, max_px: int) -> str:
    return f"{relpath.rsplit('.', 1)[0]}.{max_px}px.jpg"


def cover_embedded(*, relpath: str, data: bytes | None = None) -> bytes:
    """Return the cover to embed for the stored cover at relpath: itself if a JPEG within
    the bound, else a JPEG scaled to fit (made once, then read back)."""
    max_px = settings.COVER_EMBED_MAX_PX
    try:  # read through from object storage when this node has no copy
        return storage.storage_local(_bounded_relpath(relpath, max_px)).read_bytes()
    except FileNotFoundError:
        pass
    data = data if data is not None else storage.storage_local(relpath).read_bytes()
    with Image.open(io.BytesIO(data)) as img:
        if img.format == "JPEG" and max(img.size) <= max_px:
            return data
        img = img.convert("RGB")
        img.thumbnail((max_px, max_px), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        img.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    small = out.getvalue()
    storage.store_bytes(small, _bounded_relpath(relpath, max_px))
    logger.info("cover bounded path=%s max_px=%d bytes=%d", relpath, max_px, len(small))
    return small
