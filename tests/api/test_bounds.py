"""Test bounds on quotes, request bodies and money amounts (issue 13 points 3 and 4)."""

from __future__ import annotations

import http.client
import json
import socket
from urllib.parse import urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test import Client

from tests.delivery.conftest import asgi_server  # noqa: F401 - a live server fixture
from tests.shop.factories import customer, tracks
from tunemeter.ledger.exceptions import AmountOutOfBounds
from tunemeter.ledger.models import Account
from tunemeter.ledger.selectors import ledger_verify
from tunemeter.ledger.services import Leg, account_get, customer_account, transfer_post
from tunemeter.ledger.units import MAX_AMOUNT_MINOR
from tunemeter.pricing.exceptions import PricingError
from tunemeter.pricing.services import quote_create
from tunemeter.shop.models import GiftCode

pytestmark = pytest.mark.usefixtures("ledger_db", "demo_payments")


@pytest.fixture
def buyer_client():
    client = Client()
    client.force_login(customer())
    return client


def post(client, url, body, key=None, raw=False):
    headers = {"Idempotency-Key": key} if key else {}
    data = body if raw else json.dumps(body)
    return client.post(url, data, content_type="application/json", headers=headers)


def test_quotes_are_bounded_in_items_and_tracks(buyer_client, settings):
    (track,) = tracks(1)
    settings.QUOTE_MAX_ITEMS = 3
    buyer = customer()
    with pytest.raises(PricingError, match="at most 3 items"):
        quote_create(customer=buyer, items=[(track, "wav")] * 4)
    settings.QUOTE_MAX_TRACKS = 2
    # Distinct tracks: the same item asked twice is quoted once (issue 16).
    with pytest.raises(PricingError, match="at most 2 tracks"):
        quote_create(customer=buyer, items=[(t, "wav") for t in tracks(3)])
    too_many = {"items": [{"track_id": track.pk, "format": "wav"}] * 201}
    response = post(buyer_client, "/api/quotes", too_many)
    assert response.status_code == 422  # refused by the schema, before any lookup


@pytest.mark.parametrize("amount", ["true", '"100"', "1e3", "100.0", "0", "-5", "1e400"])
def test_deposit_amounts_are_strict_whole_numbers(buyer_client, amount):
    """RFC 8259 numbers: only a JSON integer in bounds is an amount of minor units."""
    body = '{"amount_minor": ' + amount + "}"
    response = post(buyer_client, "/api/deposits", body, key="k", raw=True)
    assert response.status_code == 422, amount
    assert buyer_client.get("/api/balance").json()["balance_minor"] == 0
    huge = post(buyer_client, "/api/deposits", {"amount_minor": 2**63 - 1}, key="k2")
    assert huge.status_code == 422
    assert post(buyer_client, "/api/deposits", {"amount_minor": 100}, key="k3").status_code == 201


def test_gift_code_amounts_are_bounded_in_the_model_and_the_database():
    for amount in (0, MAX_AMOUNT_MINOR + 1, 2**63 - 1):
        with pytest.raises(ValidationError):
            GiftCode(code="X", amount_minor=amount, currency="USD").full_clean()
        with pytest.raises(IntegrityError), transaction.atomic():
            GiftCode.objects.create(code="X", amount_minor=amount, currency="USD")
    GiftCode(code="OK", amount_minor=MAX_AMOUNT_MINOR, currency="USD").full_clean()


def test_the_ledger_refuses_amounts_past_its_bounds_and_verify_never_crashes(capsys):
    buyer = customer()
    clearing = account_get(kind=Account.CLEARING, currency="USD")
    balance = customer_account(user=buyer, currency="USD")
    for amount in (10**19, 1.5, True):
        with pytest.raises(AmountOutOfBounds):
            transfer_post(
                transfer_id=f"t{amount}",
                kind="deposit",
                legs=[Leg(clearing, -amount), Leg(balance, amount)],
            )
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ledger_account SET balance_in_unit = %s WHERE id = %s", [2**63 - 1, balance.pk]
        )
    assert ledger_verify() == []


def test_ledger_verify_exits_2_when_it_cannot_check(capsys, monkeypatch):
    from django.db import OperationalError

    from tunemeter.ledger.management.commands import ledger as command

    def broken():
        raise OperationalError("database or disk is full")

    monkeypatch.setattr(command, "ledger_verify", broken)
    with pytest.raises(SystemExit) as exit_info:
        call_command("ledger", "verify")
    assert exit_info.value.code == 2
    assert "could not be checked" in capsys.readouterr().err


def test_request_bodies_past_the_limit_get_413_before_they_are_buffered(asgi_server, settings):  # noqa: F811
    settings.MAX_REQUEST_BODY_BYTES = 10_000
    parts = urlsplit(asgi_server)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    conn.request("POST", "/api/quotes", body=b"x" * 20_000, headers={"Content-Type": "text/plain"})
    assert conn.getresponse().status == 413
    conn.close()
    # Chunked, no Content-Length: refused once the limit is passed.
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(b"POST /api/quotes HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"y" * 4096
        try:
            for _ in range(10):
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server may close as soon as it answered
        assert sock.recv(100).startswith(b"HTTP/1.1 413")
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    conn.request("GET", "/api/formats")
    assert conn.getresponse().status == 200
