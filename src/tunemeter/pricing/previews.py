"""Price without making a quote: what a track or release would cost in a format now.

The release page's format picker and the cart show these figures before the buyer asks
for a quote. They follow quote_create's rules exactly (same sizes, rates, rounding,
release discount, owned tracks at 0, availability from the sale gate), so the price
the picker shows is the price the quote locks; tests/storefront check the two agree.
Not a selector: telling a size may sample-encode once and record the estimate (pages
pass estimate=False: then nothing is encoded here, see price_preview).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from tunemeter.catalog.models import Release, Track
from tunemeter.customers.selectors import customer_territory
from tunemeter.library.selectors import owned_formats
from tunemeter.pricing import rates
from tunemeter.pricing.exceptions import SizePending
from tunemeter.pricing.gate import sale_gate
from tunemeter.pricing.selectors import paid_minor_per_track
from tunemeter.transcoding.exceptions import FormatTooLarge
from tunemeter.transcoding.formats import FORMATS
from tunemeter.transcoding.sizing import (
    estimates_schedule,
    rendition_size,
    rendition_size_known,
)


@dataclass(frozen=True)
class LinePreview:
    """One track of a priced item."""

    track_id: int
    size_bytes: int
    exact: bool
    price_minor: int
    owned: bool
    unavailable_reason: str | None
    # Taken off the list price for another format of this track already paid for.
    credit_minor: int = 0

    @property
    def list_minor(self) -> int:
        """Return the line's price before any credit."""
        return self.price_minor + self.credit_minor


@dataclass(frozen=True)
class PricePreview:
    """What a track or release would cost in one format, as quote_create would price it."""

    format_id: str
    size_bytes: int
    exact: bool
    price_minor: int
    discount_minor: int
    owned: bool
    available: bool
    unavailable_reason: str
    # None: nobody signed in, so neither ownership nor territory is known.
    territory: str | None
    lines: list[LinePreview] = field(default_factory=list)
    # Taken off for formats of these tracks the buyer already paid for (UPGRADE_POLICY).
    credit_minor: int = 0
    rate_minor_per_mb: int = 0


def _credit(*, list_minor: int, paid_minor: int | None) -> int:
    """Return what another format of a track costs less, by the store's upgrade policy."""
    if paid_minor is None or settings.UPGRADE_POLICY == "full":
        return 0
    if settings.UPGRADE_POLICY == "free":
        return list_minor
    return min(list_minor, paid_minor)


def _sizes(tracks, format_id: str, *, estimate: bool) -> dict[int, tuple[int, bool]]:
    if estimate:
        return {t.pk: rendition_size(track_id=t.pk, format_id=format_id) for t in tracks}
    known: dict[int, tuple[int, bool]] = {}
    missing: list[int] = []
    for t in tracks:
        size = rendition_size_known(track_id=t.pk, format_id=format_id)
        if size is None:
            missing.append(t.pk)
        else:
            known[t.pk] = size
    if missing:
        estimates_schedule(track_ids=missing, format_id=format_id)
        raise SizePending(track_ids=missing)
    return known


def price_preview(
    *,
    customer,
    obj: Track | Release,
    format_id: str,
    at: datetime | None = None,
    estimate: bool = True,
) -> PricePreview:
    """Return size and price of a track or release in a format for this customer (or None).

    Without a signed-in customer nothing is owned and no territory applies: availability
    is only known once the buyer's country is. With estimate=False nothing is encoded
    here: sizes not yet known are queued for the background estimator and SizePending
    is raised (pages show "calculating…", never another format's figure).
    """
    if format_id not in FORMATS:
        raise KeyError(format_id)
    at = at or timezone.now()
    signed_in = customer is not None and getattr(customer, "is_authenticated", False)
    territory = customer_territory(user=customer) if signed_in else None
    tracks = (
        [obj] if isinstance(obj, Track) else list(obj.tracks.order_by("disc_number", "position"))
    )
    track_ids = [t.pk for t in tracks]
    owned = owned_formats(customer=customer, track_ids=track_ids) if signed_in else {}
    paid = paid_minor_per_track(customer=customer, track_ids=track_ids) if signed_in else {}
    rate = rates.rate_minor_per_mb(format_id)
    sizes = _sizes(tracks, format_id, estimate=estimate)
    lines = []
    for track in tracks:
        known = sizes[track.pk]
        if isinstance(known, FormatTooLarge):  # e.g. a 65-minute 192 kHz master as AIFF
            lines.append(LinePreview(track.pk, 0, True, 0, False, str(known)))
            continue
        size, exact = known
        is_owned = format_id in owned.get(track.pk, ())
        price = 0 if is_owned else rates.track_price_minor(size_bytes=size, rate=rate)
        credit = 0 if is_owned else _credit(list_minor=price, paid_minor=paid.get(track.pk))
        reason = (
            sale_gate(track=track, territory=territory, at=at) if territory is not None else None
        )
        lines.append(
            LinePreview(
                track.pk, size, exact, price - credit, is_owned, reason, credit_minor=credit
            )
        )
    # A release upgrades as a release: its discounted list price less all that was paid
    # for its tracks, never below zero.
    subtotal = sum(line.list_minor for line in lines)
    percent = rates.release_discount_percent(obj.pk) if isinstance(obj, Release) else 0
    discount = rates.discount_minor(subtotal, percent)
    credit = min(sum(line.credit_minor for line in lines), subtotal - discount)
    reasons = [line.unavailable_reason for line in lines if line.unavailable_reason is not None]
    return PricePreview(
        format_id=format_id,
        size_bytes=sum(line.size_bytes for line in lines),
        exact=all(line.exact for line in lines),
        price_minor=0 if reasons else subtotal - discount - credit,
        discount_minor=discount,
        owned=bool(lines) and all(line.owned for line in lines),
        available=not reasons,
        unavailable_reason=reasons[0] if reasons else "",
        territory=territory,
        lines=lines,
        credit_minor=credit,
        rate_minor_per_mb=rate,
    )
