"""Test downloads over real HTTP: links, the range matrix, resume, failures, zips, limits."""

from __future__ import annotations

import hashlib
import http.client
import io
import random
import threading
import time
import zipfile
from urllib.parse import urlsplit

import av
import pytest

from tunemeter import storage
from tunemeter.delivery import logbook
from tunemeter.delivery.links import link_sign, release_link, track_link
from tunemeter.library.models import Entitlement
from tunemeter.shop.services import order_refund
from tunemeter.transcoding import cache as cache_module
from tunemeter.transcoding.exceptions import RenderError
from tunemeter.transcoding.selectors import render_job


def get(url: str, headers: dict | None = None, method: str = "GET"):
    """Return (status, headers, body) without raising on HTTP errors."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.request(
        method, parts.path + (f"?{parts.query}" if parts.query else ""), headers=headers or {}
    )
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, response.headers, body


def get_cached(url: str, headers: dict | None = None):
    """GET url once it is cached: the first download's encoder may still be finishing."""
    deadline = time.monotonic() + 10
    while True:
        status, h, body = get(url, headers)
        if h.get("ETag") or time.monotonic() > deadline:
            return status, h, body
        time.sleep(0.05)


def first_track_url(base, buyer) -> tuple[str, Entitlement]:
    entitlement = Entitlement.objects.filter(customer=buyer).order_by("track__position").first()
    return base + track_link(entitlement), entitlement


def test_the_range_matrix_on_a_cached_file(asgi_server, purchase):
    buyer, _, _ = purchase
    url, _ = first_track_url(asgi_server, buyer)
    status, headers, whole = get(url)  # renders and caches it
    assert status == 200
    status, headers, again = get_cached(url)
    assert (status, again) == (200, whole)
    length, etag = len(whole), headers["ETag"]
    assert headers["Content-Length"] == str(length) and headers["Accept-Ranges"] == "bytes"
    assert etag.startswith('"') and headers["Last-Modified"]
    assert headers["Content-Type"] == "audio/wav"
    assert (
        "filename*=UTF-8''01%20-%20Bj%C3%B6rk%20-%20J%C3%B3ga%201.wav"
        in headers["Content-Disposition"]
    )
    assert 'filename="01 - Bjork - Joga 1.wav"' in headers["Content-Disposition"]
    cases = {
        "bytes=0-0": (206, whole[:1], f"bytes 0-0/{length}"),
        "bytes=0-": (206, whole, f"bytes 0-{length - 1}/{length}"),
        "bytes=-1": (206, whole[-1:], f"bytes {length - 1}-{length - 1}/{length}"),
        f"bytes=-{length}": (206, whole, f"bytes 0-{length - 1}/{length}"),
        f"bytes=-{length + 10}": (206, whole, f"bytes 0-{length - 1}/{length}"),
        f"bytes={length - 1}-": (206, whole[-1:], f"bytes {length - 1}-{length - 1}/{length}"),
        "bytes=100-199": (206, whole[100:200], f"bytes 100-199/{length}"),
    }
    for header, (code, body, content_range) in cases.items():
        status, h, got = get(url, {"Range": header})
        assert (status, got, h["Content-Range"]) == (code, body, content_range), header
        assert h["Content-Length"] == str(len(body))
    status, h, _ = get(url, {"Range": f"bytes={length}-"})
    assert (status, h["Content-Range"]) == (416, f"bytes */{length}")
    for malformed in ["bytes=abc", "bytes=5-1", "items=0-1", "bytes=", "bytes=--1"]:
        status, _, got = get(url, {"Range": malformed})
        assert (status, got) == (200, whole), malformed
    status, h, got = get(url, {"Range": "bytes=0-1,10-19"})
    assert status == 206 and h["Content-Type"].startswith("multipart/byteranges; boundary=")
    boundary = h["Content-Type"].split("boundary=")[1]
    assert got.count(f"--{boundary}".encode()) == 3 and whole[10:20] in got
    assert f"Content-Range: bytes 10-19/{length}".encode() in got
    assert int(h["Content-Length"]) == len(got)
    assert get(url, {"Range": ",".join(f"bytes={i}-{i}" for i in range(20))})[0] == 200  # > 16
    assert get(url, {"Range": "bytes=0-100,50-60"})[0] == 200  # overlapping
    assert get(url, {"Range": "bytes=0-9", "If-Range": etag})[0] == 206
    status, _, got = get(url, {"Range": "bytes=0-9", "If-Range": '"stale"'})
    assert (status, got) == (200, whole)
    status, h, _ = get(url, {"If-None-Match": etag})
    assert status == 304 and h.get("Content-Length") in (None, str(length))
    status, head_headers, body = get(url, method="HEAD")
    assert status == 200 and body == b""
    for name in ("Content-Length", "Content-Type", "ETag", "Accept-Ranges", "Content-Disposition"):
        assert head_headers[name] == headers[name]


