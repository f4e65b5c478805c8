"""Read the shop: a customer's orders."""

from __future__ import annotations

from django.db.models import QuerySet

from tunemeter.shop.models import Order


def orders_of(*, customer) -> QuerySet[Order]:
    """Return the customer's orders."""
    return Order.objects.filter(customer=customer)
