"""Template filters for the storefront: thin wrappers over tunemeter.display."""

from __future__ import annotations

from django import template

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
