"""Define rates per MB, release discounts and quotes (locked sizes and prices)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models


class FormatRate(models.Model):
    """The price of one MB (1,000,000 bytes) of a format, in the store currency's minor units."""

    format_id = models.CharField(max_length=20, unique=True)
    rate_minor_per_mb = models.PositiveIntegerField()
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.format_id}: {self.rate_minor_per_mb}/MB"


class ReleaseDiscount(models.Model):
    """A percentage off a release bought whole."""

    release = models.OneToOneField(
        "catalog.Release", on_delete=models.CASCADE, related_name="discount"
    )
    percent = models.PositiveSmallIntegerField(validators=[MaxValueValidator(100)])

    def __str__(self) -> str:
        return f"{self.percent}% off {self.release}"


class Quote(models.Model):
    """Sizes and prices locked for a customer until `expires_at`; paid at most once."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quotes"
    )
    currency = models.CharField(max_length=3)
    territory = models.CharField(max_length=2, blank=True)
    # The buyer's other evidence (their card's country) when it disagrees with territory.
    card_country = models.CharField(max_length=2, blank=True, default="")
    total_minor = models.BigIntegerField(help_text="what the buyer pays: gross, tax included")
    tax_country = models.CharField(max_length=2, blank=True, default="")
    tax_rate_bps = models.PositiveIntegerField(default=0)
    tax_inclusive = models.BooleanField(default=True, help_text="prices include the tax")
    tax_minor = models.BigIntegerField(default=0)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"quote {self.id} ({self.total_minor} {self.currency})"

    @property
    def net_minor(self) -> int:
        """Return the total without tax."""
        return self.total_minor - self.tax_minor

    @property
    def tax_rate_text(self) -> str:
        """Return the tax rate as a percentage, e.g. 19.00%."""
        return f"{self.tax_rate_bps // 100}.{self.tax_rate_bps % 100:02d}%"


class QuoteItem(models.Model):
    """What the customer asked for: a track or a whole release, in a format."""

    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    track = models.ForeignKey(
        "catalog.Track", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    release = models.ForeignKey(
        "catalog.Release", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    format_id = models.CharField(max_length=20)
    size_bytes = models.BigIntegerField()
    exact = models.BooleanField()
    discount_minor = models.BigIntegerField(default=0)
    price_minor = models.BigIntegerField(help_text="the listed price (gross where inclusive)")
    tax_minor = models.BigIntegerField(default=0)
    owned = models.BooleanField(default=False)
    available = models.BooleanField(default=True)
    unavailable_reason = models.CharField(max_length=200, blank=True)
    floor_minor = models.BigIntegerField(
        default=0, help_text="the lowest price its deals allow: royalties owed never exceed it"
    )
    raised_minor = models.BigIntegerField(
        default=0, help_text="how much the price was raised to reach that floor"
    )
    # Taken off for formats of these tracks the buyer already paid for (UPGRADE_POLICY).
    credit_minor = models.BigIntegerField(default=0)
    # A track item whose release, in the same format, is another item of this quote:
    # priced at 0, bought through the release.
    covered_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return f"{self.track or self.release} in {self.format_id}: {self.price_minor}"

    @property
    def net_minor(self) -> int:
        """Return the price without tax (what royalties are computed on)."""
        return self.price_minor - self.tax_minor if self.quote.tax_inclusive else self.price_minor

    @property
    def gross_minor(self) -> int:
        """Return what the buyer pays for this item, tax included."""
        return self.price_minor if self.quote.tax_inclusive else self.price_minor + self.tax_minor


class QuoteLine(models.Model):
    """One track of a quote item, with its own size and price (the royalty basis later)."""

    item = models.ForeignKey(QuoteItem, on_delete=models.CASCADE, related_name="lines")
    track = models.ForeignKey("catalog.Track", on_delete=models.PROTECT, related_name="+")
    size_bytes = models.BigIntegerField()
    exact = models.BooleanField()
    price_minor = models.BigIntegerField()
    owned = models.BooleanField(default=False)
    credit_minor = models.BigIntegerField(default=0)
    # This line's share of its item's price (after discount and credit): what the buyer
    # paid for the track, the credit a later format of it is given. None on old quotes.
    paid_minor = models.BigIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.track} {self.price_minor}"
