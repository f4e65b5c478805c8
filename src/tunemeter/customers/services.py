"""Register customers."""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from tunemeter.customers.models import Profile

logger = logging.getLogger(__name__)


@transaction.atomic
def customer_register(*, email: str, password: str, country: str):
    """Create a customer (username = email) with a country; validate the password first."""
    email = get_user_model().objects.normalize_email(email).lower()
    user = get_user_model()(username=email, email=email)
    validate_password(password, user)
    user.set_password(password)
    user.save()
    Profile.objects.create(user=user, country=country)
    logger.info("customer registered user=%s country=%s", user.pk, country)
    return user


def customer_card_country_record(*, user, country: str) -> None:
    """Record the country of the card a customer paid with (ISO 3166-1; ignored if blank)."""
    country = (country or "").strip().upper()
    if len(country) != 2 or not country.isalpha():
        return
    Profile.objects.filter(user=user).exclude(card_country=country).update(card_country=country)
    logger.info("card country recorded user=%s country=%s", user.pk, country)
