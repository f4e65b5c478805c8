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
