"""Turn price previews into what pages and the picker's JSON show, in the active locale."""

from __future__ import annotations

import logging

from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext as _

from tunemeter.catalog.models import Release, Track
from tunemeter.display import format_label, money_display, size_display
from tunemeter.pricing.exceptions import SizePending
from tunemeter.pricing.previews import PricePreview, price_preview
from tunemeter.transcoding.formats import FORMATS

logger = logging.getLogger(__name__)

DEFAULT_FORMAT = "mp3-320"


class Pending:
    """A preview whose sizes are being estimated in the background: show "calculating…"."""


PENDING = Pending()


def preview_or_none(
    *, customer, obj: Track | Release, format_id: str, estimate: bool = True
) -> PricePreview | Pending | None:
    """Return the price preview, PENDING while sizes are estimated (with estimate=False),
    or None when the size cannot be told (e.g. a missing master)."""
    try:
        return price_preview(customer=customer, obj=obj, format_id=format_id, estimate=estimate)
    except SizePending:
        return PENDING
    except (ObjectDoesNotExist, OSError, ValueError) as exc:
        logger.warning(
            "price preview failed kind=%s id=%s format=%s error=%s",
            type(obj).__name__.lower(),
            obj.pk,
            format_id,
            exc,
        )
        return None


def figures(preview: PricePreview | Pending | None, *, format_id: str, currency: str) -> dict:
    """Return a preview as display-ready figures (the picker's JSON and the page share it)."""
    row = {"id": format_id, "label": format_label(format_id)}
    if isinstance(preview, Pending):
        return {**row, "priced": False, "pending": True, "note": _("Calculating size and price…")}
    if preview is None:
        return {**row, "priced": False, "note": _("Size and price unavailable right now.")}
    if preview.owned:
        note = _("You own this in this format.")
    elif not preview.available:
        note = _("Not available in your country.")
    elif preview.credit_minor:
        note = _("You pay only the difference: %(amount)s already paid for another format.") % {
            "amount": money_display(preview.credit_minor, currency)
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
        # Never "$0.00" for what cannot be bought: the note says why instead.
        "price_display": money_display(preview.price_minor, currency) if preview.available else "",
        "discount_display": (
            money_display(preview.discount_minor, currency) if preview.discount_minor else ""
        ),
        "credit_minor": preview.credit_minor,
        "rate_minor_per_mb": preview.rate_minor_per_mb,
        "rate_display": _("%(rate)s per MB")
        % {"rate": money_display(preview.rate_minor_per_mb, currency)},
        "owned": preview.owned,
        "available": preview.available,
        "unavailable_reason": _(preview.unavailable_reason) if preview.unavailable_reason else "",
        "note": note,
    }


def covered_figures(row: dict, *, release: Release, currency: str) -> dict:
    """Return a track's figures when its release, in the same format, is bought too."""
    return {
        **row,
        "price_minor": 0,
        "price_display": money_display(0, currency),
        "covered": True,
        "note": _("Included in “%(release)s” in your cart: not charged twice.")
        % {"release": release.title},
    }


def chosen_format(value: str | None) -> str:
    """Return value when it names a format, else the default one."""
    return value if value in FORMATS else DEFAULT_FORMAT


def track_preview(
    *, line, format_id: str, territory: str | None, rate_minor_per_mb: int
) -> PricePreview:
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
        credit_minor=line.credit_minor,
        rate_minor_per_mb=rate_minor_per_mb,
    )
