"""Turn sizes into prices: integer minor units, rounded up per item, never below the minimum.

price = ceil(size_bytes × rate_minor_per_MB / 1,000,000), at least the minimum per
track. A release bought whole costs the sum of its tracks' prices minus
floor(sum × discount% / 100): the discount is rounded down, so rounding never
favours the store beyond the per-track ceiling.
"""

from __future__ import annotations

from django.conf import settings

from tunemeter.pricing.models import FormatRate, ReleaseDiscount
from tunemeter.transcoding.formats import FORMATS

BYTES_PER_MB = 1_000_000


def rate_minor_per_mb(format_id: str) -> int:
    """Return the rate of a format: the admin's, else the format table's default."""
    row = FormatRate.objects.filter(format_id=format_id).first()
    return row.rate_minor_per_mb if row else FORMATS[format_id].rate_minor_per_mb


def track_price_minor(*, size_bytes: int, rate: int) -> int:
    """Return ceil(size × rate / 1 MB), at least the store's minimum per track."""
    return max(-(-size_bytes * rate // BYTES_PER_MB), settings.MIN_TRACK_PRICE_MINOR)


def release_discount_percent(release_id: int) -> int:
    row = ReleaseDiscount.objects.filter(release_id=release_id).first()
    return row.percent if row else 0


def discount_minor(subtotal_minor: int, percent: int) -> int:
    """Return the discount on a subtotal: floor(subtotal × percent / 100)."""
    return subtotal_minor * percent // 100
