"""Define entitlements: a customer's right to download one track in one format, forever."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Entitlement(models.Model):
    """A customer's right to download one track in one format."""

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="entitlements"
    )
    track = models.ForeignKey("catalog.Track", on_delete=models.PROTECT, related_name="+")
    format_id = models.CharField(max_length=20)
    # A string reference, not an import: the order that granted the right (shop is above).
    order = models.ForeignKey("shop.Order", on_delete=models.PROTECT, related_name="entitlements")
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # The table the shop app created: the model moved, the rows did not.
        db_table = "shop_entitlement"
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "track", "format_id"], name="entitlement_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.track_id} in {self.format_id}"
