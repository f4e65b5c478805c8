"""Keep the buyer's cart in the session: tracks or releases, each in a format.

The cart holds only choices, never prices: prices are read fresh (pricing.previews)
each time the cart is shown and locked by a quote at checkout. It lives in the
session, so a visitor can fill it before signing in (login keeps the session data).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from tunemeter.catalog.models import Release, Track
from tunemeter.transcoding.formats import FORMATS

logger = logging.getLogger(__name__)

SESSION_KEY = "cart"
KINDS = ("track", "release")


class CartError(ValueError):
    """A cart change that cannot be made (unknown item, format or kind)."""


@dataclass(frozen=True)
class CartItem:
    """One cart entry: a track or a release (kind, id) in a format."""

    kind: str
    object_id: int
    format_id: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.object_id}:{self.format_id}"


def cart_items(*, session) -> list[CartItem]:
    """Return the cart's items in the order they were added."""
    items = []
    for raw in session.get(SESSION_KEY, []):
        try:
            item = CartItem(str(raw[0]), int(raw[1]), str(raw[2]))
        except (TypeError, ValueError, IndexError):
            continue
        if item.kind in KINDS and item.format_id in FORMATS:
            items.append(item)
    return items


def cart_objects(*, items: list[CartItem]) -> dict[str, Track | Release]:
    """Return the catalog object of every item that still exists, by item key."""
    track_ids = [i.object_id for i in items if i.kind == "track"]
    release_ids = [i.object_id for i in items if i.kind == "release"]
    tracks = Track.objects.select_related("release", "artist").in_bulk(track_ids)
    releases = Release.objects.select_related("artist").in_bulk(release_ids)
    found = {}
    for item in items:
        obj = (tracks if item.kind == "track" else releases).get(item.object_id)
        if obj is not None:
            found[item.key] = obj
    return found


def _save(session, items: list[CartItem]) -> None:
    unique: dict[str, CartItem] = {}
    for item in items:
        unique.setdefault(item.key, item)
    session[SESSION_KEY] = [[i.kind, i.object_id, i.format_id] for i in unique.values()]


def _checked(kind: str, object_id: int, format_id: str) -> CartItem:
    if kind not in KINDS:
        raise CartError(_("Unknown item kind."))
    if format_id not in FORMATS:
        raise CartError(_("Unknown format."))
    model = Track if kind == "track" else Release
    if not model.objects.filter(pk=object_id).exists():
        raise CartError(_("That item is no longer in the catalog."))
    return CartItem(kind, int(object_id), format_id)


def cart_add(*, session, kind: str, object_id: int, format_id: str) -> CartItem:
    """Add a track or release in a format (adding it twice keeps one)."""
    item = _checked(kind, object_id, format_id)
    items = cart_items(session=session)
    if len(items) >= settings.QUOTE_MAX_ITEMS and item not in items:
        raise CartError(
            _("A cart holds at most %(count)d items.") % {"count": settings.QUOTE_MAX_ITEMS}
        )
    _save(session, [*items, item])
    logger.info("cart add item=%s", item.key)
    return item


def cart_change_format(*, session, key: str, format_id: str) -> CartItem:
    """Put another format on an item, in place (merging with an identical item)."""
    items = cart_items(session=session)
    for index, item in enumerate(items):
        if item.key == key:
            changed = _checked(item.kind, item.object_id, format_id)
            items[index] = changed
            _save(session, items)
            return changed
    raise CartError(_("That item is no longer in your cart."))


def cart_remove(*, session, keys: list[str]) -> None:
    """Remove items by key; keys not in the cart are ignored."""
    _save(session, [i for i in cart_items(session=session) if i.key not in set(keys)])


def cart_clear(*, session) -> None:
    session[SESSION_KEY] = []
