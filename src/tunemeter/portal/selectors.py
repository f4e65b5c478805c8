"""Re-export the holder reads the portal shows; they live in royalties.selectors (below the faces)."""

from __future__ import annotations

from tunemeter.royalties.selectors import (  # noqa: F401
    holders_for,
    holder_for,
    portal_access,
    SalesRow,
    sales_range,
    sales_by_day,
    sales_by_territory,
    sales_by_format,
    sales_total,
    Balances,
    balances,
    EscrowRow,
    escrow_waiting,
    payouts_recent,
    releases_of,
    DealView,
    deals_of,
    takedowns_of,
    statement_periods,
    period_summaries,
)
from tunemeter.royalties.selectors import RANGES_DAYS  # noqa: F401
