"""Validate catalog identifiers: UPC/EAN (GTIN), ISRC and partial ISO dates."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

ISRC_RE = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}[0-9]{2}[0-9]{5}$")
PARTIAL_DATE_RE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")


def gtin_check_digit(body: str) -> int:
    """Return the GS1 mod-10 check digit for the digits of a GTIN without its check digit."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def normalize_gtin(value: str) -> str:
    """Return a UPC/EAN with spaces and hyphens removed."""
    return re.sub(r"[\s-]", "", value or "")


def validate_gtin(value: str) -> None:
    """Raise ValidationError unless value is a UPC-A or EAN-13 with a valid check digit."""
    code = normalize_gtin(value)
    if not code.isdigit() or len(code) not in (12, 13):
        raise ValidationError("%(v)s is not a UPC/EAN: 12 or 13 digits.", params={"v": value})
    if gtin_check_digit(code[:-1]) != int(code[-1]):
        raise ValidationError("%(v)s has a wrong check digit.", params={"v": value})


def normalize_isrc(value: str) -> str:
    """Return an ISRC upper-cased with hyphens and spaces removed (ISO 3901 display form)."""
    return re.sub(r"[\s-]", "", value or "").upper()


def validate_isrc(value: str) -> None:
    """Raise ValidationError unless value is a 12-character ISRC (CC-XXX-YY-NNNNN)."""
    if not ISRC_RE.match(normalize_isrc(value)):
        raise ValidationError("%(v)s is not an ISRC (CC-XXX-YY-NNNNN).", params={"v": value})


def validate_partial_date(value: str) -> None:
    """Raise ValidationError unless value is YYYY, YYYY-MM or YYYY-MM-DD."""
    if not PARTIAL_DATE_RE.match(value or ""):
        raise ValidationError(
            "%(v)s is not a date (YYYY, YYYY-MM or YYYY-MM-DD).", params={"v": value}
        )
