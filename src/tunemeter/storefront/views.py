"""Render the catalog pages: home, genre, release (with format pickers), artist, search."""

from __future__ import annotations

from django.conf import settings
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from tunemeter import storage
from tunemeter.catalog import selectors
from tunemeter.catalog.models import Artist, Genre, Release, Track, duration_display
from tunemeter.httputil import cache_public, no_store, too_many_requests
from tunemeter.library.selectors import owned_formats
from tunemeter.pricing import figures as pricing
from tunemeter.pricing.previews import PricePreview
from tunemeter.storefront import selectors as store_selectors
from tunemeter.transcoding import services as transcoding
from tunemeter.transcoding.exceptions import EncoderBusy
from tunemeter.transcoding.formats import FORMATS


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    context = {
        "releases": selectors.release_list(limit=48),
        "genres": store_selectors.genre_list(),
    }
    return render(request, "storefront/home.html", context)


@require_safe
def genre(request: HttpRequest, genre_id: int) -> HttpResponse:
    try:
        obj = store_selectors.genre_detail(genre_id=genre_id)
    except Genre.DoesNotExist as exc:
        raise Http404("No such genre") from exc
    context = {"genre": obj, "releases": store_selectors.genre_releases(genre=obj)}
    return render(request, "storefront/genre.html", context)


@require_safe
def release(request: HttpRequest, release_id: int) -> HttpResponse:
    try:
        obj = selectors.release_detail(release_id=release_id)
    except Release.DoesNotExist as exc:
        raise Http404("No such release") from exc
    discs, length_ms = selectors.release_discs(release=obj)
    # Without JavaScript the picker's "Show size and price" button comes back here with
    # ?format= (and &track= for one track's picker); with it, the picker asks prices_json.
    asked = pricing.chosen_format(request.GET.get("format"))
    asked_track = request.GET.get("track", "")
    release_format = pricing.DEFAULT_FORMAT if asked_track else asked
    currency = settings.STORE_CURRENCY
    # A page view never encodes: sizes not known yet are estimated in the background.
    whole = pricing.preview_or_none(
        customer=request.user, obj=obj, format_id=release_format, estimate=False
    )
    known = whole if isinstance(whole, PricePreview) else None
    lines = {line.track_id: line for line in known.lines} if known else {}
    territory = known.territory if known else None
    pickers = {}
    for track in obj.tracks.all():
        fmt = asked if asked_track == str(track.pk) else pricing.DEFAULT_FORMAT
        if fmt == release_format and track.pk in lines:
            preview = pricing.track_preview(
                line=lines[track.pk],
                format_id=fmt,
                territory=territory,
                rate_minor_per_mb=known.rate_minor_per_mb,
            )
        else:
            preview = pricing.preview_or_none(
                customer=request.user, obj=track, format_id=fmt, estimate=False
            )
        pickers[track.pk] = pricing.figures(preview, format_id=fmt, currency=currency)
    # Said once for the release, not under every track it applies to.
    blocked = [p for p in pickers.values() if p.get("priced") and not p["available"]]
    release_figures = pricing.figures(whole, format_id=release_format, currency=currency)
    if blocked:
        for row in [*blocked, release_figures]:
            row["note"] = ""
    owned = (
        owned_formats(customer=request.user, track_ids=list(pickers))
        if request.user.is_authenticated
        else {}
    )
    for tracks in dict(discs).values():
        for track in tracks:
            track.picker = pickers[track.pk]
            track.owned_formats = [f for f in FORMATS if f in owned.get(track.pk, ())]
    context = {
        "release": obj,
        "discs": discs,
        "total_length": duration_display(length_ms),
        "picker": release_figures,
        "formats": list(FORMATS.values()),
        "signed_in": request.user.is_authenticated,
        "territory": territory,
        "unavailable_count": len(blocked),
        "owns_some": any(owned.values()),
        "unavailable_reason": known.unavailable_reason if known else "",
    }
    return render(request, "storefront/release.html", context)


@require_safe
def prices_json(request: HttpRequest, kind: str, object_id: int) -> JsonResponse:
    """Return size and price of a track or release in the asked formats (all by default).

    The figures come from the same preview as the release page and follow the quote's
    rules, so the picker shows what the quote will lock.
    """
    model = {"track": Track, "release": Release}.get(kind)
    if model is None:
        raise Http404("No such kind")
    obj = model.objects.filter(pk=object_id).first()
    if obj is None:
        raise Http404("No such item")
    asked = request.GET.getlist("format") or list(FORMATS)
    unknown = [f for f in asked if f not in FORMATS]
    if unknown:
        return JsonResponse({"detail": _("Unknown format: %s") % ", ".join(unknown)}, status=400)
    currency = settings.STORE_CURRENCY
    rows = [
        pricing.figures(
            pricing.preview_or_none(customer=request.user, obj=obj, format_id=fmt, estimate=False),
            format_id=fmt,
            currency=currency,
        )
        for fmt in asked[: len(FORMATS)]
    ]
    response = JsonResponse(
        {
            "kind": kind,
            "id": obj.pk,
            "currency": currency,
            "signed_in": request.user.is_authenticated,
            "formats": rows,
        }
    )
    # Prices depend on the buyer (owned tracks, territory) and change with rates.
    return no_store(response)


@require_safe
def cover(request: HttpRequest, release_id: int) -> FileResponse:
    obj = Release.objects.filter(pk=release_id).only("cover_path", "cover_mime").first()
    if obj is None or not obj.cover_path:
        raise Http404("No cover")
    try:
        handle = open(storage.storage_local(obj.cover_path), "rb")  # noqa: SIM115 - FileResponse closes it
    except FileNotFoundError as exc:
        raise Http404("No cover") from exc
    response = FileResponse(handle, content_type=obj.cover_mime)
    # Covers are content-addressed: the same path never changes content.
    return cache_public(response, max_age=86400)


@require_safe
def artist(request: HttpRequest, artist_id: int) -> HttpResponse:
    try:
        obj = selectors.artist_detail(artist_id=artist_id)
    except Artist.DoesNotExist as exc:
        raise Http404("No such artist") from exc
    context = {"artist": obj, "releases": selectors.artist_releases(artist=obj)}
    return render(request, "storefront/artist.html", context)


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:200]
    results = selectors.catalog_search(query=query) if query.strip() else None
    template = (
        "storefront/_results.html" if request.GET.get("partial") else "storefront/search.html"
    )
    return render(request, template, {"query": query, "results": results})


@require_safe
def preview(request: HttpRequest, track_id: int) -> HttpResponse:
    """Stream a track's 30-second MP3 preview (encoded on first request, then cached)."""
    if not Track.objects.filter(pk=track_id).exists():
        raise Http404("No such track")
    try:
        stream = transcoding.preview_open(track_id=track_id)
    except EncoderBusy as exc:
        return too_many_requests(exc.retry_after, "Encoders are busy; try again shortly.")
    if stream.cached:
        response = FileResponse(open(stream.path, "rb"), content_type="audio/mpeg")  # noqa: SIM115
    else:
        response = StreamingHttpResponse(iter(stream), content_type="audio/mpeg")
    return cache_public(response, max_age=3600)
