"""Sign and check download links: HMAC with their own salt, an owner and an expiry.

A link works without a session (download managers, curl); the library page issues
fresh ones at any time; track_link and release_link issue them for what was bought.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse

from tunemeter.delivery.names import safe_filename, track_filename
from tunemeter.library.models import Entitlement
from tunemeter.transcoding.formats import FORMATS

SALT = "tunemeter.delivery.link"


class LinkInvalid(Exception):
    """Forged or altered link."""


class LinkExpired(Exception):
    """A genuine link past its expiry; `payload` says whose it was."""

    def __init__(self, payload: dict) -> None:
        super().__init__("this link has expired")
        self.payload = payload


@dataclass(frozen=True)
class Link:
    customer_id: int
    entitlement_id: int | None = None
    order_id: int | None = None
    release_id: int | None = None
    format_id: str | None = None
    expires_at: int = 0


def link_sign(
    *,
    customer_id: int,
    entitlement_id: int | None = None,
    order_id: int | None = None,
    release_id: int | None = None,
    format_id: str | None = None,
    ttl_seconds: int | None = None,
) -> str:
    """Return a signed token for one entitlement, or for one release zip of an order."""
    ttl = ttl_seconds if ttl_seconds is not None else settings.LINK_TTL_SECONDS
    payload = {"c": customer_id, "x": int(time.time()) + ttl}
    if entitlement_id is not None:
        payload["e"] = entitlement_id
    else:
        payload.update({"o": order_id, "r": release_id, "f": format_id})
    return signing.dumps(payload, salt=SALT, compress=False)


def link_verify(token: str) -> Link:
    """Return the link a token carries; raise LinkInvalid or LinkExpired."""
    try:
        payload = signing.loads(token, salt=SALT)
    except signing.BadSignature as exc:
        raise LinkInvalid("this link is not valid") from exc
    if not isinstance(payload, dict) or "c" not in payload or "x" not in payload:
        raise LinkInvalid("this link is not valid")
    if payload["x"] < time.time():
        raise LinkExpired(payload)
    return Link(
        customer_id=payload["c"],
        entitlement_id=payload.get("e"),
        order_id=payload.get("o"),
        release_id=payload.get("r"),
        format_id=payload.get("f"),
        expires_at=payload["x"],
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
