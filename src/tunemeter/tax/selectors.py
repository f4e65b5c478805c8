"""Read tax: the quarterly return per country, and the ledger's tax accounts to check it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import Sum

from tunemeter.ledger.models import Account, Entry
from tunemeter.tax.models import TaxLine


@dataclass(frozen=True)
class ReturnRow:
    """One country and rate of a return: net sales and tax due, in minor units."""

    country: str
    rate_bps: int
    currency: str
    net_minor: int
    tax_minor: int


def quarter_bounds(quarter: str) -> tuple[datetime, datetime]:
    """Return [start, end) in UTC of a quarter written YYYY-Qn, e.g. 2026-Q4."""
    match = re.fullmatch(r"(\d{4})-Q([1-4])", quarter.strip())
    if match is None:
        raise ValueError(f"not a quarter: {quarter!r} (write e.g. 2026-Q4)")
    year, q = int(match[1]), int(match[2])
    start = datetime(year, 3 * q - 2, 1, tzinfo=UTC)
    end = datetime(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1, tzinfo=UTC)
    return start, end


def tax_return(*, quarter: str) -> list[ReturnRow]:
    """Return the OSS-style return of a quarter: per country and rate, net sales and tax due.

    A refund reduces the return of the quarter it happens in: a correction to an
    earlier period goes into a later return (Implementing Regulation 282/2011 Art. 61,
    as amended by Regulation 2019/2026).
    """
    start, end = quarter_bounds(quarter)
    rows = (
        TaxLine.objects.filter(at__gte=start, at__lt=end)
        .values("country", "rate_bps", "currency")
        .annotate(net=Sum("net_minor"), tax=Sum("tax_minor"))
        .order_by("country", "rate_bps", "currency")
    )
    return [ReturnRow(r["country"], r["rate_bps"], r["currency"], r["net"], r["tax"]) for r in rows]


def tax_ledger_totals(*, quarter: str) -> dict[tuple[str, str], int]:
    """Return what the ledger's tax-payable accounts received in a quarter, per country."""
    start, end = quarter_bounds(quarter)
    rows = (
        Entry.objects.filter(
            account__kind=Account.TAX_PAYABLE,
            transfer__created_at__gte=start,
            transfer__created_at__lt=end,
        )
        .values("account__owner", "currency")
        .annotate(total=Sum("amount_in_unit"))
    )
    return {(r["account__owner"].removeprefix("tax:"), r["currency"]): r["total"] for r in rows}
