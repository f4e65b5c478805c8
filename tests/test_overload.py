"""Test that an overloaded or full database answers 503 with Retry-After (issue 13 point 9)."""

from __future__ import annotations

import pytest
from django.db import OperationalError
from django.test import Client

from tests.shop.factories import customer

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("message", ["database is locked", "database or disk is full"])
def test_a_locked_or_full_database_is_a_503_with_retry_after(monkeypatch, message):
    """RFC 9110 §15.6.4 (503) and §10.2.3 (Retry-After): come back shortly, nothing is lost."""
    from tunemeter.api import routes

    def busy(**kwargs):
        raise OperationalError(message)

    client = Client(raise_request_exception=False)
    client.force_login(customer())
    monkeypatch.setattr(routes, "balance_minor", busy)
    api = client.get("/api/balance")
    assert api.status_code == 503 and api["Retry-After"] == "5"
    assert api["Content-Type"] == "application/json" and "busy" in api.json()["detail"]
    from tunemeter.customers import views

    monkeypatch.setattr(views, "balance_minor", busy)
    page = client.get("/account/")
    assert page.status_code == 503 and page["Retry-After"] == "5"


def test_other_database_errors_stay_errors(monkeypatch):
    from tunemeter.api import routes

    def broken(**kwargs):
        raise OperationalError("no such column: nonsense")

    client = Client(raise_request_exception=False)
    client.force_login(customer())
    monkeypatch.setattr(routes, "balance_minor", broken)
    assert client.get("/api/balance").status_code == 500
