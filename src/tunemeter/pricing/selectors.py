"""Read pricing: a customer's quote with its items. Selectors only read."""

from __future__ import annotations

from django.db.models import Prefetch

from tunemeter.pricing.models import Quote, QuoteItem


def quote_detail(*, customer, quote_id) -> Quote | None:
    """Return one of the customer's quotes with its items (and their tracks), or None."""
    items = QuoteItem.objects.select_related(
        "track__artist", "track__release", "release__artist"
    ).order_by("position")
    return (
        Quote.objects.filter(pk=quote_id, customer=customer)
        .prefetch_related(Prefetch("items", queryset=items))
        .first()
    )
