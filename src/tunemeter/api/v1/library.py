"""Route the library: what the caller owns (entitlements) with fresh download links."""

from __future__ import annotations

from typing import Annotated

from ninja import Query, Router
from pydantic import Field

from tunemeter.api.v1.auth import scoped
from tunemeter.api.v1.pagination import DEFAULT_LIMIT, MAX_LIMIT, page
from tunemeter.api.v1.schemas import EntitlementPage, ErrorOut, OwnedOut
from tunemeter.delivery.links import track_link
from tunemeter.library.models import Entitlement
from tunemeter.library.selectors import entitlements_live, owned_formats

router = Router(tags=["library"], auth=scoped("read"))

TrackId = Annotated[int, Field(ge=1, le=2**63 - 1)]
TRACK_IDS = Query(..., max_length=100, description="up to 100 track ids")
ERRORS = {code: ErrorOut for code in (401, 403, 422, 429)}


@router.get(
    "/library",
    response={200: EntitlementPage, **ERRORS},
    summary="Your entitlements, each with a fresh signed download link",
)
def library_list(
    request,
    release_id: int | None = Query(None, ge=1, le=2**63 - 1),
    format: str | None = Query(None, max_length=20),
    cursor: str | None = Query(None, max_length=100),
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
):
    qs = entitlements_live(customer=request.auth, release_id=release_id, format_id=format)

    def render(e: Entitlement) -> dict:
        return {
            "id": e.pk,
            "track_id": e.track_id,
            "track_title": e.track.title,
            "artist": e.track.artist.name,
            "release_id": e.track.release_id,
            "release_title": e.track.release.title,
            "format": e.format_id,
            "order_id": e.order_id,
            "created_at": e.created_at,
            "download_url": request.build_absolute_uri(track_link(e)),
        }

    return page(qs, cursor=cursor, limit=limit, render=render)


@router.get(
    "/library/owned",
    response={200: list[OwnedOut], **ERRORS},
    summary="The formats you own of some tracks",
)
def library_owned(request, track_id: list[TrackId] = TRACK_IDS):
    owned = owned_formats(customer=request.auth, track_ids=track_id)
    return [{"track_id": t, "formats": sorted(owned.get(t, ()))} for t in track_id]
