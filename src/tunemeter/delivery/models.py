"""Record every download, for usage reports."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class DownloadLog(models.Model):
    """One download: what, by whom, how many bytes, whether it completed."""

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    entitlement = models.ForeignKey(
        "library.Entitlement", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    order = models.ForeignKey(
        "shop.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    format_id = models.CharField(max_length=20)
    what = models.CharField(max_length=300)
    range_header = models.CharField(max_length=200, blank=True)
    bytes_sent = models.BigIntegerField(default=0)
    completed = models.BooleanField(default=False)
    handed_to_proxy = models.BooleanField(default=False)
    user_agent = models.CharField(max_length=300, blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.what} ({self.bytes_sent} bytes)"
