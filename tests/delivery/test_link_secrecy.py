"""Test that links hide ids, die with a password change and never reach logs whole."""

from __future__ import annotations

import base64
import logging

from tests.delivery.test_downloads import first_track_url, get
from tunemeter.delivery.links import link_verify
from tunemeter.observability.logs import ContextFilter


def _token(url: str) -> str:
    return url.split("/download/t/")[1].split("/")[0]


def test_a_token_shows_no_internal_id(asgi_server, purchase):
    buyer, _, _ = purchase
    url, entitlement = first_track_url(asgi_server, buyer)
    token = _token(url)
    sealed = token.split(":")[0]
    readable = base64.urlsafe_b64decode(sealed + "=" * (-len(sealed) % 4))
    assert b'"c"' not in readable and b'"e"' not in readable
    assert str(entitlement.pk).encode() + b"," not in readable
    assert link_verify(token).entitlement_id == entitlement.pk
    assert token != _token(first_track_url(asgi_server, buyer)[0])  # a fresh nonce each time


def test_changing_the_password_revokes_every_earlier_link(asgi_server, purchase):
    buyer, _, _ = purchase
    url, _ = first_track_url(asgi_server, buyer)
    assert get(url)[0] == 200
    buyer.set_password("a brand new passphrase 42")
    buyer.save()
    status, _, body = get(url)
    assert status == 403 and b"revoked" in body
    fresh, _ = first_track_url(asgi_server, buyer)
    assert get(fresh)[0] == 200


def test_log_lines_never_carry_a_whole_token(asgi_server, purchase):
    buyer, _, _ = purchase
    url, _ = first_track_url(asgi_server, buyer)
    path = url.split("127.0.0.1", 1)[1].split("/", 1)[1]
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "GET /%s HTTP/1.1" %d',
        ("x", path, 200),
        None,
    )
    ContextFilter().filter(record)
    token = _token(url)
    assert token not in record.getMessage() and token[:8] in record.getMessage()
    # `tunemeter serve` leaves logging to the store's LOGGING (uvicorn's log_config=None), whose
    # console handler carries the filter for every logger, uvicorn's access log included.
    from django.conf import settings

    assert "context" in settings.LOGGING["handlers"]["console"]["filters"]


def test_the_library_is_never_stored_by_a_cache(client, ledger_db, purchase):
    buyer, _, _ = purchase
    client.force_login(buyer)
    assert "no-store" in client.get("/library/")["Cache-Control"]
