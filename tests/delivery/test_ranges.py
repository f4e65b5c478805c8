"""Unit-test range parsing and body slicing at their edges."""

from __future__ import annotations

from tunemeter.delivery.ranges import parse_range
from tunemeter.delivery.responses import sliced


def test_huge_numbers_and_odd_lists_never_raise():
    assert parse_range("bytes=" + "9" * 5000 + "-", 100).ranges is None  # ignored: whole file
    assert parse_range("bytes=0-1,,5-6", 100).ranges == [(0, 1), (5, 6)]
    assert parse_range("BYTES = 0-1", 100).ranges == [(0, 1)]
    assert parse_range("bytes=-0", 100).unsatisfiable
    assert parse_range("bytes=0-0", 0).unsatisfiable
    assert parse_range("bytes=0-1,200-300", 100).ranges == [(0, 1)]


def test_sliced_pulls_no_chunk_past_the_range():
    pulled = []

    def chunks():
        for i in range(10):
            pulled.append(i)
            yield bytes(10)

    assert b"".join(sliced(chunks(), 10)) == bytes(10)
    assert pulled == [0]
