"""Read a customer's orders and receipts: what was bought, in which format, size and price."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from tunemeter.pricing.models import QuoteItem
from tunemeter.shop.models import Order


def order_list(*, customer) -> QuerySet[Order]:
    """Return the customer's orders, newest first, each with its item count."""
    return Order.objects.filter(customer=customer).annotate(item_count=Count("quote__items"))


def order_receipt(*, customer, order_id: int) -> tuple[Order, list[QuoteItem]]:
    """Return one of the customer's orders and its items (with tracks per item).

    Raise Order.DoesNotExist for an order that is not theirs.
    """
    order = Order.objects.select_related("quote").get(pk=order_id, customer=customer)
    items = list(
        QuoteItem.objects.filter(quote_id=order.quote_id)
        .select_related("track__artist", "track__release", "release__artist")
        .prefetch_related("lines__track")
        .order_by("position")
    )
    return order, items


def order_for_quote(*, customer, quote_id) -> Order | None:
    """Return the customer's order that paid this quote, if any."""
    return Order.objects.filter(customer=customer, quote_id=quote_id).first()
