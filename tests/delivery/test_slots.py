"""Test that a download slot goes back on every response path (issue 13 points 1 and 10)."""

from __future__ import annotations

import http.client
import socket
import time
from urllib.parse import urlsplit

import pytest

from tests.delivery.test_downloads import first_track_url, get, get_cached
from tunemeter import storage
from tunemeter.delivery.exceptions import TooManyDownloads
from tunemeter.delivery.limits import LocalSlots, slots_backend
from tunemeter.transcoding import cache as cache_module
from tunemeter.transcoding.exceptions import RenderError
from tunemeter.transcoding.selectors import render_job


def _slots_free(customer_id: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while slots_backend().in_use(customer_id):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def _hang_up_before_the_body(url: str, method: str = "GET", headers: str = "") -> None:
    """Send a request and close the connection at once, before any response byte."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port)) as sock:
        sock.sendall(f"{method} {parts.path} HTTP/1.1\r\nHost: x\r\n{headers}\r\n".encode())
    time.sleep(0.05)


def test_the_slot_interface_takes_and_gives_back_once():
    backend = LocalSlots()
    with backend.acquire(7, limit=1) as slot:
        assert backend.in_use(7) == 1
        with pytest.raises(TooManyDownloads):
            backend.acquire(7, limit=1)
    slot.release()  # a second release gives nothing back twice
    assert backend.in_use(7) == 0
    backend.acquire(7, limit=1).release()


def test_every_response_path_gives_its_slot_back(asgi_server, purchase, settings, monkeypatch):
    """RFC 9110 §15.4.5 (304), §15.5.17 (416), §9.3.2 (HEAD): each path frees its slot."""
    buyer, _, _ = purchase
    settings.MAX_DOWNLOADS_PER_CUSTOMER = 1
    url, _ = first_track_url(asgi_server, buyer)
    status, headers, whole = get(url)  # 200, encoding while sending
    assert status == 200 and _slots_free(buyer.pk)
    status, headers, whole = get_cached(url)
    assert status == 200 and _slots_free(buyer.pk)
    etag, length = headers["ETag"], len(whole)
    paths = [
        ({"Range": "bytes=0-9"}, "GET", 206),
        ({"If-None-Match": etag}, "GET", 304),
        ({"If-None-Match": etag}, "GET", 304),
        ({"If-None-Match": etag}, "GET", 304),
        ({"If-None-Match": etag}, "GET", 304),  # four revalidations used to lock out
        ({"If-Match": '"something-else"'}, "GET", 412),
        ({"Range": f"bytes={length}-"}, "GET", 416),
        ({}, "HEAD", 200),
        ({}, "HEAD", 200),
    ]
    for request_headers, method, expected in paths:
        status, _, _ = get(url, request_headers, method=method)
        assert status == expected, (request_headers, method)
        assert _slots_free(buyer.pk), (request_headers, method, expected)
    for _ in range(6):  # clients that hang up before the body starts
        _hang_up_before_the_body(url)
        _hang_up_before_the_body(url, headers=f"If-None-Match: {etag}\r\n")
    assert _slots_free(buyer.pk)
    status, _, body = get(url)
    assert (status, body) == (200, whole)


def test_a_failing_encode_gives_its_slot_back(asgi_server, purchase, settings, monkeypatch):
    buyer, _, _ = purchase
    settings.MAX_DOWNLOADS_PER_CUSTOMER = 1
    url, _ = first_track_url(asgi_server, buyer)
    real = cache_module.render

    def failing(source, fmt, tags):
        raise RenderError("master went bad")
        yield b""

    monkeypatch.setattr(cache_module, "render", failing)
    for _ in range(3):
        with pytest.raises((http.client.IncompleteRead, ConnectionError)):
            get(url)
        assert _slots_free(buyer.pk)
    monkeypatch.setattr(cache_module, "render", real)
    status, headers, body = get(url)
    assert status == 200 and len(body) == int(headers["Content-Length"])


def test_head_starts_no_encoder_and_says_what_get_would(asgi_server, purchase):
    """RFC 9110 §9.3.2: HEAD answers with GET's header fields, and here costs no encode."""
    buyer, _, _ = purchase
    url, entitlement = first_track_url(asgi_server, buyer)
    job = render_job(track_id=entitlement.track_id, format_id="wav")
    started = cache_module.cache_get().encodes_started
    for _ in range(5):
        status, head, body = get(url, method="HEAD")
        assert status == 200 and body == b""
    assert cache_module.cache_get().encodes_started == started
    assert not storage.storage_path(job.relpath).exists()
    assert not list(storage.storage_root().rglob(f"{storage.TEMP_PREFIX}*"))
    status, headers, whole = get(url)
    assert head["Content-Length"] == headers["Content-Length"] == str(len(whole))
    assert head["Content-Type"] == headers["Content-Type"]
