"""Record renditions made (their exact size and hash) and size estimates for ones not made yet."""

from __future__ import annotations

from django.db import models


class Rendition(models.Model):
    """A track rendered in a format: cached under `storage_path` (it may since be evicted)."""

    key = models.CharField(max_length=64, unique=True, help_text="master+format+encoder+tags")
    master = models.ForeignKey(
        "catalog.Master", on_delete=models.CASCADE, related_name="renditions"
    )
    format_id = models.CharField(max_length=20)
    size_bytes = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    storage_path = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    # Last read (written at most every few minutes): eviction's recency, so reads never
    # touch the cached file and nginx's validators stay put.
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.format_id} of master {self.master_id} ({self.size_bytes} bytes)"


class SizeEstimate(models.Model):
    """An estimated rendition size, from encoding sampled excerpts (see sizing.py)."""

    key = models.CharField(max_length=64, unique=True)
    master = models.ForeignKey("catalog.Master", on_delete=models.CASCADE, related_name="+")
    format_id = models.CharField(max_length=20)
    size_bytes = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"≈{self.size_bytes} bytes ({self.format_id}, master {self.master_id})"
