"""Parse and test territory scopes: an included list, or Worldwide minus an excluded list.

A scope is written the way DDEX writes it: `Worldwide`, `Worldwide -US -CA` (excluded
territories), or `DE AT CH` (included territories). Codes are ISO 3166-1 alpha-2.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_countries import countries

WORLDWIDE = "Worldwide"


def _known(code: str) -> bool:
    return code in countries


@dataclass(frozen=True)
class Territories:
    """Where a mandate, deal or takedown applies."""

    worldwide: bool
    codes: frozenset[str]  # included when not worldwide, excluded when worldwide

    def covers(self, territory: str) -> bool:
        """Return True when territory (an ISO code) lies in this scope."""
        if not territory:
            return False
        territory = territory.upper()
        return (territory not in self.codes) if self.worldwide else (territory in self.codes)

    @property
    def included(self) -> list[str]:
        return [] if self.worldwide else sorted(self.codes)

    @property
    def excluded(self) -> list[str]:
        return sorted(self.codes) if self.worldwide else []

    def __str__(self) -> str:
        if self.worldwide:
            return " ".join([WORLDWIDE, *(f"-{c}" for c in self.excluded)])
        return " ".join(self.included)


def territories_parse(text: str) -> Territories:
    """Parse `Worldwide`, `Worldwide -US -CA` or `DE AT CH`; raise ValidationError if invalid."""
    words = (text or "").replace(",", " ").split()
    if not words:
        raise ValidationError(
            _("Give territories: Worldwide, Worldwide -XX …, or a list of codes.")
        )
    worldwide = words[0].lower() in ("worldwide", "ww")
    rest = words[1:] if worldwide else words
    codes = set()
    for word in rest:
        if worldwide != word.startswith("-"):
            raise ValidationError(
                _("%(w)s: after Worldwide list exclusions as -XX; otherwise list codes only."),
                params={"w": word},
            )
        code = word.lstrip("-").upper()
        if not _known(code):
            raise ValidationError(_("%(c)s is not an ISO 3166-1 country code."), params={"c": code})
        codes.add(code)
    return Territories(worldwide=worldwide, codes=frozenset(codes))


def territory_check(code: str) -> str:
    """Return a buyer's territory as an ISO 3166-1 alpha-2 code; raise ValueError otherwise.

    Three-letter or unknown codes are refused, never guessed.
    """
    upper = (code or "").strip().upper()
    if len(upper) != 2 or not _known(upper):
        raise ValueError(f"{code!r} is not an ISO 3166-1 alpha-2 country code (like US, DE, JP)")
    return upper


def validate_territories(text: str) -> None:
    """Raise ValidationError unless text is a valid territory scope."""
    territories_parse(text)


def territories_normalize(text: str) -> str:
    """Return the canonical spelling of a territory scope."""
    return str(territories_parse(text))
