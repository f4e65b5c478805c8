"""Format the portal's royalty figures for the active locale, and link to the portal.

Royalties are micro-units: a share of a cheap track is often a fraction of a cent, so
`micro_money` shows the exact amount (at least the currency's decimals, more only when
there are sub-unit digits) in the store's money style. The formatting is
tunemeter.display's; these are thin filters.
"""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.formats import number_format
from django_countries import countries

from tunemeter.display import micro_display
from tunemeter.portal.selectors import portal_access

register = template.Library()


@register.filter(name="micro_money")
def micro_money_filter(amount_micro, currency=None) -> str:
    """{{ row.amount_micro|micro_money }}."""
    if amount_micro in (None, ""):
        return ""
    return micro_display(int(amount_micro), currency)


@register.filter(name="count")
def count_filter(value) -> str:
    """{{ n|count }}: a whole number with the locale's digit grouping."""
    return number_format(int(value or 0), force_grouping=True)


@register.filter(name="bps")
def bps_filter(value) -> str:
    """{{ deal.sr_share_bps|bps }}: basis points as a percentage, 70.00%."""
    return number_format(Decimal(int(value or 0)) / 100, 2) + "%"


@register.filter(name="country_name")
def country_name_filter(code) -> str:
    """{{ "DE"|country_name }}: the country's name in the active language, else the code."""
    return str(countries.name(code)) or str(code)


@register.inclusion_tag("portal/_nav_link.html", takes_context=True)
def portal_nav_link(context) -> dict:
    """{% portal_nav_link %}: the header's portal link, for users attached to a holder."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None:
        return {"show": False}
    # Asked once per request: the header is on every page.
    if not hasattr(request, "_portal_access"):
        request._portal_access = portal_access(user=user)
    return {"show": request._portal_access}
