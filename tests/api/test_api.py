"""Test the JSON API: quotes and orders with idempotency keys, deposits, gift codes, errors."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.shop.factories import customer, tracks
from tunemeter.ledger.selectors import ledger_verify
from tunemeter.pricing.models import Quote
from tunemeter.shop.models import GiftCode, Order

pytestmark = pytest.mark.usefixtures("ledger_db", "demo_payments")


@pytest.fixture
def buyer_client():
    client = Client()
    client.force_login(customer())
    return client


def post(client, url, body, key=None):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(url, json.dumps(body), content_type="application/json", headers=headers)


def test_buy_a_track_through_the_api(buyer_client):
    (track,) = tracks(1)
    assert (
        post(buyer_client, "/api/deposits", {"amount_minor": 50}, key="dep-1").json()[
            "balance_minor"
        ]
        == 50
    )
    assert (
        post(buyer_client, "/api/deposits", {"amount_minor": 50}, key="dep-1").json()[
            "balance_minor"
        ]
        == 50
    )
    reused = post(buyer_client, "/api/deposits", {"amount_minor": 70}, key="dep-1")
    assert reused.status_code == 422  # the same key for another amount moves nothing
    quote = post(buyer_client, "/api/quotes", {"items": [{"track_id": track.pk, "format": "wav"}]})
    assert quote.status_code == 201
    body = quote.json()
    assert body["items"][0]["exact"] is True and body["total_minor"] == 5
    order = post(buyer_client, "/api/orders", {"quote_id": body["id"]}, key="ord-1")
    again = post(buyer_client, "/api/orders", {"quote_id": body["id"]}, key="ord-1")
    assert order.status_code == again.status_code == 201
    assert order.json()["id"] == again.json()["id"]
    assert buyer_client.get("/api/balance").json() == {"currency": "USD", "balance_minor": 45}
    assert Order.objects.count() == 1 and ledger_verify() == []


def test_api_errors_are_clear(buyer_client):
    t1, t2 = tracks(2)
    q1 = post(buyer_client, "/api/quotes", {"items": [{"track_id": t1.pk, "format": "wav"}]}).json()
    poor = post(buyer_client, "/api/orders", {"quote_id": q1["id"]}, key="k")
    assert poor.status_code == 402 and "insufficient balance" in poor.json()["detail"]
    post(buyer_client, "/api/deposits", {"amount_minor": 20}, key="d")
    assert post(buyer_client, "/api/orders", {"quote_id": q1["id"]}, key="k").status_code == 201
    q2 = post(buyer_client, "/api/quotes", {"items": [{"track_id": t2.pk, "format": "wav"}]}).json()
    conflict = post(buyer_client, "/api/orders", {"quote_id": q2["id"]}, key="k")
    assert conflict.status_code == 422 and "another quote" in conflict.json()["detail"]
    Quote.objects.filter(pk=q2["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    expired = post(buyer_client, "/api/orders", {"quote_id": q2["id"]}, key="k2")
    assert expired.status_code == 410 and expired.json()["fresh_quote"]["total_minor"] == 5
    assert post(buyer_client, "/api/orders", {"quote_id": q2["id"]}).status_code == 422  # no key
    long_key = post(buyer_client, "/api/orders", {"quote_id": q2["id"]}, key="k" * 101)
    assert long_key.status_code == 422 and "Idempotency-Key" in long_key.json()["detail"]
    bad = post(
        buyer_client, "/api/quotes", {"items": [{"track_id": t1.pk, "format": "ogg-vorbis"}]}
    )
    assert bad.status_code == 422 and "unknown format" in bad.json()["detail"]
    assert (
        post(
            buyer_client, "/api/quotes", {"items": [{"track_id": 999999, "format": "wav"}]}
        ).status_code
        == 404
    )


def test_gift_codes_and_disabled_demo_payments(buyer_client, settings):
    GiftCode.objects.create(code="WELCOME", amount_minor=300, currency="USD")
    assert (
        post(buyer_client, "/api/giftcodes/redeem", {"code": "welcome"}).json()["balance_minor"]
        == 300
    )
    other = Client()
    other.force_login(customer())
    used = post(other, "/api/giftcodes/redeem", {"code": "WELCOME"})
    assert used.status_code == 422 and "already been redeemed" in used.json()["detail"]
    settings.DEMO_PAYMENTS = False
    assert post(buyer_client, "/api/deposits", {"amount_minor": 5}, key="x").status_code == 403


def test_the_api_needs_a_session_and_csrf():
    assert Client().get("/api/balance").status_code == 401
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(customer())
    assert post(strict, "/api/deposits", {"amount_minor": 5}, key="x").status_code == 403
    assert Client().get("/api/formats").status_code == 200
