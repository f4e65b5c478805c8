"""Make API v1 callers: customers with tokens of chosen scopes, holders with releases."""

from __future__ import annotations

import json

from django.test import Client

from tests.shop.factories import customer
from tunemeter.customers.tokens import token_create


def token_for(user, *scopes: str) -> str:
    """Return a fresh token secret for user with scopes (all three by default)."""
    return token_create(
        user=user, name="test", scopes=list(scopes or ("read", "purchase", "holder"))
    ).secret


def caller(token: str | None = None) -> Client:
    """Return a test client sending `Authorization: Bearer token` when given."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return Client(headers=headers)


def post(client: Client, url: str, body, key: str | None = None, raw: bool = False):
    headers = {"Idempotency-Key": key} if key else {}
    data = body if raw else json.dumps(body)
    return client.post(url, data, content_type="application/json", headers=headers)


def buyer_with_token(*scopes: str, country: str = "US"):
    user = customer(country=country)
    return user, caller(token_for(user, *scopes))


def assert_error_shape(response, status: int, code: str | None = None) -> dict:
    """Check the one error shape {code, message, detail}; return the body."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "message", "detail"}, body
    assert isinstance(body["code"], str) and isinstance(body["message"], str)
    if code is not None:
        assert body["code"] == code, body
    return body
