"""Template filters for the storefront: thin wrappers over tunemeter.display."""

from __future__ import annotations

from datetime import UTC

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _

from tunemeter.display import format_label, money_display, size_display
from tunemeter.shop.cart import cart_items

register = template.Library()


@register.filter(name="money")
def money_filter(amount_minor, currency=None) -> str:
    """{{ amount_minor|money }} or {{ amount_minor|money:order.currency }}."""
    if amount_minor in (None, ""):
        return ""
    return money_display(int(amount_minor), currency)


@register.filter(name="size_mb")
def size_filter(size_bytes, exact=True) -> str:
    """{{ item.size_bytes|size_mb:item.exact }}."""
    if size_bytes in (None, ""):
        return ""
    return size_display(int(size_bytes), bool(exact))


@register.filter(name="format_label")
def format_label_filter(format_id) -> str:
    """{{ item.format_id|format_label }}."""
    return format_label(str(format_id))


@register.simple_tag(takes_context=True)
def cart_count(context) -> int:
    """{% cart_count as n %}: how many items the visitor's cart holds."""
    request = context.get("request")
    return len(cart_items(session=request.session)) if request is not None else 0


@register.filter(name="when")
def when(value, style: str = "datetime"):
    """Write a moment with its zone shown; the browser rewrites it in the visitor's zone.

    The server writes UTC and says so ("29 Nov 2026, 20:31 UTC"); store.js replaces the
    text with the same moment in the buyer's own zone, named (Intl.DateTimeFormat).
    """
    if not value:
        return ""
    moment = timezone.localtime(value, UTC)
    text = date_format(moment, "TIME_FORMAT" if style == "time" else "DATETIME_FORMAT")
    return format_html(
        '<time datetime="{}" data-local="{}">{} UTC</time>',
        moment.isoformat().replace("+00:00", "Z"),
        style,
        text,
    )


@register.filter(name="translated")
def translated(value: str) -> str:
    """Translate a message stored in English (e.g. a sale-gate reason) when shown."""
    return _(value) if value else value
