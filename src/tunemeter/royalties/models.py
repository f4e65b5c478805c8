"""Define royalty lines (one holder's share of one track sale or return), escrow releases
and payouts. Amounts are micro-units (10^-6 of the currency); lines are never edited,
except that an escrowed line records the release that paid it out of escrow.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from tunemeter.rights.models import RIGHT_TYPES


class EscrowRelease(models.Model):
    """Escrowed shares released to a holder when a matching mandate was registered."""

    holder = models.ForeignKey("rights.RightsHolder", on_delete=models.PROTECT, related_name="+")
    mandate = models.ForeignKey("rights.Mandate", on_delete=models.PROTECT, related_name="releases")
    amount_micro = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    transfer_id = models.CharField(max_length=200)
    at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"escrow release {self.pk} to {self.holder}: {self.amount_micro} micro"


class RoyaltyLine(models.Model):
    """One holder's share of one track sold (or returned) under a deal."""

    SALE, RETURN = "sale", "return"

    kind = models.CharField(max_length=6, choices=[(SALE, "sale"), (RETURN, "return")])
    order = models.ForeignKey("shop.Order", on_delete=models.PROTECT, related_name="+")
    quote_line = models.ForeignKey("pricing.QuoteLine", on_delete=models.PROTECT, related_name="+")
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    at = models.DateTimeField(help_text="when the sale (or the return) happened")
    territory = models.CharField(max_length=2)
    track = models.ForeignKey("catalog.Track", on_delete=models.PROTECT, related_name="+")
    release = models.ForeignKey("catalog.Release", on_delete=models.PROTECT, related_name="+")
    format_id = models.CharField(max_length=20)
    # The names as sold: a statement for a closed period shows these, not today's names.
    track_title = models.CharField(max_length=500, blank=True, default="")
    release_title = models.CharField(max_length=500, blank=True, default="")
    size_bytes = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    paid_micro = models.BigIntegerField(help_text="the buyer's payment for this track")
    basis_micro = models.BigIntegerField(help_text="net revenue the royalty is computed on")
    deal = models.ForeignKey("rights.Deal", on_delete=models.PROTECT, related_name="+")
    right_type = models.CharField(max_length=20, choices=RIGHT_TYPES)
    rate = models.CharField(max_length=100)
    royalty_micro = models.BigIntegerField(help_text="the whole royalty, before the split")
    holder = models.ForeignKey(
        "rights.RightsHolder", on_delete=models.PROTECT, related_name="royalty_lines"
    )
    share_bps = models.PositiveIntegerField()
    amount_micro = models.BigIntegerField(help_text="this holder's part; negative on returns")
    mandate = models.ForeignKey(
        "rights.Mandate", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    escrowed = models.BooleanField(help_text="held in escrow: no mandate at the time of sale")
    escrow_release = models.ForeignKey(
        EscrowRelease, null=True, blank=True, on_delete=models.PROTECT, related_name="lines"
    )
    transfer_id = models.CharField(max_length=200)

    class Meta:
        indexes = [
            # Covers the statements' sums per holder: read from the index alone, in order.
            models.Index(
                fields=["holder", "at", "kind", "escrowed", "amount_micro", "currency"],
                name="royaltyline_holder_sums",
            ),
            # Lines are appended as sales happen: a period is a contiguous range of this.
            models.Index(fields=["at"], name="royaltyline_at"),
            models.Index(fields=["order"], name="royaltyline_order"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.track_id} → {self.holder_id}: {self.amount_micro} micro"


class Payout(models.Model):
    """Money paid to a holder (recorded by staff), taken from their payable balance."""

    holder = models.ForeignKey(
        "rights.RightsHolder", on_delete=models.PROTECT, related_name="payouts"
    )
    amount_minor = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3)
    reference = models.CharField(max_length=200, help_text="bank transfer or payment reference")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    transfer_id = models.CharField(max_length=200)
    paid_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["holder", "reference"], name="payout_reference_unique")
        ]

    def __str__(self) -> str:
        return f"payout {self.reference} to {self.holder}: {self.amount_minor} {self.currency}"
