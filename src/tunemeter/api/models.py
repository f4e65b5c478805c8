"""Define the API's own records: idempotent requests and their first responses."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class IdempotentRequest(models.Model):
    """The first request made with an Idempotency-Key, and the response it got.

    A replay (same user, operation and key) gets the stored response; the same key with
    another body is refused; the same key while the first is still running is a conflict.
    """

    RUNNING, DONE = "running", "done"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    operation = models.CharField(max_length=50)
    key = models.CharField(max_length=100)
    body_sha256 = models.CharField(max_length=64)
    state = models.CharField(
        max_length=10, default=RUNNING, choices=[(RUNNING, RUNNING), (DONE, DONE)]
    )
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "operation", "key"], name="api_idempotent_request"
            )
        ]

    def __str__(self) -> str:
        return f"{self.operation} {self.key} ({self.state})"
