"""Test the UPC/EAN, ISRC and date validators."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from tunemeter.catalog.validators import (
    gtin_check_digit,
    normalize_isrc,
    validate_gtin,
    validate_isrc,
    validate_partial_date,
)


@pytest.mark.parametrize(
    "code", ["9780306406157", "036000291452", "4006381333931", "0 36000 29145 2"]
)
def test_valid_gtins_pass(code):
    validate_gtin(code)


@pytest.mark.parametrize("code", ["9780306406158", "036000291453", "12345", "ABCDEFGHIJKLM", ""])
def test_invalid_gtins_fail(code):
    with pytest.raises(ValidationError):
        validate_gtin(code)


def test_check_digit_matches_gs1_example():
    # GS1's worked example: 629104150021 → check digit 3.
    assert gtin_check_digit("629104150021") == 3


@pytest.mark.parametrize("code", ["GBAYE0601498", "us-s1z-99-00001", "QZTM52600001"])
def test_valid_isrcs_pass(code):
    validate_isrc(code)


@pytest.mark.parametrize("code", ["GBAYE060149", "1BAYE0601498", "GBAYE06014X8", ""])
def test_invalid_isrcs_fail(code):
    with pytest.raises(ValidationError):
        validate_isrc(code)


def test_isrc_is_normalized():
    assert normalize_isrc("us-s1z-99-00001") == "USS1Z9900001"


@pytest.mark.parametrize("value", ["2026", "2026-11", "2026-11-28"])
def test_partial_dates_pass(value):
    validate_partial_date(value)


@pytest.mark.parametrize("value", ["26", "2026-13", "2026-11-32", "2026/11/28", "November"])
def test_bad_dates_fail(value):
    with pytest.raises(ValidationError):
        validate_partial_date(value)
