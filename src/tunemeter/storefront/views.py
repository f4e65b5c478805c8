"""Render the customer's catalog pages: home, release, artist and search."""

from __future__ import annotations

from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.views.decorators.http import require_safe

from tunemeter import storage
from tunemeter.catalog import selectors
from tunemeter.catalog.models import Artist, Release, Track, duration_display
from tunemeter.transcoding import services as transcoding
from tunemeter.transcoding.exceptions import EncoderBusy


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "storefront/home.html", {"releases": selectors.release_list(limit=48)})


@require_safe
def release(request: HttpRequest, release_id: int) -> HttpResponse:
    try:
        obj = selectors.release_detail(release_id=release_id)
    except Release.DoesNotExist as exc:
        raise Http404("No such release") from exc
    discs, length_ms = selectors.release_discs(release=obj)
    context = {"release": obj, "discs": discs, "total_length": duration_display(length_ms)}
    return render(request, "storefront/release.html", context)


@require_safe
def cover(request: HttpRequest, release_id: int) -> FileResponse:
    obj = Release.objects.filter(pk=release_id).only("cover_path", "cover_mime").first()
    if obj is None or not obj.cover_path:
        raise Http404("No cover")
    try:
        handle = open(storage.storage_path(obj.cover_path), "rb")  # noqa: SIM115 - FileResponse closes it
    except FileNotFoundError as exc:
        raise Http404("No cover") from exc
    response = FileResponse(handle, content_type=obj.cover_mime)
    # Covers are content-addressed: the same path never changes content.
    response["Cache-Control"] = "public, max-age=86400"
    return response


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
        response = HttpResponse("Encoders are busy; try again shortly.", status=429)
        response["Retry-After"] = str(exc.retry_after)
        return response
    if stream.cached:
        response = FileResponse(open(stream.path, "rb"), content_type="audio/mpeg")  # noqa: SIM115
    else:
        response = StreamingHttpResponse(iter(stream), content_type="audio/mpeg")
    response["Cache-Control"] = "public, max-age=3600"
    return response
