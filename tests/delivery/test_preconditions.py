"""Test RFC 9110 §13 conditional requests on downloads, in the order §13.2.2 gives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.utils.http import http_date

from tests.delivery.test_downloads import first_track_url, get, get_cached
from tunemeter.delivery import preconditions

LAST = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def _eval(headers: dict, etag: str | None = '"a"', last_modified=LAST) -> int:
    return preconditions.evaluate(headers, etag=etag, last_modified=last_modified)


def test_if_match_and_if_unmodified_since():
    """RFC 9110 §13.1.1 (strong comparison) and §13.1.4; §13.2.2 steps 1-2."""
    assert _eval({"If-Match": '"a"'}) == 200
    assert _eval({"If-Match": "*"}) == 200
    assert _eval({"If-Match": '"b", "c"'}) == 412
    assert _eval({"If-Match": 'W/"a"'}) == 412  # weak tags never match strongly
    assert _eval({"If-Match": '"a"'}, etag=None) == 412
    later, earlier = http_date((LAST + timedelta(days=1)).timestamp()), http_date(0)
    assert _eval({"If-Unmodified-Since": later}) == 200
    assert _eval({"If-Unmodified-Since": earlier}) == 412
    assert _eval({"If-Unmodified-Since": "not a date"}) == 200  # ignored (§13.1.4)
    # Step 1 before step 2: a passing If-Match makes If-Unmodified-Since irrelevant.
    assert _eval({"If-Match": '"a"', "If-Unmodified-Since": earlier}) == 200


def test_if_none_match_and_if_modified_since():
    """RFC 9110 §13.1.2 (weak comparison, "*") and §13.1.3; §13.2.2 steps 3-4."""
    assert _eval({"If-None-Match": '"a"'}) == 304
    assert _eval({"If-None-Match": 'W/"a"'}) == 304
    assert _eval({"If-None-Match": '"b"'}) == 200
    assert _eval({"If-None-Match": "*"}, etag=None, last_modified=None) == 304  # encoding
    later, earlier = http_date((LAST + timedelta(days=1)).timestamp()), http_date(0)
    assert _eval({"If-Modified-Since": later}) == 304
    assert _eval({"If-Modified-Since": http_date(LAST.timestamp())}) == 304
    assert _eval({"If-Modified-Since": earlier}) == 200
    # Step 3 before step 4: If-None-Match present means If-Modified-Since is ignored.
    assert _eval({"If-None-Match": '"b"', "If-Modified-Since": later}) == 200
    # Steps 1-2 before 3-4: a failed If-Match is 412 even when If-None-Match would be 304.
    assert _eval({"If-Match": '"b"', "If-None-Match": '"a"'}) == 412


def test_preconditions_over_http(asgi_server, purchase):
    """RFC 9110 §13.2.2 end to end: 412, 304 and the If-Range step after them."""
    buyer, _, _ = purchase
    url, _ = first_track_url(asgi_server, buyer)
    get(url)
    status, headers, whole = get_cached(url)
    etag, modified = headers["ETag"], headers["Last-Modified"]
    assert get(url, {"If-Match": etag})[0] == 200
    status, h, body = get(url, {"If-Match": '"other"'})
    assert status == 412 and body == b""
    assert get(url, {"If-Unmodified-Since": http_date(0)})[0] == 412
    assert get(url, {"If-Unmodified-Since": modified})[0] == 200
    assert get(url, {"If-Modified-Since": modified})[0] == 304
    assert get(url, {"If-None-Match": "*"})[0] == 304
    status, _, body = get(url, {"If-Match": etag, "Range": "bytes=0-3", "If-Range": etag})
    assert (status, body) == (206, whole[:4])


def test_if_none_match_star_is_honoured_while_encoding(asgi_server, purchase):
    """RFC 9110 §13.1.2: "*" matches any current representation, even one being encoded."""
    buyer, _, _ = purchase
    url, _ = first_track_url(asgi_server, buyer)
    status, _, body = get(url, {"If-None-Match": "*"})
    assert (status, body) == (304, b"")
