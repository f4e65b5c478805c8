"""Seal and check download links: encrypted, then signed, with an owner and an expiry.

A link works without a session (download managers, curl); the library page issues
fresh ones at any time; track_link and release_link issue them for what was bought.
Its payload is encrypted (an HMAC-SHA256 keystream under a key derived from
SECRET_KEY, a random nonce per link) and then signed, so a link shows no customer,
order or entitlement id; it carries a stamp of the owner's password hash, so
changing the password revokes every link issued before. Log lines never show a
whole token (observability/logs.py).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.urls import reverse
from django.utils.crypto import salted_hmac

from tunemeter.delivery.names import safe_filename, track_filename
from tunemeter.library.models import Entitlement
from tunemeter.transcoding.formats import FORMATS

SALT = "tunemeter.delivery.link"
_NONCE_BYTES = 12


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
    owner_stamp: str = ""


def link_owner_stamp(user) -> str:
    """Return a stamp of the user's password hash: it changes when the password does."""
    return salted_hmac(f"{SALT}.owner", user.password).hexdigest()[:16]


def _keystream(nonce: bytes, length: int) -> bytes:
    key = salted_hmac(f"{SALT}.seal", "key").digest()
    blocks = (length + 31) // 32
    stream = b"".join(
        hmac.new(key, nonce + i.to_bytes(4, "big"), hashlib.sha256).digest() for i in range(blocks)
    )
    return stream[:length]


def _xor(data: bytes, nonce: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(data, _keystream(nonce, len(data)), strict=True))


def _seal(payload: dict) -> str:
    plain = json.dumps(payload, separators=(",", ":")).encode()
    nonce = secrets.token_bytes(_NONCE_BYTES)
    sealed = base64.urlsafe_b64encode(nonce + _xor(plain, nonce)).rstrip(b"=").decode()
    return signing.Signer(salt=SALT).sign(sealed)


def _open(token: str) -> dict:
    sealed = signing.Signer(salt=SALT).unsign(token)  # BadSignature first: encrypt-then-MAC
    try:
        raw = base64.urlsafe_b64decode(sealed + "=" * (-len(sealed) % 4))
        return json.loads(_xor(raw[_NONCE_BYTES:], raw[:_NONCE_BYTES]))
    except (binascii.Error, ValueError) as exc:
        raise signing.BadSignature("unreadable link") from exc


def link_sign(
    *,
    customer_id: int,
    entitlement_id: int | None = None,
    order_id: int | None = None,
    release_id: int | None = None,
    format_id: str | None = None,
    ttl_seconds: int | None = None,
    owner_stamp: str = "",
) -> str:
    """Return a sealed token for one entitlement, or for one release zip of an order."""
    ttl = ttl_seconds if ttl_seconds is not None else settings.LINK_TTL_SECONDS
    payload = {"c": customer_id, "x": int(time.time()) + ttl, "v": owner_stamp}
    if entitlement_id is not None:
        payload["e"] = entitlement_id
    else:
        payload.update({"o": order_id, "r": release_id, "f": format_id})
    return _seal(payload)


def link_verify(token: str) -> Link:
    """Return the link a token carries; raise LinkInvalid or LinkExpired."""
    try:
        payload = _open(token)
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
        owner_stamp=payload.get("v") or "",
    )


def _owner(customer_id: int, owner):
    return owner if owner is not None else get_user_model().objects.get(pk=customer_id)


def track_link(entitlement: Entitlement, *, owner=None) -> str:
    """Return a fresh signed URL for an entitlement (named from the catalog, no render job).

    `owner` (the entitlement's customer) saves a query when the caller has it.
    """
    owner = _owner(entitlement.customer_id, owner)
    token = link_sign(
        customer_id=entitlement.customer_id,
        entitlement_id=entitlement.pk,
        owner_stamp=link_owner_stamp(owner),
    )
    track = entitlement.track
    name = track_filename(
        position=track.position,
        artist=track.artist.name,
        title=track.title,
        extension=FORMATS[entitlement.format_id].extension,
    )
    return reverse("delivery:track", args=[token, name])


def release_link(*, customer_id: int, order_id: int, release, format_id: str, owner=None) -> str:
    """Return a fresh signed URL for the zip of a release bought in an order."""
    token = link_sign(
        customer_id=customer_id,
        order_id=order_id,
        release_id=release.pk,
        format_id=format_id,
        owner_stamp=link_owner_stamp(_owner(customer_id, owner)),
    )
    return reverse("delivery:release", args=[token, safe_filename(f"{release.title}.zip")])
