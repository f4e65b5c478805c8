"""Evaluate HTTP range requests (RFC 9110 §14) against a representation of known length."""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_RANGES = 16
# At most 18 digits: Python refuses int() of huge digit strings, and no file is that big.
_SPEC = re.compile(r"^\s*([0-9]{0,18})\s*-\s*([0-9]{0,18})\s*$")


@dataclass(frozen=True)
class RangeResult:
    """What to send: the whole file, some byte ranges, or 416."""

    ranges: list[tuple[int, int]] | None  # inclusive (first, last); None: the whole file
    unsatisfiable: bool = False


WHOLE = RangeResult(ranges=None)


def parse_range(header: str | None, length: int) -> RangeResult:
    """Return the ranges a Range header asks of a representation of `length` bytes.

    Malformed headers are ignored (the whole file, 200). A set of ranges none of
    which overlaps the file is unsatisfiable (416). More than MAX_RANGES ranges, or
    ranges that overlap or are out of order (a known amplification trick), get the
    whole file.
    """
    if not header:
        return WHOLE
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or not spec.strip():
        return WHOLE
    parts = [p for p in spec.split(",") if p.strip()]  # empty list elements are allowed
    if len(parts) > MAX_RANGES:
        return WHOLE
    ranges: list[tuple[int, int]] = []
    for part in parts:
        match = _SPEC.match(part)
        if match is None:
            return WHOLE
        first, last = match.groups()
        if not first and not last:
            return WHOLE
        if not first:  # suffix: the last N bytes
            suffix = int(last)
            if suffix == 0:
                continue
            ranges.append((max(length - suffix, 0), length - 1))
            continue
        start = int(first)
        end = int(last) if last else length - 1
        if last and end < start:
            return WHOLE  # syntactically invalid: ignore the header
        if start >= length:
            continue  # unsatisfiable on its own
        ranges.append((start, min(end, length - 1)))
    if not ranges or length == 0:
        return RangeResult(ranges=None, unsatisfiable=True)
    for (_, prev_last), (next_first, _) in zip(ranges, ranges[1:], strict=False):
        if next_first <= prev_last:
            return WHOLE
    return RangeResult(ranges=ranges)


def if_range_allows(if_range: str | None, etag: str) -> bool:
    """Return True when ranges may be served: no If-Range, or it matches our strong ETag."""
    if if_range is None:
        return True
    return if_range.strip() == etag
