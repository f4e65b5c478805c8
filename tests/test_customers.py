"""Test registration, sign-in (Argon2id, session rotation, throttling) and password reset."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from tunemeter.customers.models import Profile

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def register(client, email="ana@example.org", country="PT", password=PASSWORD):
    return client.post(
        reverse("customers:register"), {"email": email, "password": password, "country": country}
    )


def test_registration_creates_a_customer_with_a_country_and_signs_in(client):
    response = register(client)
    assert response.status_code == 302
    user = get_user_model().objects.get(email="ana@example.org")
    assert Profile.objects.get(user=user).country == "PT"
    assert client.get("/").context["user"] == user


def test_registration_validates_with_clear_messages(client):
    body = register(client, email="not-an-email", country="XX", password="123").content.decode()
    assert "Enter a valid email address." in body
    assert "Select a valid choice" in body
    assert "This password is too short" in body
    register(client)
    client.logout()
    assert "already exists" in register(client).content.decode()


def test_passwords_are_hashed_with_argon2id(settings, client):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    register(client)
    assert get_user_model().objects.get().password.startswith("argon2$argon2id$")


def test_login_rotates_the_session(client):
    register(client)
    client.logout()
    client.get(reverse("customers:login"))
    before = client.session.session_key
    response = client.post(
        reverse("customers:login"), {"username": "ana@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.session.session_key != before


def test_repeated_failures_lock_that_address_but_not_the_user_elsewhere(client, settings):
    from django.test import Client

    register(client)
    client.logout()
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attacker.post(
            reverse("customers:login"), {"username": "ana@example.org", "password": "wrong"}
        )
    locked = attacker.post(
        reverse("customers:login"), {"username": "ana@example.org", "password": PASSWORD}
    )
    assert locked.status_code == 429 and "Too many sign-in attempts" in locked.content.decode()
    owner = Client(REMOTE_ADDR="198.51.100.7")
    ok = owner.post(
        reverse("customers:login"), {"username": "ana@example.org", "password": PASSWORD}
    )
    assert ok.status_code == 302


def test_password_reset_by_email_then_sign_in(client):
    register(client)
    client.logout()
    client.post(reverse("customers:password_reset"), {"email": "ana@example.org"})
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(\S+)", mail.outbox[0].body).group(1)
    form_url = client.get(link).url  # Django swaps the token for a session-bound URL
    new = "another long passphrase 42"
    response = client.post(form_url, {"new_password1": new, "new_password2": new})
    assert response.status_code == 302
    signed_in = client.post(
        reverse("customers:login"), {"username": "ana@example.org", "password": new}
    )
    assert signed_in.status_code == 302


def test_password_change_requires_sign_in_and_the_old_password(client):
    assert client.get(reverse("customers:password_change")).status_code == 302
    register(client)
    response = client.post(
        reverse("customers:password_change"),
        {"old_password": "wrong", "new_password1": "x" * 20, "new_password2": "x" * 20},
    )
    assert "Your old password was entered incorrectly" in response.content.decode()


def test_logout_needs_post(client):
    register(client)
    assert client.get(reverse("customers:logout")).status_code == 405
    client.post(reverse("customers:logout"))
    assert not client.get("/").context["user"].is_authenticated


def _login(client, email: str, password: str):
    return client.post(reverse("customers:login"), {"username": email, "password": password})


def test_signing_into_your_own_account_does_not_clear_failures_on_another(client, settings):
    """The bypass found: sign into your own account after every 4 guesses at a victim's."""
    from django.test import Client

    register(client, email="victim@example.org")
    register(Client(), email="attacker@example.org")
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    answered = []
    for _ in range(3):
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            answered.append(_login(attacker, "victim@example.org", "guess").status_code)
        assert _login(attacker, "attacker@example.org", PASSWORD).status_code == 302
        attacker.logout()
    assert answered.count(200) == settings.AXES_FAILURE_LIMIT - 1  # then all are refused
    assert _login(attacker, "victim@example.org", PASSWORD).status_code == 429


def test_changing_address_does_not_evade_the_per_account_slowdown(client, settings):
    """Guesses from ever new addresses still slow the account down; its owner's success clears."""
    from axes.models import AccessAttempt
    from django.test import Client

    register(client)
    client.logout()
    for i in range(settings.SIGNIN_SLOWDOWN_AFTER):
        guesser = Client(REMOTE_ADDR=f"203.0.113.{i + 1}")
        assert _login(guesser, "ana@example.org", "guess").status_code == 200
    fresh = Client(REMOTE_ADDR="198.51.100.77")
    slowed = _login(fresh, "ana@example.org", PASSWORD)  # even the right password waits
    assert slowed.status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=10))
    assert _login(fresh, "ana@example.org", PASSWORD).status_code == 302
    assert not AccessAttempt.objects.filter(username="ana@example.org").exists()


def test_one_members_failures_never_lock_out_everyone_behind_the_same_address(client, settings):
    """No address-wide lock: a NAT shares one address among many people."""
    from django.test import Client

    register(client, email="colleague@example.org")
    register(Client(), email="ana@example.org")
    office = Client(REMOTE_ADDR="192.0.2.10")
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        _login(office, "ana@example.org", "forgot")
    assert _login(office, "colleague@example.org", PASSWORD).status_code == 302


def test_registration_attempts_are_throttled_per_address(client, settings):
    """Probing which emails have accounts is limited to REGISTRATION_PER_HOUR tries."""
    from django.test import Client

    settings.REGISTRATION_PER_HOUR = 3
    register(client)
    client.logout()
    for _ in range(2):
        assert "already exists" in register(client).content.decode()
    refused = register(client, email="someone@example.org")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    elsewhere = Client(REMOTE_ADDR="198.51.100.20")
    assert register(elsewhere, email="someone@example.org").status_code == 302