def test_twenty_aborted_and_resumed_downloads_end_complete(asgi_server, purchase):
    buyer, _, _ = purchase
    url, _ = first_track_url(asgi_server, buyer)
    get(url)  # the first download renders and caches it
    status, headers, whole = get_cached(url)
    expected = hashlib.sha256(whole).hexdigest()
    parts = urlsplit(url)
    rng = random.Random(7)
    for _ in range(20):
        cut = rng.randrange(1, len(whole))
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        conn.request("GET", parts.path)
        response = conn.getresponse()
        partial = response.read(cut)
        conn.close()  # abort mid-transfer
        status, h, rest = get(url, {"Range": f"bytes={len(partial)}-", "If-Range": headers["ETag"]})
        assert status == 206
        assert hashlib.sha256(partial + rest).hexdigest() == expected


def test_links_forged_expired_revoked_and_foreign(asgi_server, purchase, client):
    buyer, _, order = purchase
    url, entitlement = first_track_url(asgi_server, buyer)
    prefix, token_and_name = url.split("/download/t/")
    token, name = token_and_name.split("/", 1)
    forged = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    assert get(f"{prefix}/download/t/{forged}/{name}")[0] == 403
    expired = link_sign(customer_id=buyer.pk, entitlement_id=entitlement.pk, ttl_seconds=-1)
    status, _, body = get(f"{prefix}/download/t/{expired}/{name}")
    assert status == 410 and b"expired" in body
    other = link_sign(customer_id=buyer.pk + 1000, entitlement_id=entitlement.pk)
    assert get(f"{prefix}/download/t/{other}/{name}")[0] == 404
    from tests.shop.factories import customer

    stranger = customer()
    client.force_login(stranger)
    assert client.get(f"/library/{entitlement.pk}/link").status_code == 404
    client.force_login(buyer)
    assert client.get(f"/library/{entitlement.pk}/link").status_code == 302
    order_refund(order=order, staff=customer(staff=True), reason="test")
    assert get(url)[0] == 403
    assert get(asgi_server + "/media/masters/x.flac")[0] == 404  # storage is never served


def test_an_uncached_exact_rendition_sends_its_length_and_a_flac_streams_chunked(
    asgi_server, purchase
):
    buyer, _, _ = purchase
    url, entitlement = first_track_url(asgi_server, buyer)
    job = render_job(track_id=entitlement.track_id, format_id="wav")
    assert not storage.storage_path(job.relpath).exists()
    status, headers, body = get(url)
    assert headers["Content-Length"] == str(len(body)) and "ETag" not in headers
    flac = Entitlement.objects.create(
        customer=buyer, track=entitlement.track, format_id="flac", order=entitlement.order
    )
    status, headers, body = get(asgi_server + track_link(flac))
    assert status == 200 and "Content-Length" not in headers and body[:4] == b"fLaC"
    assert headers.get("Transfer-Encoding") == "chunked"


