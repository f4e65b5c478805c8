"""Make quotes: sizes (exact or estimated) and prices locked for a customer for 15 minutes."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tunemeter.catalog.models import Release, Track
from tunemeter.customers.selectors import customer_territory
from tunemeter.pricing import rates
from tunemeter.pricing.exceptions import PricingError
from tunemeter.pricing.models import Quote, QuoteItem, QuoteLine
from tunemeter.shop.gate import sale_gate
from tunemeter.shop.selectors import owned_formats
from tunemeter.transcoding.formats import FORMATS
from tunemeter.transcoding.sizing import rendition_size

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Item:
    """A quote request line: a track or a release, in a format."""

    obj: Track | Release
    format_id: str


def quote_create(*, customer, items: list[Item] | list[tuple]) -> Quote:
    """Price items for a customer: sizes, owned items at 0, availability; valid 15 minutes."""
    items = [i if isinstance(i, Item) else Item(*i) for i in items]
    if not items:
        raise PricingError("nothing to quote")
    now = timezone.now()
    territory = customer_territory(user=customer)
    currency = settings.STORE_CURRENCY
    planned = []
    for item in items:
        if item.format_id not in FORMATS:
            raise PricingError(f"unknown format {item.format_id!r}")
        tracks = (
            [item.obj]
            if isinstance(item.obj, Track)
            else list(item.obj.tracks.order_by("disc_number", "position"))
        )
        owned = owned_formats(customer=customer, track_ids=[t.pk for t in tracks])
        rate = rates.rate_minor_per_mb(item.format_id)
        lines, reasons = [], []
        for track in tracks:
            size, exact = rendition_size(track_id=track.pk, format_id=item.format_id)
            is_owned = item.format_id in owned.get(track.pk, ())
            price = 0 if is_owned else rates.track_price_minor(size_bytes=size, rate=rate)
            lines.append((track, size, exact, price, is_owned))
            if (reason := sale_gate(track=track, territory=territory, at=now)) is not None:
                reasons.append(reason)
        subtotal = sum(line[3] for line in lines)
        percent = (
            rates.release_discount_percent(item.obj.pk) if isinstance(item.obj, Release) else 0
        )
        discount = rates.discount_minor(subtotal, percent)
        planned.append((item, lines, subtotal - discount, discount, reasons))
    total = sum(price for _, _, price, _, reasons in planned if not reasons)
    with transaction.atomic():
        quote = Quote.objects.create(
            customer=customer,
            currency=currency,
            territory=territory,
            total_minor=total,
            created_at=now,
            expires_at=now + timedelta(seconds=settings.QUOTE_TTL_SECONDS),
        )
        for position, (item, lines, price, discount, reasons) in enumerate(planned):
            quote_item = QuoteItem.objects.create(
                quote=quote,
                position=position,
                track=item.obj if isinstance(item.obj, Track) else None,
                release=item.obj if isinstance(item.obj, Release) else None,
                format_id=item.format_id,
                size_bytes=sum(line[1] for line in lines),
                exact=all(line[2] for line in lines),
                discount_minor=discount,
                price_minor=price if not reasons else 0,
                owned=all(line[4] for line in lines),
                available=not reasons,
                unavailable_reason=reasons[0] if reasons else "",
            )
            QuoteLine.objects.bulk_create(
                QuoteLine(item=quote_item, track=t, size_bytes=s, exact=e, price_minor=p, owned=o)
                for t, s, e, p, o in lines
            )
    logger.info("quote created id=%s customer=%s total=%d", quote.pk, customer.pk, total)
    return quote


def quote_refresh(*, quote: Quote) -> Quote:
    """Return a new quote for the same items at today's sizes and prices."""
    items = [
        Item(item.track or item.release, item.format_id)
        for item in quote.items.select_related("track", "release")
    ]
    return quote_create(customer=quote.customer, items=items)
