"""Territory scopes and identifier check rules."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from tunemeter.rights.identifiers import (
    mod37_36_check_char,
    validate_dpid,
    validate_ipi,
    validate_isni,
)
from tunemeter.rights.territories import territories_normalize, territories_parse


@pytest.mark.parametrize(
    ("scope", "inside", "outside"),
    [
        ("Worldwide", ["US", "DE", "JP"], [""]),
        ("Worldwide -US -CA", ["DE", "MX"], ["US", "CA"]),
        ("DE AT CH", ["DE", "AT", "CH"], ["FR", "US"]),
        ("de, at", ["DE", "AT"], ["CH"]),
    ],
)
def test_scopes_cover_what_they_say(scope, inside, outside):
    territories = territories_parse(scope)
    assert all(territories.covers(code) for code in inside)
    assert not any(territories.covers(code) for code in outside)


@pytest.mark.parametrize("bad", ["", "XX", "Worldwide US", "DE -AT", "Atlantis"])
def test_bad_scopes_are_refused(bad):
    with pytest.raises(ValidationError):
        territories_parse(bad)


def test_scopes_have_one_spelling():
    assert territories_normalize("ww -ca -us") == "Worldwide -CA -US"
    assert territories_normalize("ch de at") == "AT CH DE"


def test_ipi_check_digits():
    # 0·10+0·9+0·8+1·7+4·6+1·5+0·4+7·3+3·2 = 63; (101 − 63) mod 100 = 38
    validate_ipi("00014107338")
    with pytest.raises(ValidationError):
        validate_ipi("00014107339")
    with pytest.raises(ValidationError):
        validate_ipi("1234")


def test_isni_check_character():
    validate_isni("0000 0001 2281 955X")  # an ISNI with the X check character
    validate_isni("0000000121032683")
    with pytest.raises(ValidationError):
        validate_isni("0000000121032684")


def test_dpid_check_character():
    assert mod37_36_check_char("DADPIDA3897722461") == "J"  # a worked ISO 7064 example
    body = "PADPIDA2014120301"
    validate_dpid(body + mod37_36_check_char(body))
    with pytest.raises(ValidationError):
        validate_dpid(body + "0" if mod37_36_check_char(body) != "0" else body + "1")
    with pytest.raises(ValidationError):
        validate_dpid("NOTAPARTYID")