def test_an_encoder_failing_mid_stream_aborts_the_response_and_caches_nothing(
    asgi_server, purchase, monkeypatch
):
    buyer, _, _ = purchase
    url, entitlement = first_track_url(asgi_server, buyer)
    real = cache_module.render

    def failing(source, fmt, tags):
        for i, chunk in enumerate(real(source, fmt, tags)):
            if i == 3:
                raise RenderError("master went bad")
            yield chunk

    monkeypatch.setattr(cache_module, "render", failing)
    with pytest.raises((http.client.IncompleteRead, ConnectionError)):
        get(url)
    job = render_job(track_id=entitlement.track_id, format_id="wav")
    assert not storage.storage_path(job.relpath).exists()
    monkeypatch.setattr(cache_module, "render", real)
    status, headers, body = get(url)
    assert status == 200 and len(body) == int(headers["Content-Length"])


def test_release_zip_opens_and_every_member_decodes_and_resumes(asgi_server, purchase):
    buyer, release, order = purchase
    url = asgi_server + release_link(
        customer_id=buyer.pk, order_id=order.pk, release=release, format_id="wav"
    )
    status, headers, body = get(url)
    assert status == 200 and headers["Content-Type"] == "application/zip"
    assert headers["Content-Length"] == str(len(body))  # WAV sizes are exact: sized zip
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert archive.namelist() == [
        "01 - Jóga 1.wav",
        "02 - Jóga 2.wav",
        "03 - Jóga 3.wav",
        "cover.jpg",
    ]
    assert archive.testzip() is None
    for name in archive.namelist()[:3]:
        with av.open(io.BytesIO(archive.read(name))) as media:
            assert sum(f.samples for f in media.decode(audio=0)) == int(1.5 * 44100)
    status, h, tail = get(url, {"Range": f"bytes={len(body) // 2}-", "If-Range": headers["ETag"]})
    assert status == 206 and body[: len(body) // 2] + tail == body
    assert get(url)[2] == body  # byte-identical every time


def test_concurrent_download_limit_and_busy_encoders_answer_429(
    asgi_server, purchase, settings, monkeypatch
):
    buyer, _, _ = purchase
    settings.MAX_DOWNLOADS_PER_CUSTOMER = 1
    url, entitlement = first_track_url(asgi_server, buyer)
    release = threading.Event()

    def slow(source, fmt, tags):
        yield b"RIFF" + bytes(100)
        release.wait(20)
        raise RenderError("stopped by the test")

    monkeypatch.setattr(cache_module, "render", slow)
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.request("GET", parts.path)
    response = conn.getresponse()
    assert response.read(4) == b"RIFF"  # one download in progress, its encoder running
    status, headers, _ = get(url)
    assert status == 429 and int(headers["Retry-After"]) > 0
    settings.MAX_DOWNLOADS_PER_CUSTOMER = 4
    other = Entitlement.objects.create(
        customer=buyer, track=entitlement.track, format_id="aiff", order=entitlement.order
    )
    full = threading.BoundedSemaphore(1)
    full.acquire()  # every encoder slot taken
    monkeypatch.setattr(cache_module.cache_get(), "_slots", full)
    status, headers, _ = get(asgi_server + track_link(other))
    assert status == 429 and headers["Retry-After"] == "5"  # every encoder busy
    release.set()
    conn.close()


def test_downloads_are_logged(asgi_server, purchase):
    from tunemeter.delivery.models import DownloadLog

    buyer, _, _ = purchase
    url, entitlement = first_track_url(asgi_server, buyer)
    status, _, body = get(url, {"User-Agent": "curl/8.0"})
    deadline = time.monotonic() + 10  # written off the request path, after the last byte
    while not DownloadLog.objects.exists() and time.monotonic() < deadline:
        logbook.flush()
        time.sleep(0.05)
    log = DownloadLog.objects.get()
    assert (log.customer_id, log.entitlement_id, log.bytes_sent, log.completed) == (
        buyer.pk,
        entitlement.pk,
        len(body),
        True,
    )
    assert log.user_agent == "curl/8.0"


def test_the_library_lists_purchases_with_links(client, ledger_db, purchase):
    buyer, release, _ = purchase
    client.force_login(buyer)
    body = client.get("/library/").content.decode()
    assert "Homogenic" in body and body.count("/download/t/") == 3 and "/download/z/" in body
