"""Define the customer profile: the country whose licences apply to their purchases."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django_countries.fields import CountryField


class Profile(models.Model):
    """A user's store profile; `country` (ISO 3166-1 alpha-2) is the buyer's territory."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    country = CountryField()
    # Evidence of where the buyer is, besides what they declared: the country of the
    # last card they paid with, as the card payment provider reported it.
    card_country = models.CharField(max_length=2, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.user} ({self.country})"


class ApiToken(models.Model):
    """A personal API token: only its SHA-256 is stored; the token is shown once, at creation.

    Scopes: `read` (catalog, library, balance), `purchase` (quotes, orders, deposits, gift
    codes), `holder` (a rights holder's releases, deals, sales, statements, escrow).
    """

    SCOPES = ("read", "purchase", "holder")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    # The visible start of the token ("tm_ab12cd34"), so a user can tell their tokens apart.
    prefix = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the token, hex")
    scopes = models.CharField(max_length=50, help_text="space-separated")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())
