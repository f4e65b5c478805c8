"""Resolve links to downloads: entitlement checks, cached or growing renditions, zips, limits."""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from tunemeter import storage
from tunemeter.catalog.models import Release
from tunemeter.delivery import zips
from tunemeter.delivery.links import Link, link_sign
from tunemeter.delivery.responses import Representation
from tunemeter.library.models import Entitlement
from tunemeter.shop.models import Order
from tunemeter.transcoding.cache import RenditionStream, cache_get
from tunemeter.transcoding.exceptions import EncoderBusy
from tunemeter.transcoding.formats import FORMATS
from tunemeter.transcoding.selectors import RenderJob, rendition_recorded
from tunemeter.transcoding.services import rendition_job
from tunemeter.transcoding.sizing import exact_size

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


class DownloadDenied(Exception):
    """The link is genuine but its entitlement is revoked or refunded (403)."""


class NotFound(Exception):
    """Nothing this customer owns matches (404)."""


class TooManyDownloads(Exception):
    """The customer already runs the maximum number of downloads (429)."""


_active: Counter[int] = Counter()
_active_lock = threading.Lock()


def download_slot_acquire(customer_id: int) -> Callable[[], None]:
    """Take one of the customer's concurrent download slots; return its release function.

    Raises TooManyDownloads when all are taken. Releasing twice releases once.
    """
    with _active_lock:
        if _active[customer_id] >= settings.MAX_DOWNLOADS_PER_CUSTOMER:
            raise TooManyDownloads(
                f"at most {settings.MAX_DOWNLOADS_PER_CUSTOMER} downloads at once"
            )
        _active[customer_id] += 1
    released = threading.Event()

    def release() -> None:
        with _active_lock:
            if not released.is_set():
                released.set()
                _active[customer_id] -= 1

    return release


def safe_filename(name: str) -> str:
    return _UNSAFE.sub("_", name).strip(" .") or "download"


def track_filename(*, position: int, artist: str, title: str, extension: str) -> str:
    """Return a download's file name: "03 - Björk - Jóga.flac"."""
    return safe_filename(f"{position:02d} - {artist} - {title}.{extension}")


def job_filename(job: RenderJob) -> str:
    return track_filename(
        position=job.tags.track,
        artist=job.tags.artist,
        title=job.tags.title,
        extension=job.fmt.extension,
    )


def track_link(entitlement: Entitlement) -> str:
    """Return a fresh signed URL for an entitlement (named from the catalog, no render job)."""
    token = link_sign(customer_id=entitlement.customer_id, entitlement_id=entitlement.pk)
    track = entitlement.track
    name = track_filename(
        position=track.position,
        artist=track.artist.name,
        title=track.title,
        extension=FORMATS[entitlement.format_id].extension,
    )
    return reverse("delivery:track", args=[token, name])


def release_link(*, customer_id: int, order_id: int, release, format_id: str) -> str:
    """Return a fresh signed URL for the zip of a release bought in an order."""
    token = link_sign(
        customer_id=customer_id, order_id=order_id, release_id=release.pk, format_id=format_id
    )
    return reverse("delivery:release", args=[token, safe_filename(f"{release.title}.zip")])


def entitlement_for(link: Link) -> Entitlement:
    """Return the link's entitlement, checked against its owner; raise NotFound/DownloadDenied."""
    entitlement = Entitlement.objects.select_related("order").filter(pk=link.entitlement_id).first()
    if entitlement is None or entitlement.customer_id != link.customer_id:
        raise NotFound("no such download")
    if entitlement.revoked_at is not None or entitlement.order.status != Order.PAID:
        raise DownloadDenied("this purchase was refunded")
    return entitlement


def rendition_representation(job: RenderJob) -> tuple[Representation, RenditionStream]:
    """Return the rendition as a downloadable representation (encoding it if needed).

    Raises EncoderBusy when it is not cached and every encoder is taken.
    """
    stream = cache_get().open(job)
    record = rendition_recorded(key=job.key)
    filename = job_filename(job)
    if stream.cached:
        mtime = datetime.fromtimestamp(stream.path.stat().st_mtime, tz=UTC)
        etag = f'"{record.sha256}"' if record else None
        return Representation(
            content_type=job.fmt.mime_type,
            filename=filename,
            size_bytes=stream.size_bytes,
            open_at=stream.iter_from,
            etag=etag,
            last_modified=record.created_at if record else mtime,
        ), stream
    length = record.size_bytes if record else exact_size(job)
    return Representation(
        content_type=job.fmt.mime_type,
        filename=filename,
        size_bytes=length,
        open_at=stream.iter_from,
        etag=f'"{record.sha256}"' if record else None,
        last_modified=record.created_at if record else None,
    ), stream


def entitlement_job(entitlement: Entitlement) -> RenderJob:
    return rendition_job(track_id=entitlement.track_id, format_id=entitlement.format_id)


def release_order_check(link: Link) -> tuple[Order, Release, list[Entitlement]]:
    """Return the order, release and the entitlements a zip link covers."""
    order = Order.objects.filter(pk=link.order_id, customer_id=link.customer_id).first()
    release = Release.objects.filter(pk=link.release_id).first()
    if order is None or release is None:
        raise NotFound("no such download")
    entitlements = list(
        Entitlement.objects.filter(
            customer_id=link.customer_id, track__release=release, format_id=link.format_id
        ).select_related("track", "order")
    )
    if not entitlements:
        raise NotFound("no such download")
    if order.status != Order.PAID or any(
        e.revoked_at for e in entitlements if e.order_id == order.pk
    ):
        raise DownloadDenied("this purchase was refunded")
    return order, release, [e for e in entitlements if e.revoked_at is None]


def release_representation(
    release: Release, entitlements: list[Entitlement], format_id: str
) -> Representation:
    """Return the release zip as a representation (sized when every member's size is known)."""
    jobs = [rendition_job(track_id=e.track_id, format_id=format_id) for e in entitlements]
    jobs.sort(key=lambda j: (j.tags.disc, j.tags.track))
    plan = zips.ZipPlan(release=release, jobs=jobs)
    return Representation(
        content_type="application/zip",
        filename=safe_filename(
            f"{release.artist.name} - {release.title} ({jobs[0].fmt.label}).zip"
        ),
        size_bytes=plan.size_bytes,
        open_at=plan.open_at,
        etag=f'"zip-{plan.digest}"' if plan.size_bytes is not None else None,
        last_modified=None,
    )


def counted(
    chunks: Iterable[bytes], *, record: dict, release: Callable[[], None]
) -> Iterator[bytes]:
    """Yield chunks, then log the download (bytes sent, completed or not) and free the slot."""
    from tunemeter.delivery.logbook import log_download

    sent, completed = 0, False
    try:
        for chunk in chunks:
            sent += len(chunk)
            yield chunk
        completed = True
    finally:
        release()
        log_download(**record, bytes_sent=sent, completed=completed, finished_at=timezone.now())


def busy_retry(job: RenderJob, *, wait_seconds: float = 60.0) -> RenditionStream:
    """Open a rendition, waiting for a free encoder slot (used inside zips)."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            return cache_get().open(job)
        except EncoderBusy:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def is_cached(job: RenderJob) -> bool:
    """Return True when the rendition is in the cache (so nginx can send it)."""
    return storage.storage_path(job.relpath).exists()
