"""Serve downloads by signed link (no session needed), and the buyer's library of links."""

from __future__ import annotations

import logging
import weakref

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from tunemeter.delivery import (
    exceptions,
    limits,
    links,
    logbook,
    names,
    preconditions,
    reads,
    selectors,
)
from tunemeter.delivery.links import LinkExpired, LinkInvalid, link_verify
from tunemeter.delivery.responses import respond
from tunemeter.httputil import content_disposition, too_many_requests
from tunemeter.library.models import Entitlement
from tunemeter.shop.models import Order
from tunemeter.transcoding.exceptions import EncoderBusy
from tunemeter.transcoding.formats import FORMATS

logger = logging.getLogger(__name__)


def _link_error(request: HttpRequest, *, heading: str, message: str) -> HttpResponse:
    """Answer a refused link with a page in the visitor's language (403)."""
    context = {"heading": heading, "message": message}
    return render(request, "delivery/link_error.html", context, status=403)


def _link_or_error(request: HttpRequest, token: str):
    try:
        return link_verify(token), None
    except LinkInvalid:
        return None, _link_error(
            request,
            heading=_("This download link is not valid"),
            message=_("It may have been copied incompletely or changed."),
        )
    except LinkExpired as exc:
        owner = request.user.is_authenticated and request.user.pk == exc.payload.get("c")
        return None, render(request, "delivery/expired.html", {"owner": owner}, status=410)


def _record(request: HttpRequest, *, customer_id: int, format_id: str, what: str, **extra) -> dict:
    return {
        "customer_id": customer_id,
        "format_id": format_id,
        "what": what[:300],
        "range_header": request.headers.get("Range", "")[:200],
        "user_agent": request.headers.get("User-Agent", "")[:300],
        "started_at": timezone.now(),
        **extra,
    }


def _resolve(request: HttpRequest, token: str, check):
    """Return (link, what check() finds for it), or (None, the error response)."""
    link, error = _link_or_error(request, token)
    if error is not None:
        return None, error
    try:
        return link, check(link)
    except exceptions.NotFound as exc:
        raise Http404(str(exc)) from exc
    except exceptions.DownloadDenied as exc:
        # Why it was withdrawn (a refund, or links revoked by a password change).
        return None, _link_error(
            request, heading=_("This download is no longer available"), message=_(str(exc))
        )


@require_http_methods(["GET", "HEAD"])
def track_download(request: HttpRequest, token: str, filename: str) -> HttpResponse:
    """Download one purchased track in one format."""
    link, entitlement = _resolve(request, token, reads.entitlement_for)
    if link is None:
        return entitlement
    job = reads.entitlement_job(entitlement)
    record = _record(
        request,
        customer_id=link.customer_id,
        format_id=job.fmt.id,
        what=names.job_filename(job),
        entitlement_id=entitlement.pk,
    )
    if (found := reads.presigned_location(job)) is not None:
        # The link is checked; the bucket sends the bytes (Range, the file name).
        response = HttpResponse(status=302)
        response["Location"], response["X-Content-SHA256"] = found
        response["Cache-Control"] = "no-store"
        logbook.log_download(
            **record, handed_to_proxy=True, completed=True, finished_at=timezone.now()
        )
        return response
    if settings.ACCEL_REDIRECT and reads.is_cached(job):
        # Django checked the link; nginx sends the bytes (ranges, sendfile).
        response = HttpResponse(content_type=job.fmt.mime_type)
        response["X-Accel-Redirect"] = settings.ACCEL_REDIRECT + job.relpath
        response["Content-Disposition"] = content_disposition(names.job_filename(job))
        response["Cache-Control"] = "private, no-transform"
        if (etag := reads.rendition_etag(job)) is not None:
            # nginx passes it on (docs/nginx.conf) and compares If-Range with it; the
            # store answers If-None-Match itself, as nginx's 304 check runs too early
            # to see it (RFC 9110 §13.1.2).
            response["ETag"] = etag
            outcome = preconditions.evaluate(request.headers, etag=etag, last_modified=None)
            if outcome != preconditions.PROCEED:  # 304 or 412, RFC 9110 §13.2.2's order
                response = HttpResponse(status=outcome)
                response["ETag"], response["Cache-Control"] = etag, "private, no-transform"
                return response
        logbook.log_download(
            **record, handed_to_proxy=True, completed=True, finished_at=timezone.now()
        )
        return response
    if request.method == "HEAD":
        build = lambda: reads.rendition_head(job)  # noqa: E731 - starts no encoder
    else:
        build = lambda: reads.rendition_representation(job)[0]  # noqa: E731
    return _serve(request, link.customer_id, record, build)


def _serve(request: HttpRequest, customer_id: int, record: dict, build) -> HttpResponse:
    """Answer with build()'s representation, holding a download slot until the response ends.

    The slot goes back exactly once on every path: when the body ends or fails, when
    the server closes the response (304, 412, 416, HEAD, a body never started), when
    the response is dropped unsent (the client left while the view ran), or at once
    when building or answering raises.
    """
    try:
        slot = limits.download_slot_acquire(customer_id)
    except exceptions.TooManyDownloads as exc:
        return too_many_requests(5, str(exc))
    try:
        rep = build()
        response = respond(
            request,
            rep,
            wrap=lambda chunks: logbook.counted(chunks, record=record, release=slot.release),
        )
    except BaseException as exc:
        slot.release()
        if isinstance(exc, EncoderBusy):
            return too_many_requests(exc.retry_after, "All encoders are busy; try again shortly.")
        raise
    # Django closes every response it sends; one it drops unsent is garbage-collected.
    response._resource_closers.append(slot.release)
    weakref.finalize(response, slot.release)
    return response


@require_http_methods(["GET", "HEAD"])
def release_download(request: HttpRequest, token: str, filename: str) -> HttpResponse:
    """Download a purchased release as one zip in one format."""
    link, found = _resolve(request, token, reads.release_order_check)
    if link is None:
        return found
    order, release, entitlements = found
    record = _record(
        request,
        customer_id=link.customer_id,
        format_id=link.format_id,
        what=f"{release} (zip)",
        order_id=order.pk,
    )
    return _serve(
        request,
        link.customer_id,
        record,
        lambda: reads.release_representation(release, entitlements, link.format_id),
    )


@never_cache  # live links: no shared or back-button cache may keep them (no-store)
@login_required
@require_safe
def library(request: HttpRequest) -> HttpResponse:
    """List every purchase with fresh download links."""
    rows = selectors.library_rows(customer=request.user)
    for row in rows:
        # The picker asks for its figures as soon as the page is up (JavaScript).
        row["upgrade_picker"] = {
            "id": row["other_format"],
            "priced": False,
            "pending": True,
            "note": "",
        }
    context = {"rows": rows, "formats_all": list(FORMATS.values())}
    return render(request, "delivery/library.html", context)


@never_cache
@login_required
@require_safe
def fresh_link(request: HttpRequest, entitlement_id: int) -> HttpResponse:
    """Redirect the owner to a fresh link; anyone else gets 404."""
    entitlement = get_object_or_404(
        Entitlement,
        pk=entitlement_id,
        customer=request.user,
        revoked_at__isnull=True,
        order__status=Order.PAID,
    )
    return redirect(links.track_link(entitlement))
