"""Route the catalog: formats, genres, artists, releases, tracks, search — with offers.

Public: anyone may read the catalog. With credentials, each track's and release's offers
(every format's size — exact or estimated, flagged — and price) say what the caller owns
and whether the sale gate lets them buy it in their territory, and why not.
"""

from __future__ import annotations

import logging

from django.conf import settings
from ninja import Path, Query, Router

from tunemeter.api.v1.auth import customer_of, public
from tunemeter.api.v1.errors import ApiError
from tunemeter.api.v1.pagination import DEFAULT_LIMIT, MAX_LIMIT, page
from tunemeter.api.v1.schemas import (
    ArtistOut,
    ArtistPage,
    ErrorOut,
    FormatOut,
    GenreOut,
    ReleaseOut,
    ReleasePage,
    SearchOut,
    TrackOut,
    TrackPage,
)
from tunemeter.catalog.models import Artist, Release, Track
from tunemeter.catalog.selectors import (
    artist_detail,
    artists_filtered,
    catalog_search,
    genre_list,
    release_detail,
    releases_filtered,
    track_detail,
    tracks_filtered,
)
from tunemeter.pricing.figures import preview_or_none
from tunemeter.pricing.rates import rate_minor_per_mb
from tunemeter.transcoding.exceptions import EncoderBusy, RenderError
from tunemeter.transcoding.formats import FORMATS, LOSSLESS

logger = logging.getLogger(__name__)

router = Router(tags=["catalog"], auth=public())

ERRORS = {code: ErrorOut for code in (400, 401, 403, 404, 422, 429)}
Limit = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
MAX_ID = 2**63 - 1


def artist_out(artist: Artist) -> dict:
    return {"id": artist.pk, "name": artist.name, "sort_name": artist.sort_name}


def release_brief(release: Release) -> dict:
    return {
        "id": release.pk,
        "title": release.title,
        "artist": artist_out(release.artist),
        "release_date": release.release_date,
        "label": release.label,
        "is_compilation": release.is_compilation,
        "upc": release.upc,
        "genres": [g.name for g in release.genres.all()],
    }


def track_brief(track: Track) -> dict:
    return {
        "id": track.pk,
        "title": track.title,
        "artist": artist_out(track.artist),
        "release_id": track.release_id,
        "release_title": track.release.title,
        "disc_number": track.disc_number,
        "position": track.position,
        "isrc": track.isrc,
        "length_ms": track.length_ms,
    }


def offers(*, customer, obj: Track | Release) -> list[dict]:
    """Return every format's size and price for the caller, with whether they may buy it."""
    out = []
    for format_id in FORMATS:
        try:
            p = preview_or_none(customer=customer, obj=obj, format_id=format_id)
        except (RenderError, EncoderBusy) as exc:
            # Every encoder busy, or the master unreadable: no size yet, so no price either.
            logger.warning("offer unpriced format=%s obj=%s error=%s", format_id, obj.pk, exc)
            p = None
        if p is None:
            out.append(_unpriced(format_id, customer))
            continue
        if customer is None:
            why_not = "sign in: what you may buy depends on your country"
        elif p.owned:
            why_not = "you already own this in this format"
        elif not p.available:
            why_not = p.unavailable_reason
        else:
            why_not = ""
        out.append(
            {
                "format": format_id,
                "size_bytes": p.size_bytes,
                "size_exact": p.exact,
                "price_minor": p.price_minor,
                "discount_minor": p.discount_minor,
                "currency": settings.STORE_CURRENCY,
                "owned": p.owned,
                "can_buy": not why_not,
                "why_not": why_not,
                "territory": p.territory,
            }
        )
    return out


def _unpriced(format_id: str, customer) -> dict:
    return {
        "format": format_id,
        "size_bytes": None,
        "size_exact": False,
        "price_minor": None,
        "discount_minor": 0,
        "currency": settings.STORE_CURRENCY,
        "owned": False,
        "can_buy": False,
        "why_not": "the size (and so the price) is not known yet; try again shortly",
        "territory": None,
    }


