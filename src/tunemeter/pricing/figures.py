"""Turn price previews into what pages and the picker's JSON show, in the active locale."""

from __future__ import annotations

import logging

from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext as _

from tunemeter.catalog.models import Release, Track
from tunemeter.display import format_label, money_display, size_display
from tunemeter.pricing.previews import PricePreview, price_preview
from tunemeter.transcoding.formats import FORMATS

logger = logging.getLogger(__name__)

DEFAULT_FORMAT = "mp3-320"


def preview_or_none(*, customer, obj: Track | Release, format_id: str) -> PricePreview | None:
    """Return the price preview, or None when the size cannot be told (e.g. a missing master)."""
    try:
        return price_preview(customer=customer, obj=obj, format_id=format_id)
    except (ObjectDoesNotExist, OSError, ValueError) as exc:
        logger.warning(
            "price preview failed kind=%s id=%s format=%s error=%s",
            type(obj).__name__.lower(),
            obj.pk,
            format_id,
            exc,
        )
        return None


def figures(preview: PricePreview | None, *, format_id: str, currency: str) -> dict:
    """Return a preview as display-ready figures (the picker's JSON and the page share it)."""
    row = {"id": format_id, "label": format_label(format_id)}
    if preview is None:
        return {**row, "priced": False, "note": _("Size and price unavailable right now.")}
    if preview.owned:
        note = _("You own this in this format.")
    elif not preview.available:
        note = _("Not for sale in your country: %(reason)s") % {
            "reason": preview.unavailable_reason
        }
    elif any(line.owned for line in preview.lines):
        note = _("Tracks you already own in this format are free.")
    else:
        note = ""
    return {
        **row,
        "priced": True,
        "size_bytes": preview.size_bytes,
        "exact": preview.exact,
        "size_display": size_display(preview.size_bytes, preview.exact),
        "price_minor": preview.price_minor,
        "discount_minor": preview.discount_minor,
        "price_display": money_display(preview.price_minor, currency),
        "discount_display": (
            money_display(preview.discount_minor, currency) if preview.discount_minor else ""
        ),
        "owned": preview.owned,
        "available": preview.available,
        "unavailable_reason": preview.unavailable_reason,
        "note": note,
    }


def chosen_format(value: str | None) -> str:
    """Return value when it names a format, else the default one."""
    return value if value in FORMATS else DEFAULT_FORMAT


def track_preview(*, line, format_id: str, territory: str | None) -> PricePreview:
    """Return a track's own preview from its line in a release preview (same figures)."""
    return PricePreview(
        format_id=format_id,
        size_bytes=line.size_bytes,
        exact=line.exact,
        price_minor=0 if line.unavailable_reason is not None else line.price_minor,
        discount_minor=0,
        owned=line.owned,
        available=line.unavailable_reason is None,
        unavailable_reason=line.unavailable_reason or "",
        territory=territory,
        lines=[line],
    )
