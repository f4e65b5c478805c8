"""Re-export the holder reads the portal shows, which live below the faces (royalties)."""

from __future__ import annotations

from tunemeter.royalties.selectors import (  # noqa: F401
    RANGES_DAYS,  # noqa: F401
    Balances,
    DealView,
    EscrowRow,
    SalesRow,
    balances,
    deals_of,
    escrow_waiting,
    holder_for,
    holders_for,
    payouts_recent,
    period_summaries,
    portal_access,
    releases_of,
    sales_by_day,
    sales_by_format,
    sales_by_territory,
    sales_range,
    sales_total,
    statement_periods,
    takedowns_of,
)
