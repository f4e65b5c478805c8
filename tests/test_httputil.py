"""The one HTTP helper module: attachment names, 429, redirects, cache headers."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from tunemeter.httputil import (
    attachment,
    cache_public,
    content_disposition,
    no_store,
    safe_next,
    too_many_requests,
)


def _parts(header: str) -> tuple[str, str]:
    fallback = header.split('filename="')[1].split('"')[0]
    exact = unquote(header.split("filename*=UTF-8''")[1])
    return fallback, exact


@pytest.mark.parametrize(
    ("name", "fallback"),
    [
        ("01 - Björk - Jóga.flac", "01 - Bjork - Joga.flac"),
        ("Северный ветер.tsv", "Severnyi veter.tsv"),
        ("Щука и Ёж.csv", "Shchuka i Ezh.csv"),
        ("東京.flac", "download.flac"),
        ('a"b\\c.csv', "a_b_c.csv"),
        ("100% done.csv", "100_ done.csv"),
    ],
)
def test_content_disposition_has_an_ascii_fallback_and_the_exact_name(name, fallback):
    """RFC 6266 section 4.3 (filename plus filename*), RFC 8187 (UTF-8 ext-value).

    The plain filename is ASCII, transliterated, without quotes, backslashes or "%"
    (RFC 6266 appendix D: some agents percent-decode it); filename* has the exact name.
    """
    header = content_disposition(name)
    assert header.isascii() and header.startswith("attachment; ")
    got_fallback, exact = _parts(header)
    assert got_fallback == fallback
    assert exact == name.replace("\\", "_")


def test_bidi_overrides_and_controls_cannot_disguise_an_extension():
    """Unicode UAX #9: a right-to-left override (U+202E) would show evil…gpj.exe as evilexe.jpg."""
    header = content_disposition("evil\u202egpj.exe\r\nX-Injected: 1")
    fallback, exact = _parts(header)
    assert "\u202e" not in exact and "\r" not in header and "\n" not in header
    assert fallback == exact == "evilgpj.exeX-Injected: 1"
    assert content_disposition("\u202e\u200b").endswith("filename*=UTF-8''download")


def test_too_many_requests_says_when_to_retry():
    """RFC 6585 section 4: 429 may carry Retry-After (RFC 9110 section 10.2.3), in seconds."""
    response = too_many_requests(7, "busy")
    assert response.status_code == 429 and response["Retry-After"] == "7"
    assert response.content == b"busy"


def test_safe_next_refuses_other_hosts_and_schemes():
    rf = RequestFactory()
    assert safe_next(rf.get("/", {"next": "/cart/"}), "/") == "/cart/"
    for evil in ("https://evil.example/", "//evil.example/", "javascript:alert(1)", "/\\evil"):
        assert safe_next(rf.get("/", {"next": evil}), "/home/") == "/home/"
    assert safe_next(rf.post("/", {"next": "/balance/"})) == "/balance/"


def test_attachment_streams_with_length_and_no_caching():
    request = RequestFactory().get("/")
    response = attachment(
        request, iter([b"ab", b"c"]), filename="s.csv", content_type="text/csv", size_bytes=3
    )
    assert response.streaming and b"".join(response.streaming_content) == b"abc"
    assert response["Content-Length"] == "3"
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_cache_headers():
    assert no_store(HttpResponse())["Cache-Control"] == "private, no-store"
    assert cache_public(HttpResponse(), max_age=60)["Cache-Control"] == "public, max-age=60"
