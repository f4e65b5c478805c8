"""Test /api/v1's error shape, strict money parsing, request bounds and rate limits."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache

from tests.api.v1_helpers import assert_error_shape, buyer_with_token, caller, post
from tests.shop.factories import tracks
from tunemeter.api.v1.schemas import MAX_QUOTE_ITEMS
from tunemeter.pricing.models import Quote

pytestmark = pytest.mark.usefixtures("ledger_db", "demo_payments")


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    yield
    cache.clear()


def test_every_failure_has_one_shape(monkeypatch):
    _, client = buyer_with_token("read", "purchase")
    assert_error_shape(client.get("/api/v1/no/such/thing"), 404, "not_found")
    assert_error_shape(client.get("/api/v1/tracks/999999"), 404, "not_found")
    assert_error_shape(client.delete("/api/v1/formats"), 405, "method_not_allowed")
    assert_error_shape(caller().get("/api/v1/balance"), 401, "unauthorized")
    assert_error_shape(client.get("/api/v1/tracks?limit=0"), 422, "validation_error")
    assert_error_shape(client.get("/api/v1/tracks?cursor=zzz"), 422, "invalid_cursor")
    assert_error_shape(post(client, "/api/v1/quotes", "{not json", raw=True), 400)

    def crash(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("tunemeter.api.v1.shop.balance_minor", crash)
    body = assert_error_shape(client.get("/api/v1/balance"), 500, "server_error")
    assert "boom" not in json.dumps(body)  # internals stay in the log


@pytest.mark.parametrize("amount", ["true", '"100"', "1e3", "100.0", "-5", "0", "null", "1e30"])
def test_amounts_are_strict_integers(amount):
    """Money is integers only (issue 19): JSON true, strings, floats and exponents are refused."""
    user, client = buyer_with_token("read", "purchase")
    raw = '{"amount_minor": ' + amount + "}"
    assert_error_shape(post(client, "/api/v1/deposits", raw, key=f"k{amount}", raw=True), 422)
    assert client.get("/api/v1/balance").json()["balance_minor"] == 0


def test_ids_in_bodies_are_strict_and_unknown_fields_refused():
    (track,) = tracks(1)
    _, client = buyer_with_token("read", "purchase")
    for item in (
        {"track_id": str(track.pk), "format": "wav"},
        {"track_id": float(track.pk), "format": "wav"},
        {"track_id": True, "format": "wav"},
        {"track_id": track.pk, "format": "wav", "price_minor": 0},
        {"track_id": track.pk, "release_id": track.release_id, "format": "wav"},
    ):
        assert_error_shape(post(client, "/api/v1/quotes", {"items": [item]}), 422)
    assert not Quote.objects.exists()


def test_a_quote_has_at_most_100_items():
    (track,) = tracks(1)
    _, client = buyer_with_token("read", "purchase")
    item = {"track_id": track.pk, "format": "wav"}
    too_many = post(client, "/api/v1/quotes", {"items": [item] * (MAX_QUOTE_ITEMS + 1)})
    assert_error_shape(too_many, 422, "validation_error")
    assert not Quote.objects.exists()
    assert post(client, "/api/v1/quotes", {"items": [item] * MAX_QUOTE_ITEMS}).status_code == 201


def test_bodies_are_bounded(settings):
    settings.API_MAX_BODY_BYTES = 1000
    _, client = buyer_with_token("read", "purchase")
    big = json.dumps({"items": [{"track_id": 1, "format": "wav" + " " * 2000}]})
    body = assert_error_shape(post(client, "/api/v1/quotes", big, raw=True), 413)
    assert body["detail"] == {"max_bytes": 1000}


def test_rate_limits_per_token_and_per_address(settings):
    settings.API_RATE_PER_TOKEN = 3
    settings.API_RATE_PER_ADDRESS = 5
    _, client = buyer_with_token("read")
    for _ in range(3):
        assert client.get("/api/v1/formats").status_code == 200
    limited = client.get("/api/v1/formats")
    assert_error_shape(limited, 429, "rate_limited")
    assert 1 <= int(limited["Retry-After"]) <= settings.API_RATE_WINDOW_SECONDS
    # Another token from the same address still has its own budget, until the address's.
    _, second = buyer_with_token("read")
    assert second.get("/api/v1/formats").status_code == 200
    assert_error_shape(second.get("/api/v1/formats"), 429)
    # Another address is untouched.
    assert caller().get("/api/v1/formats", REMOTE_ADDR="10.9.8.7").status_code == 200


def test_chunked_bodies_without_a_length_are_refused():
    _, client = buyer_with_token("read", "purchase")
    response = client.post(
        "/api/v1/quotes", "{}", content_type="application/json",
        headers={"Transfer-Encoding": "chunked"},
    )  # fmt: skip
    assert_error_shape(response, 411, "length_required")
