"""Define orders and gift codes (entitlements live in the library app)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from tunemeter.ledger.units import MAX_AMOUNT_MINOR


class Order(models.Model):
    """A paid quote."""

    PAID, REFUNDED = "paid", "refunded"

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders"
    )
    quote = models.OneToOneField("pricing.Quote", on_delete=models.PROTECT, related_name="order")
    idempotency_key = models.CharField(max_length=100)
    total_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    transfer_id = models.CharField(max_length=200)
    status = models.CharField(
        max_length=10, default=PAID, choices=[(PAID, "paid"), (REFUNDED, "refunded")]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "idempotency_key"], name="order_idempotency"
            ),
            models.CheckConstraint(
                condition=models.Q(total_minor__gte=0, total_minor__lte=MAX_AMOUNT_MINOR),
                name="order_total_bounded",
            ),
        ]

    def __str__(self) -> str:
        return f"order {self.pk} ({self.total_minor} {self.currency})"


class GiftCode(models.Model):
    """A code worth an amount of balance, redeemable once."""

    code = models.CharField(max_length=40, unique=True)
    amount_minor = models.BigIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAX_AMOUNT_MINOR)],
        help_text=f"In minor units (cents): 1 to {MAX_AMOUNT_MINOR}.",
    )
    currency = models.CharField(max_length=3)
    redeemed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    redeemed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_minor__gte=1, amount_minor__lte=MAX_AMOUNT_MINOR),
                name="giftcode_amount_bounded",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.amount_minor} {self.currency})"

    def save(self, *args, **kwargs):
        # Codes are redeemed case-insensitively: store them as they are looked up.
        self.code = self.code.strip().upper()
        super().save(*args, **kwargs)


class CardTopUp(models.Model):
    """A card top-up through Stripe: one PaymentIntent, credited once by a verified webhook.

    The balance moves only in the ledger (transfer ids derived from the PaymentIntent and
    the refund/dispute ids); this row tracks the state the webhooks reported.
    """

    CREATED, SUCCEEDED = "created", "succeeded"
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="card_topups"
    )
    payment_intent_id = models.CharField(max_length=100, unique=True)
    amount_minor = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=12, default=CREATED)
    card_country = models.CharField(max_length=2, blank=True, default="")
    # What refunds and disputes took back so far (together never more than amount_minor).
    refunded_minor = models.BigIntegerField(default=0)
    disputed_minor = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"top-up {self.payment_intent_id} ({self.amount_minor} {self.currency})"


class WebhookEvent(models.Model):
    """A Stripe event that passed verification: each is processed once, by its id."""

    event_id = models.CharField(max_length=100, unique=True)
    type = models.CharField(max_length=60)
    outcome = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}: {self.outcome}"
