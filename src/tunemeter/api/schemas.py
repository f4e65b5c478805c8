"""Typed request and response bodies of the API."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.conf import settings
from ninja import Field, Schema
from pydantic import StrictInt

from tunemeter.ledger.units import MAX_AMOUNT_MINOR


class ItemIn(Schema):
    track_id: int | None = None
    release_id: int | None = None
    format: str = Field(..., max_length=20)


class QuoteIn(Schema):
    # The same bound as quote_create's (QUOTE_MAX_ITEMS), refused before any lookup.
    items: list[ItemIn] = Field(..., min_length=1, max_length=settings.QUOTE_MAX_ITEMS)


class QuoteItemOut(Schema):
    track_id: int | None
    release_id: int | None
    format: str
    size_bytes: int
    exact: bool
    price_minor: int
    discount_minor: int
    owned: bool
    available: bool
    unavailable_reason: str
    # Taken off for another format of these tracks already paid for (UPGRADE_POLICY).
    credit_minor: int = 0
    # Set when this track comes with a release item of the same quote (priced at 0).
    covered_by_release_id: int | None = None
    # Why the price is what it is (covered, owned, difference), in plain words.
    note: str = ""


class QuoteOut(Schema):
    id: UUID
    currency: str
    total_minor: int
    expires_at: datetime
    items: list[QuoteItemOut]


class OrderIn(Schema):
    quote_id: UUID


class OrderOut(Schema):
    id: int
    quote_id: UUID
    total_minor: int
    currency: str
    status: str


class DepositIn(Schema):
    # Strict: true, "100", 1e3 and 100.0 are refused (422), never converted.
    amount_minor: StrictInt = Field(..., gt=0, le=MAX_AMOUNT_MINOR)
    provider: str = "demo"


class GiftCodeIn(Schema):
    code: str


class BalanceOut(Schema):
    currency: str
    balance_minor: int


class ErrorOut(Schema):
    detail: str
    fresh_quote: QuoteOut | None = None


class FormatOut(Schema):
    id: str
    label: str
    mode: str
    extension: str
    rate_minor_per_mb: int