@router.get(
    "/formats", response={200: list[FormatOut], **ERRORS}, summary="Formats and their rates per MB"
)
def formats_list(request):
    return [
        {
            "id": f.id,
            "label": f.label,
            "mode": f.mode,
            "extension": f.extension,
            "mime_type": f.mime_type,
            "lossless": f.mode == LOSSLESS,
            "rate_minor_per_mb": rate_minor_per_mb(f.id),
        }
        for f in FORMATS.values()
    ]


@router.get("/genres", response={200: list[GenreOut], **ERRORS}, summary="Genres")
def genres_list(request):
    return [{"id": g.pk, "name": g.name} for g in genre_list()]


@router.get(
    "/search", response={200: SearchOut, **ERRORS}, summary="Search artists, releases and tracks"
)
def search(
    request, q: str = Query(..., min_length=1, max_length=200), limit: int = Query(10, ge=1, le=50)
):
    found = catalog_search(query=q, limit=limit)
    return {
        "artists": [artist_out(a) for a in found.artists],
        "releases": [release_brief(r) for r in found.releases],
        "tracks": [track_brief(t) for t in found.tracks],
    }


@router.get("/artists", response={200: ArtistPage, **ERRORS}, summary="Artists (cursor pages)")
def artists_list(
    request,
    name: str | None = Query(None, max_length=200, description="part of the name"),
    cursor: str | None = Query(None, max_length=100),
    limit: int = Limit,
):
    qs = artists_filtered(name=name)
    return page(qs, cursor=cursor, limit=limit, render=artist_out)


@router.get("/artists/{artist_id}", response={200: ArtistOut, **ERRORS}, summary="One artist")
def artists_get(request, artist_id: int = Path(..., ge=1, le=MAX_ID)):
    try:
        return artist_out(artist_detail(artist_id=artist_id))
    except Artist.DoesNotExist:
        raise ApiError(404, "no such artist") from None


@router.get(
    "/releases", response={200: ReleasePage, **ERRORS}, summary="Releases (cursor pages, filters)"
)
def releases_list(
    request,
    artist_id: int | None = Query(None, ge=1, le=MAX_ID),
    genre: str | None = Query(None, max_length=100),
    label: str | None = Query(None, max_length=300),
    cursor: str | None = Query(None, max_length=100),
    limit: int = Limit,
):
    qs = releases_filtered(artist_id=artist_id, genre=genre, label=label)
    return page(qs, cursor=cursor, limit=limit, render=release_brief)


@router.get(
    "/releases/{release_id}",
    response={200: ReleaseOut, **ERRORS},
    summary="One release, with offers",
)
def releases_get(request, release_id: int = Path(..., ge=1, le=MAX_ID)):
    try:
        release = release_detail(release_id=release_id)
    except Release.DoesNotExist:
        raise ApiError(404, "no such release") from None
    body = release_brief(release)
    body["tracks"] = [track_brief(t) for t in release.tracks.all()]
    body["offers"] = offers(customer=customer_of(request), obj=release)
    return body


@router.get(
    "/tracks", response={200: TrackPage, **ERRORS}, summary="Tracks (cursor pages, filters)"
)
def tracks_list(
    request,
    release_id: int | None = Query(None, ge=1, le=MAX_ID),
    artist_id: int | None = Query(None, ge=1, le=MAX_ID),
    isrc: str | None = Query(None, max_length=12),
    cursor: str | None = Query(None, max_length=100),
    limit: int = Limit,
):
    qs = tracks_filtered(release_id=release_id, artist_id=artist_id, isrc=isrc)
    return page(qs, cursor=cursor, limit=limit, render=track_brief)


@router.get(
    "/tracks/{track_id}", response={200: TrackOut, **ERRORS}, summary="One track, with offers"
)
def tracks_get(request, track_id: int = Path(..., ge=1, le=MAX_ID)):
    track = track_detail(track_id=track_id)
    if track is None:
        raise ApiError(404, "no such track")
    body = track_brief(track)
    body["offers"] = offers(customer=customer_of(request), obj=track)
    return body
