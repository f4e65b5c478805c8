"""Price without making a quote: what a track or release would cost in a format now.

The release page's format picker and the cart show these figures before the buyer asks
for a quote. They follow quote_create's rules exactly (same sizes, rates, rounding,
release discount, owned tracks at 0, availability from the sale gate), so the price
the picker shows is the price the quote locks; tests/storefront check the two agree.
Not a selector: telling a size may sample-encode once and record the estimate (pages
pass estimate=False: then nothing is encoded here, see price_preview).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from tunemeter.catalog.models import Release, Track
from tunemeter.customers.selectors import customer_evidence
from tunemeter.library.selectors import owned_formats
from tunemeter.pricing import rates
from tunemeter.pricing.exceptions import SizePending
from tunemeter.pricing.floors import discount_to_floors, track_floor_minor
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
    floor_minor: int = 0  # the lowest price its deal allows: royalties never exceed the price
    raised_minor: int = 0  # how much the rate's price was raised to reach that floor
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
    floor_minor: int = 0
    raised_minor: int = 0
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
    is only known once the buyer's country is. When the buyer's card country disagrees
    with the country they declared, the sale must be licensed in both (the stricter rule).
    With estimate=False nothing is encoded here: sizes not yet known are queued for the
    background estimator and SizePending is raised (pages show "calculating…", never
    another format's figure).

    Each line's price is the rate's price raised to its deal's floor (never a loss to
    the rights holders); a release discount stops at the floors; then what the buyer
    already paid for another format of a track is credited (UPGRADE_POLICY).
    """
    if format_id not in FORMATS:
        raise KeyError(format_id)
    at = at or timezone.now()
    signed_in = customer is not None and getattr(customer, "is_authenticated", False)
    territory, card_country = customer_evidence(user=customer) if signed_in else (None, "")
    territories: list[str] = []
    if territory is not None:
        territories = [territory] + ([card_country] if card_country not in ("", territory) else [])
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
        reason = next(
            (r for t in territories if (r := sale_gate(track=track, territory=t, at=at))), None
        )
        floor = 0
        if territory and reason is None and not is_owned:
            floor, reason = track_floor_minor(track=track, territory=territory, at=at)
        listed = max(price, floor)
        credit = 0 if is_owned else _credit(list_minor=listed, paid_minor=paid.get(track.pk))
        line = LinePreview(track.pk, size, exact, listed, is_owned, reason, credit_minor=credit)
        lines.append(replace(line, floor_minor=floor, raised_minor=max(0, floor - price)))
    # Lines hold list prices here: the discount is spread over them (none below its
    # floor), then each line's credit comes off. A release upgrades as a release: its
    # discounted list price less all that was paid for its tracks, never below zero.
    subtotal = sum(line.price_minor for line in lines)
    percent = rates.release_discount_percent(obj.pk) if isinstance(obj, Release) else 0
    discount = rates.discount_minor(subtotal, percent)
    if discount and any(line.floor_minor for line in lines):
        lines = discount_to_floors(lines, discount)
        discount = subtotal - sum(line.price_minor for line in lines)
    lines = [
        replace(
            line,
            price_minor=line.price_minor - min(line.credit_minor, line.price_minor),
            credit_minor=min(line.credit_minor, line.price_minor),
        )
        for line in lines
    ]
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
        floor_minor=sum(line.floor_minor for line in lines),
        raised_minor=sum(line.raised_minor for line in lines),
        credit_minor=credit,
        rate_minor_per_mb=rate,
    )
