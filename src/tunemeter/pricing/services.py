"""Make quotes: sizes (exact or estimated) and prices locked for a customer for 15 minutes."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import cast

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tunemeter.catalog.models import Release, Track
from tunemeter.customers.selectors import customer_evidence
from tunemeter.pricing.exceptions import PricingError
from tunemeter.pricing.models import Quote, QuoteItem, QuoteLine
from tunemeter.pricing.previews import price_preview
from tunemeter.tax.rules import tax_rule_for_evidence
from tunemeter.transcoding.formats import FORMATS

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Item:
    """A quote request line: a track or a release, in a format."""

    obj: Track | Release
    format_id: str


def quote_create(*, customer, items: list[Item] | list[tuple]) -> Quote:
    """Price items for a customer: sizes, owned items at 0, availability, tax; valid 15 minutes.

    Tax is computed per item under the buyer's country's rule (tunemeter.tax.rules): the
    listed price includes it where the law requires, else it is added to the total.
    """
    items = [i if isinstance(i, Item) else Item(*i) for i in items]
    if not items:
        raise PricingError("nothing to quote")
    # Bounded before any work: one quote is one short write transaction, never minutes.
    if len(items) > settings.QUOTE_MAX_ITEMS:
        raise PricingError(f"a quote holds at most {settings.QUOTE_MAX_ITEMS} items")
    now = timezone.now()
    planned = []
    tracks = 0
    for item in items:
        if item.format_id not in FORMATS:
            raise PricingError(f"unknown format {item.format_id!r}")
        preview = price_preview(customer=customer, obj=item.obj, format_id=item.format_id, at=now)
        tracks += len(preview.lines)
        if tracks > settings.QUOTE_MAX_TRACKS:
            raise PricingError(f"a quote holds at most {settings.QUOTE_MAX_TRACKS} tracks")
        planned.append((item, preview))
    declared, card = customer_evidence(user=customer)
    rule = tax_rule_for_evidence(declared=declared, card=card, on=timezone.localdate(now))
    # Per item: (net, tax, gross); an item not for sale is priced at 0 and taxed at 0.
    splits = [rule.split(p.price_minor if p.available else 0) for _, p in planned]
    with transaction.atomic():
        quote = Quote.objects.create(
            customer=customer,
            currency=settings.STORE_CURRENCY,
            territory=declared,
            card_country=card if card != declared else "",
            total_minor=sum(gross for _, _, gross in splits),
            tax_country=rule.country,
            tax_rate_bps=rule.rate_bps,
            tax_inclusive=rule.inclusive,
            tax_minor=sum(tax for _, tax, _ in splits),
            created_at=now,
            expires_at=now + timedelta(seconds=settings.QUOTE_TTL_SECONDS),
        )
        for position, ((item, preview), (_, tax, _)) in enumerate(
            zip(planned, splits, strict=True)
        ):
            quote_item = QuoteItem.objects.create(
                quote=quote,
                position=position,
                track=item.obj if isinstance(item.obj, Track) else None,
                release=item.obj if isinstance(item.obj, Release) else None,
                format_id=item.format_id,
                size_bytes=preview.size_bytes,
                exact=preview.exact,
                discount_minor=preview.discount_minor,
                price_minor=preview.price_minor,
                tax_minor=tax,
                owned=preview.owned,
                available=preview.available,
                unavailable_reason=preview.unavailable_reason,
                floor_minor=preview.floor_minor,
                raised_minor=preview.raised_minor,
            )
            QuoteLine.objects.bulk_create(
                QuoteLine(
                    item=quote_item,
                    track_id=line.track_id,
                    size_bytes=line.size_bytes,
                    exact=line.exact,
                    price_minor=line.price_minor,
                    owned=line.owned,
                )
                for line in preview.lines
            )
    for item, preview in planned:
        if preview.raised_minor:
            logger.info(
                "quote price raised to deal floor quote=%s format=%s raised=%d floor=%d",
                quote.pk, item.format_id, preview.raised_minor, preview.floor_minor,
            )  # fmt: skip
    logger.info(
        "quote created id=%s customer=%s total=%d", quote.pk, customer.pk, quote.total_minor
    )
    return quote


def quote_refresh(*, quote: Quote) -> Quote:
    """Return a new quote for the same items at today's sizes and prices."""
    items = [
        Item(cast("Track | Release", item.track or item.release), item.format_id)
        for item in quote.items.select_related("track", "release")
    ]
    return quote_create(customer=quote.customer, items=items)
