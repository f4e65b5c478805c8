"""Test that page views never encode, and that the cart charges a track once."""

from __future__ import annotations

import threading
import time

import pytest
from django.test import Client
from django.urls import reverse

from tests.shop.factories import customer, tracks
from tunemeter.transcoding import sizing

pytestmark = pytest.mark.usefixtures("ledger_db", "demo_payments")


def test_anonymous_price_requests_never_encode_and_say_calculating(monkeypatch):
    (track,) = tracks(1, seconds=30)
    calls = []
    in_request = threading.local()
    answered = threading.Event()

    def slow_estimate(job):
        calls.append(threading.current_thread().name)
        assert not getattr(in_request, "active", False), "a request thread encoded"
        answered.wait(timeout=30)  # still estimating while the ten requests are answered
        return 123_456

    monkeypatch.setattr(sizing, "estimate_size", slow_estimate)
    url = reverse("storefront:prices", args=["track", track.pk]) + "?format=opus-160"
    answers = []

    def ask():
        in_request.active = True
        answers.append(Client().get(url).json()["formats"][0])

    threads = [threading.Thread(target=ask) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    answered.set()
    assert all(a["pending"] and not a["priced"] for a in answers), answers
    assert "Calculating" in answers[0]["note"]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        row = Client().get(url).json()["formats"][0]
        if row["priced"]:
            break
        time.sleep(0.1)
    # Ten requests, one estimate, made by the background estimator.
    assert len(calls) == 1 and calls[0].startswith("estimate")
    assert row["priced"] and row["size_bytes"] == 123_456 and not row["exact"]


def test_a_track_in_the_cart_with_its_release_is_shown_free_and_not_counted(client):
    buyer = customer()
    client.force_login(buyer)
    album = tracks(2, seconds=30)
    release = album[0].release
    for kind, obj_id in (("track", album[0].pk), ("release", release.pk)):
        client.post(reverse("shop:cart_add"), {"kind": kind, "id": obj_id, "format": "wav"})
    page = client.get(reverse("shop:cart"))
    whole = client.get(
        reverse("storefront:prices", args=["release", release.pk]) + "?format=wav"
    ).json()["formats"][0]
    assert page.context["total_minor"] == whole["price_minor"]
    text = page.content.decode()
    assert "not charged twice" in text
    covered = [r for r in page.context["rows"] if r["covered_by"] is not None]
    assert [r["obj"].pk for r in covered] == [album[0].pk]


def test_the_api_quote_merges_and_covers_like_the_cart(client):
    buyer = customer()
    client.force_login(buyer)
    album = tracks(2, seconds=30)
    release = album[0].release
    body = {
        "items": [
            {"track_id": album[0].pk, "format": "wav"},
            {"track_id": album[0].pk, "format": "wav"},
            {"release_id": release.pk, "format": "wav"},
        ]
    }
    quote = client.post("/api/quotes", body, content_type="application/json").json()
    track_item, release_item = quote["items"]
    assert track_item["price_minor"] == 0 and track_item["covered_by_release_id"] == release.pk
    assert "not charged twice" in track_item["note"]
    assert quote["total_minor"] == release_item["price_minor"] > 0


def test_the_cart_never_encodes_and_says_calculating_until_the_size_is_known(monkeypatch, client):
    (track,) = tracks(1, seconds=30)
    threads = []

    def estimate(job):
        threads.append(threading.current_thread().name)
        return 222_222

    monkeypatch.setattr(sizing, "estimate_size", estimate)
    client.post(reverse("shop:cart_add"), {"kind": "track", "id": track.pk, "format": "aac-128"})
    page = client.get(reverse("shop:cart"))
    assert page.context["pending"] and 'http-equiv="refresh"' in page.content.decode()
    assert "Calculating size and price" in page.content.decode()
    deadline = time.monotonic() + 10
    while page.context["pending"] and time.monotonic() < deadline:
        time.sleep(0.1)
        page = client.get(reverse("shop:cart"))
    assert not page.context["pending"] and page.context["total_minor"] > 0
    assert threads and all(name.startswith("estimate") for name in threads)
