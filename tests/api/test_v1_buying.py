"""Test buying through /api/v1: quotes, idempotent orders and deposits, the library, balance."""

from __future__ import annotations

import json
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.error import HTTPError

import pytest
from django.utils import timezone

from tests.api.v1_helpers import assert_error_shape, buyer_with_token, post, token_for
from tests.shop.factories import customer, fund, tracks
from tunemeter.api.models import IdempotentRequest
from tunemeter.ledger.models import Transfer
from tunemeter.ledger.selectors import ledger_verify
from tunemeter.pricing.models import Quote
from tunemeter.shop.models import Order

pytestmark = pytest.mark.usefixtures("ledger_db", "demo_payments")


def _quote(client, track, fmt="wav") -> dict:
    response = post(client, "/api/v1/quotes", {"items": [{"track_id": track.pk, "format": fmt}]})
    assert response.status_code == 201, response.content
    return response.json()


def test_buy_and_download_links():
    (track,) = tracks(1)
    user, client = buyer_with_token("read", "purchase")
    assert post(client, "/api/v1/deposits", {"amount_minor": 50}, key="d1").status_code == 201
    quote = _quote(client, track)
    assert quote["items"][0]["exact"] is True and quote["total_minor"] == 5
    order = post(client, "/api/v1/orders", {"quote_id": quote["id"]}, key="o1")
    assert order.status_code == 201
    assert client.get(f"/api/v1/orders/{order.json()['id']}").json() == order.json()
    assert client.get("/api/v1/balance").json() == {"currency": "USD", "balance_minor": 45}
    library = client.get("/api/v1/library").json()
    (item,) = library["items"]
    assert item["track_id"] == track.pk and item["format"] == "wav"
    assert item["download_url"].startswith("http://testserver/download/t/")
    owned = client.get(f"/api/v1/library/owned?track_id={track.pk}").json()
    assert owned == [{"track_id": track.pk, "formats": ["wav"]}]
    offer = {o["format"]: o for o in client.get(f"/api/v1/tracks/{track.pk}").json()["offers"]}
    assert offer["wav"]["owned"] and not offer["wav"]["can_buy"]
    assert "own" in offer["wav"]["why_not"] and offer["mp3-320"]["can_buy"]
    assert ledger_verify() == []


def test_replay_returns_the_first_response_and_another_body_is_422():
    """Idempotency-Key (draft-ietf-httpapi-idempotency-key-header section 2.7): replay, reuse."""
    t1, t2 = tracks(2)
    user, client = buyer_with_token("read", "purchase")
    q1, q2 = _quote(client, t1), _quote(client, t2)
    poor = post(client, "/api/v1/orders", {"quote_id": q1["id"]}, key="k")
    assert_error_shape(poor, 402, "insufficient_funds")
    fund(user, 100)
    # The first answer was a refusal; a replay gets that same refusal (a new key buys).
    assert post(client, "/api/v1/orders", {"quote_id": q1["id"]}, key="k").json() == poor.json()
    first = post(client, "/api/v1/orders", {"quote_id": q1["id"]}, key="k2")
    replay = post(client, "/api/v1/orders", {"quote_id": q1["id"]}, key="k2")
    assert first.status_code == replay.status_code == 201 and first.json() == replay.json()
    other = post(client, "/api/v1/orders", {"quote_id": q2["id"]}, key="k2")
    assert_error_shape(other, 422, "idempotency_key_reused")
    assert Order.objects.count() == 1
    missing = post(client, "/api/v1/orders", {"quote_id": q2["id"]})
    assert_error_shape(missing, 422, "validation_error")
    deposit = post(client, "/api/v1/deposits", {"amount_minor": 7}, key="dep")
    assert post(client, "/api/v1/deposits", {"amount_minor": 7}, key="dep").json() == deposit.json()
    assert_error_shape(post(client, "/api/v1/deposits", {"amount_minor": 8}, key="dep"), 422)
    assert ledger_verify() == []


def test_same_key_while_the_first_runs_is_409():
    (track,) = tracks(1)
    user, client = buyer_with_token("read", "purchase")
    quote = _quote(client, track)
    body = {"quote_id": quote["id"]}
    from tunemeter.api.v1.idempotency import body_digest

    IdempotentRequest.objects.create(
        user=user, operation="orders.create", key="busy", body_sha256=body_digest(body)
    )
    busy = post(client, "/api/v1/orders", body, key="busy")
    assert_error_shape(busy, 409, "idempotency_in_progress")
    assert busy["Retry-After"] == "1" and not Order.objects.exists()
    # A record left running by a dead process is taken over after a while.
    IdempotentRequest.objects.filter(key="busy").update(
        created_at=timezone.now() - timedelta(minutes=10)
    )
    fund(user, 100)
    assert post(client, "/api/v1/orders", body, key="busy").status_code == 201


def test_expired_quote_gives_a_fresh_one():
    (track,) = tracks(1)
    user, client = buyer_with_token("read", "purchase")
    fund(user, 100)
    quote = _quote(client, track)
    Quote.objects.filter(pk=quote["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    gone = assert_error_shape(
        post(client, "/api/v1/orders", {"quote_id": quote["id"]}, key="e"), 410, "quote_expired"
    )
    assert gone["detail"]["fresh_quote"]["total_minor"] == 5


def test_20_concurrent_orders_with_one_key_make_one_order_and_one_transfer(live_api):
    """Twenty simultaneous POSTs with one Idempotency-Key: one order, one ledger transfer."""
    (track,) = tracks(1)
    user = customer()
    fund(user, 1000)
    secret = token_for(user, "read", "purchase")
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
    request = urllib.request.Request(
        f"{live_api}/api/v1/quotes",
        json.dumps({"items": [{"track_id": track.pk, "format": "wav"}]}).encode(),
        headers=headers,
    )
    quote_id = json.load(urllib.request.urlopen(request))["id"]

    def order(body: dict) -> tuple[int, dict]:
        req = urllib.request.Request(
            f"{live_api}/api/v1/orders",
            json.dumps(body).encode(),
            headers={**headers, "Idempotency-Key": "same-key"},
        )
        try:
            with urllib.request.urlopen(req, timeout=60) as response:
                return response.status, json.load(response)
        except HTTPError as exc:
            return exc.code, json.load(exc)

    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(order, [{"quote_id": quote_id}] * 20))
    statuses = sorted(status for status, _ in results)
    assert set(statuses) <= {201, 409}, statuses
    created = [body for status, body in results if status == 201]
    assert created and all(body == created[0] for body in created)
    for status, body in results:
        if status == 409:
            assert body["code"] == "idempotency_in_progress"
    assert Order.objects.filter(customer=user).count() == 1
    assert Transfer.objects.filter(kind="purchase").count() == 1
    # Once settled, every retry replays the order; another body with the key is refused.
    assert order({"quote_id": quote_id}) == (201, created[0])
    status, body = order({"quote_id": "00000000-0000-0000-0000-000000000000"})
    assert status == 422 and body["code"] == "idempotency_key_reused"
    assert ledger_verify() == []
