"""Parse statement periods: a month (2026-11), a quarter (2026-Q4) or a year (2026)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class Period:
    """A half-open UTC interval [start, end) named as written (2026-11, 2026-Q4, 2026)."""

    name: str
    start: datetime
    end: datetime

    def previous(self) -> Period:
        """Return the period of the same length just before this one."""
        if re.fullmatch(r"\d{4}", self.name):
            return period_parse(str(int(self.name) - 1))
        if "Q" in self.name:
            year, quarter = int(self.name[:4]), int(self.name[-1])
            return period_parse(f"{year - 1}-Q4" if quarter == 1 else f"{year}-Q{quarter - 1}")
        year, month = int(self.name[:4]), int(self.name[5:7])
        return period_parse(f"{year - 1}-12" if month == 1 else f"{year}-{month - 1:02d}")


def _month_start(year: int, month: int) -> datetime:
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return datetime(year, month, 1, tzinfo=UTC)


def period_parse(text: str) -> Period:
    """Parse YYYY-MM, YYYY-Qn or YYYY; raise ValueError otherwise."""
    text = text.strip().upper()
    if m := re.fullmatch(r"(\d{4})-(0[1-9]|1[0-2])", text):
        year, month = int(m[1]), int(m[2])
        return Period(text, _month_start(year, month), _month_start(year, month + 1))
    if m := re.fullmatch(r"(\d{4})-Q([1-4])", text):
        year, first = int(m[1]), 3 * int(m[2]) - 2
        return Period(text, _month_start(year, first), _month_start(year, first + 3))
    if re.fullmatch(r"\d{4}", text):
        year = int(text)
        return Period(text, _month_start(year, 1), _month_start(year + 1, 1))
    raise ValueError(f"{text!r} is not a period: use 2026-11, 2026-Q4 or 2026")
