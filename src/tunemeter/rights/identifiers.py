"""Validate rights holders' identifiers by their check rules: IPI, ISNI, DDEX party id."""

from __future__ import annotations

import re
import string

from django.core.exceptions import ValidationError

_ALNUM = string.digits + string.ascii_uppercase


def ipi_check_digits(body: str) -> str:
    """Return the two check digits of an IPI name number's first nine digits (mod 101)."""
    total = sum(int(d) * (10 - i) for i, d in enumerate(body)) % 101
    return f"{(101 - total) % 100 if total else 0:02d}"


def validate_ipi(value: str) -> None:
    """Raise ValidationError unless value is an 11-digit IPI name number with valid checks."""
    code = re.sub(r"[\s.-]", "", value or "")
    if not (code.isdigit() and len(code) == 11) or ipi_check_digits(code[:9]) != code[9:]:
        raise ValidationError("%(v)s is not an IPI name number (11 digits).", params={"v": value})


def isni_check_char(body: str) -> str:
    """Return the ISO 7064 MOD 11-2 check character of an ISNI's first 15 digits."""
    total = 0
    for d in body:
        total = (total + int(d)) * 2
    check = (12 - total % 11) % 11
    return "X" if check == 10 else str(check)


def validate_isni(value: str) -> None:
    """Raise ValidationError unless value is a 16-character ISNI with a valid check."""
    code = re.sub(r"[\s-]", "", value or "").upper()
    if not re.fullmatch(r"\d{15}[\dX]", code) or isni_check_char(code[:15]) != code[15]:
        raise ValidationError("%(v)s is not an ISNI (16 characters).", params={"v": value})


def mod37_36_check_char(body: str) -> str:
    """Return the ISO 7064 MOD 37,36 check character of an alphanumeric string."""
    p = 36
    for ch in body:
        s = (p + _ALNUM.index(ch)) % 36 or 36
        p = (s * 2) % 37
    return _ALNUM[(37 - p) % 36]


def validate_dpid(value: str) -> None:
    """Raise ValidationError unless value is a DDEX party id (PADPIDA… with its check char)."""
    code = (value or "").strip().upper()
    if not re.fullmatch(r"PADPID[A-Z][0-9A-Z]{9,30}", code) or (
        mod37_36_check_char(code[:-1]) != code[-1]
    ):
        raise ValidationError("%(v)s is not a DDEX party id (PADPIDA…).", params={"v": value})
