"""Resolve links to what they download: entitlement checks, cached or growing renditions, zips."""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from datetime import UTC, datetime

from django.conf import settings

from tunemeter import storage
from tunemeter.catalog.models import Release
from tunemeter.delivery import zips
from tunemeter.delivery.exceptions import DownloadDenied, NotFound
from tunemeter.delivery.links import Link, link_owner_stamp
from tunemeter.delivery.names import job_filename, safe_filename
from tunemeter.delivery.responses import Representation
from tunemeter.httputil import content_disposition
from tunemeter.library.models import Entitlement
from tunemeter.shop.models import Order
from tunemeter.transcoding.cache import RenditionStream, cache_get
from tunemeter.transcoding.selectors import RenderJob, rendition_recorded
from tunemeter.transcoding.services import rendition_job
from tunemeter.transcoding.sizing import exact_size


def _check_stamp(link: Link, owner) -> None:
    """Refuse a link issued before its owner's last password change (403)."""
    if not hmac.compare_digest(link.owner_stamp, link_owner_stamp(owner)):
        raise DownloadDenied("this link was revoked; sign in for a fresh one")


def entitlement_for(link: Link) -> Entitlement:
    """Return the link's entitlement, checked against its owner; raise NotFound/DownloadDenied."""
    entitlement = (
        Entitlement.objects.select_related("order", "customer")
        .filter(pk=link.entitlement_id)
        .first()
    )
    if entitlement is None or entitlement.customer_id != link.customer_id:
        raise NotFound("no such download")
    _check_stamp(link, entitlement.customer)
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


def _never_opened(offset: int) -> Iterable[bytes]:
    raise RuntimeError("a HEAD representation has no body")


def rendition_head(job: RenderJob) -> Representation:
    """Return what a GET would say about the rendition, starting no encoder (HEAD).

    The size, ETag and date come from the cached file and the rendition's record, or
    from the exact size when it is knowable before encoding; nothing is opened.
    """
    record = rendition_recorded(key=job.key)
    path = storage.storage_path(job.relpath)
    try:
        stat = path.stat()
    except FileNotFoundError:
        stat = None
    if stat is not None:
        size = stat.st_size
        last_modified = (
            record.created_at if record else datetime.fromtimestamp(stat.st_mtime, tz=UTC)
        )
    else:
        size = record.size_bytes if record else exact_size(job)
        last_modified = record.created_at if record else None
    return Representation(
        content_type=job.fmt.mime_type,
        filename=job_filename(job),
        size_bytes=size,
        open_at=_never_opened,
        etag=f'"{record.sha256}"' if record else None,
        last_modified=last_modified,
    )


def entitlement_job(entitlement: Entitlement) -> RenderJob:
    """Return the render job that delivers an entitlement (its track in its format)."""
    return rendition_job(track_id=entitlement.track_id, format_id=entitlement.format_id)


def release_order_check(link: Link) -> tuple[Order, Release, list[Entitlement]]:
    """Return the order, release and the entitlements a zip link covers."""
    order = (
        Order.objects.select_related("customer")
        .filter(pk=link.order_id, customer_id=link.customer_id)
        .first()
    )
    release = Release.objects.filter(pk=link.release_id).first()
    if order is None or release is None:
        raise NotFound("no such download")
    _check_stamp(link, order.customer)
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


def rendition_etag(job: RenderJob) -> str | None:
    """Return the strong ETag of a recorded rendition: its sha256, quoted."""
    record = rendition_recorded(key=job.key)
    return f'"{record.sha256}"' if record else None


def is_cached(job: RenderJob) -> bool:
    """Return True when the rendition is in the cache (so nginx can send it)."""
    return storage.storage_path(job.relpath).exists()


def presigned_location(job: RenderJob) -> tuple[str, str] | None:
    """Return (short-lived bucket URL, sha256) of a stored rendition, when downloads go there.

    Only with S3 and S3_DOWNLOADS="presigned", and only for a rendition recorded and
    present in the bucket; the bucket then serves Range and the store's file name.
    """
    if not settings.S3 or settings.S3_DOWNLOADS != "presigned":
        return None
    record = rendition_recorded(key=job.key)
    backend = storage.backend()
    if record is None or not backend.exists(job.relpath):
        return None
    url = backend.presigned_url(
        job.relpath,
        filename_header=content_disposition(job_filename(job)),
        content_type=job.fmt.mime_type,
    )
    return url, record.sha256
