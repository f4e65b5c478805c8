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
from tunemeter.ledger.units import largest_remainder
from tunemeter.pricing.exceptions import PricingError
from tunemeter.pricing.models import Quote, QuoteItem, QuoteLine
from tunemeter.pricing.previews import price_preview
from tunemeter.pricing.selectors import covering
from tunemeter.tax.rules import tax_rule_for_evidence
from tunemeter.transcoding.formats import FORMATS

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Item:
    """A quote request line: a track or a release, in a format."""

    obj: Track | Release
    format_id: str


def _merged(items: list[Item]) -> list[Item]:
    """Return items without repeats (the same track or release in the same format twice)."""
    seen: set[tuple[str, int, str]] = set()
    unique = []
    for item in items:
        key = (type(item.obj).__name__, item.obj.pk, item.format_id)
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique


def _paid_shares(preview) -> dict[int, int]:
    """Return each line's share of the item's price, by its own price (largest remainder)."""
    weights = [(line.track_id, line.price_minor) for line in preview.lines if not line.owned]
    if preview.price_minor <= 0 or sum(w for _, w in weights) <= 0:
        return {line.track_id: 0 for line in preview.lines}
    # The keys are the weights' keys: track ids.
    return cast("dict[int, int]", largest_remainder(preview.price_minor, list(weights)))


def quote_create(*, customer, items: list[Item] | list[tuple]) -> Quote:
    """Price items for a customer: sizes, owned items at 0, availability, tax; valid 15 minutes.

    The same item asked twice is quoted once; a track whose release is in the quote in
    the same format is covered by it (priced at 0, pointing at the release's item), so
    nothing is charged, accrued or granted twice. Another format of a track the buyer
    paid for costs what UPGRADE_POLICY says (by default the difference, never below 0).
    Tax is computed per item under the buyer's country's rule (tunemeter.tax.rules): the
    listed price includes it where the law requires, else it is added to the total.
    """
    # Bounded before any work: one quote is one short write transaction, never minutes.
    if len(items) > settings.QUOTE_MAX_ITEMS:
        raise PricingError(f"a quote holds at most {settings.QUOTE_MAX_ITEMS} items")
    items = _merged([i if isinstance(i, Item) else Item(*i) for i in items])
    if not items:
        raise PricingError("nothing to quote")
    for item in items:
        if item.format_id not in FORMATS:
            raise PricingError(f"unknown format {item.format_id!r}")
    now = timezone.now()
    covered = covering([(item.obj, item.format_id) for item in items])
    planned = []
    tracks = 0
    for item in items:
        preview = price_preview(customer=customer, obj=item.obj, format_id=item.format_id, at=now)
        tracks += len(preview.lines)
        if tracks > settings.QUOTE_MAX_TRACKS:
            raise PricingError(f"a quote holds at most {settings.QUOTE_MAX_TRACKS} tracks")
        planned.append((item, preview))
    declared, card = customer_evidence(user=customer)
    rule = tax_rule_for_evidence(declared=declared, card=card, on=timezone.localdate(now))
    # Per item: (net, tax, gross); an item not for sale is priced at 0 and taxed at 0.
    # A covered item is bought through its release's item: priced, and taxed, at 0.
    splits = [
        rule.split(p.price_minor if p.available and position not in covered else 0)
        for position, (_, p) in enumerate(planned)
    ]
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
        created: dict[int, QuoteItem] = {}
        # Releases first, so a covered track can point at its release's item.
        order = sorted(range(len(planned)), key=lambda i: i in covered)
        for position in order:
            item, preview = planned[position]
            _, tax, _ = splits[position]
            covered_by = created.get(covered[position]) if position in covered else None
            shares = {} if covered_by else _paid_shares(preview)
            created[position] = quote_item = QuoteItem.objects.create(
                quote=quote,
                position=position,
                track=item.obj if isinstance(item.obj, Track) else None,
                release=item.obj if isinstance(item.obj, Release) else None,
                format_id=item.format_id,
                size_bytes=preview.size_bytes,
                exact=preview.exact,
                discount_minor=0 if covered_by else preview.discount_minor,
                price_minor=0 if covered_by else preview.price_minor,
                tax_minor=tax,
                owned=preview.owned,
                available=preview.available,
                unavailable_reason=preview.unavailable_reason,
                floor_minor=0 if covered_by else preview.floor_minor,
                raised_minor=0 if covered_by else preview.raised_minor,
                credit_minor=0 if covered_by else preview.credit_minor,
                covered_by=covered_by,
            )
            QuoteLine.objects.bulk_create(
                QuoteLine(
                    item=quote_item,
                    track_id=line.track_id,
                    size_bytes=line.size_bytes,
                    exact=line.exact,
                    price_minor=0 if covered_by else line.price_minor,
                    # A covered line is bought through its release's line: never twice.
                    owned=line.owned or covered_by is not None,
                    credit_minor=0 if covered_by else line.credit_minor,
                    paid_minor=shares.get(line.track_id, 0),
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
        "quote created id=%s customer=%s total=%d covered=%d",
        quote.pk,
        customer.pk,
        quote.total_minor,
        len(covered),
    )
    return quote


def quote_refresh(*, quote: Quote) -> Quote:
    """Return a new quote for the same items at today's sizes and prices."""
    items = [
        Item(cast("Track | Release", item.track or item.release), item.format_id)
        for item in quote.items.select_related("track", "release").order_by("position")
    ]
    return quote_create(customer=quote.customer, items=items)
