"""Read customers: their territory."""

from __future__ import annotations

from tunemeter.customers.models import ApiToken, Profile


def customer_territory(*, user) -> str:
    """Return the ISO 3166-1 code of the customer's country ("" without a profile)."""
    profile = Profile.objects.filter(user=user).only("country").first()
    return profile.country.code if profile and profile.country else ""


def tokens_of(*, user) -> list[ApiToken]:
    """Return user's API tokens, live and revoked, newest first."""
    return list(ApiToken.objects.filter(user=user))


def customer_evidence(*, user) -> tuple[str, str]:
    """Return (declared country, card country) of a customer; "" for what is not known."""
    profile = Profile.objects.filter(user=user).only("country", "card_country").first()
    if profile is None:
        return "", ""
    return (profile.country.code if profile.country else ""), profile.card_country
