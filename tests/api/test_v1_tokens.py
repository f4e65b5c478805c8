"""Test personal API tokens: shown once, stored hashed, scoped, revocable, never logged."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from tests.api.v1_helpers import assert_error_shape, caller, token_for
from tests.shop.factories import customer
from tunemeter.customers.models import ApiToken
from tunemeter.customers.tokens import TokenError, token_create, token_digest, token_revoke

pytestmark = pytest.mark.django_db


def test_a_token_is_stored_hashed_and_shown_once():
    user = customer()
    created = token_create(user=user, name="bot", scopes=["read"])
    row = ApiToken.objects.get()
    assert created.secret.startswith(row.prefix + "_")
    assert row.digest == token_digest(created.secret) and created.secret not in row.digest
    assert not ApiToken.objects.filter(digest__contains=created.secret[8:]).exists()
    assert row.scopes == "read" and row.last_used_at is None


def test_unknown_scopes_and_empty_scopes_are_refused():
    user = customer()
    with pytest.raises(TokenError):
        token_create(user=user, name="x", scopes=[])
    with pytest.raises(TokenError):
        token_create(user=user, name="x", scopes=["admin"])


def test_last_used_is_recorded_and_revocation_is_immediate():
    user = customer()
    secret = token_for(user, "read")
    client = caller(secret)
    assert client.get("/api/v1/balance").status_code == 200
    token = ApiToken.objects.get()
    assert token.last_used_at is not None
    assert token_revoke(user=user, token_id=token.pk)
    assert_error_shape(client.get("/api/v1/balance"), 401, "invalid_token")
    # Another user cannot revoke it (and a second revocation is a no-op).
    assert not token_revoke(user=customer(), token_id=token.pk)


def test_a_revoked_token_never_falls_back_to_the_session():
    user = customer()
    secret = token_for(user, "read")
    token_revoke(user=user, token_id=ApiToken.objects.get().pk)
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    client.force_login(user)
    assert_error_shape(client.get("/api/v1/balance"), 401, "invalid_token")


def test_the_account_page_creates_shows_once_and_revokes():
    user = customer()
    client = Client()
    client.force_login(user)
    page = client.post("/account/tokens/", {"name": "my bot", "scopes": ["read", "purchase"]})
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(user=user)
    secret = page.context["new_secret"]
    assert token_digest(secret) == token.digest and secret in page.content.decode()
    assert token.scopes == "purchase read"
    again = client.get("/account/").content.decode()
    assert secret not in again and token.prefix in again
    assert caller(secret).get("/api/v1/balance").status_code == 200
    assert client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 302
    assert caller(secret).get("/api/v1/balance").status_code == 401
    bad = client.post("/account/tokens/", {"name": "x", "scopes": ["root"]})
    assert bad.status_code == 422 and ApiToken.objects.filter(user=user).count() == 1


def test_another_user_cannot_revoke_from_the_account_page():
    owner, other = customer(), customer()
    secret = token_for(owner, "read")
    client = Client()
    client.force_login(other)
    client.post(f"/account/tokens/{ApiToken.objects.get().pk}/revoke/")
    assert caller(secret).get("/api/v1/balance").status_code == 200


def test_a_token_never_appears_in_logs(caplog, settings):
    """A token in a malformed header used to be logged whole by ninja's HttpBearer in DEBUG."""
    settings.DEBUG = True
    user = customer()
    secret = token_for(user, "read")
    with caplog.at_level(logging.DEBUG):
        Client(headers={"Authorization": f"Token {secret}"}).get("/api/v1/balance")
        caller(secret).get("/api/v1/balance")
        caller(secret + "x").get("/api/v1/balance")
        caller(secret).post("/api/v1/deposits", "{}", content_type="application/json")
    assert caplog.records  # the requests were logged at all
    for record in caplog.records:
        assert secret not in record.getMessage()
        assert secret[3:20] not in record.getMessage()


def test_staff_see_tokens_without_secrets_and_can_revoke():
    staff = customer(staff=True)
    staff.is_superuser = True
    staff.save()
    owner = customer()
    secret = token_for(owner, "read")
    token = ApiToken.objects.get()
    client = Client()
    client.force_login(staff)
    page = client.get(f"/admin/customers/apitoken/{token.pk}/change/").content.decode()
    assert token.prefix in page and token.digest not in page and secret not in page
    client.post(
        "/admin/customers/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    assert caller(secret).get("/api/v1/balance").status_code == 401
