"""Read pricing: a customer's quote with its items. Selectors only read."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from tunemeter.catalog.models import Release, Track
from tunemeter.ledger.units import minor_format
from tunemeter.library.models import Entitlement
from tunemeter.pricing.models import Quote, QuoteItem, QuoteLine


def covering(items: list[tuple[Track | Release, str]]) -> dict[int, int]:
    """Return, for each track item whose release is also asked for in the same format,
    the position of that release item: the track comes with it, so it costs nothing more.

    The cart and quote_create share this rule, so both show the same total.
    """
    releases = {
        (obj.pk, format_id): position
        for position, (obj, format_id) in enumerate(items)
        if isinstance(obj, Release)
    }
    found = {}
    for position, (obj, format_id) in enumerate(items):
        if isinstance(obj, Track) and (obj.release_id, format_id) in releases:
            found[position] = releases[(obj.release_id, format_id)]
    return found


def paid_minor_per_track(*, customer, track_ids: list[int]) -> dict[int, int]:
    """Return, per track, what the customer paid for their live entitlements to it.

    An entitlement's order paid a quote line for that track in that format: its share
    of the item (after discount and credit) is what the buyer paid. Quotes made before
    shares were recorded fall back to the line's list price.
    """
    rows = Entitlement.objects.filter(
        customer=customer, track_id__in=track_ids, revoked_at__isnull=True
    ).values_list("track_id", "format_id", "order__quote_id")
    wanted = {(track_id, format_id, quote_id) for track_id, format_id, quote_id in rows}
    if not wanted:
        return {}
    lines = QuoteLine.objects.filter(
        item__quote_id__in={quote_id for _, _, quote_id in wanted},
        track_id__in=track_ids,
        owned=False,
    ).values_list("track_id", "item__format_id", "item__quote_id", "paid_minor", "price_minor")
    paid: dict[int, int] = {}
    for track_id, format_id, quote_id, paid_minor, price_minor in lines:
        if (track_id, format_id, quote_id) in wanted:
            share = price_minor if paid_minor is None else paid_minor
            paid[track_id] = paid.get(track_id, 0) + share
    return paid


def quote_item_note(*, item: QuoteItem) -> str:
    """Return why a quote item costs what it does, in the active language ("" if plainly)."""
    if item.covered_by_id is not None:
        return _("Comes with its release in this quote: not charged twice.")
    if item.owned:
        return _("You already own this in this format.")
    if item.credit_minor:
        return _("You pay only the difference: %(amount)s already paid for another format.") % {
            "amount": minor_format(item.credit_minor, item.quote.currency)
        }
    return ""


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
