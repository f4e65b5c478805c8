"""Typed request and response bodies of /api/v1.

Amounts and ids in bodies are strict integers: `true`, `"100"`, `1e3` and `100.0` are
refused (422), never read as 1 or 100. A quote has at most `MAX_QUOTE_ITEMS` items.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from ninja import Schema
from pydantic import ConfigDict, Field, StrictInt, StrictStr

MAX_QUOTE_ITEMS = 100
MAX_DEPOSIT_MINOR = 10**12

Id = Annotated[StrictInt, Field(ge=1, le=2**63 - 1)]


class Strict(Schema):
    """A request body: unknown fields are refused, not ignored."""

    model_config = ConfigDict(extra="forbid")


class ErrorOut(Schema):
    code: str
    message: str
    detail: Any = None


# ------------------------------------------------------------------ catalog


class FormatOut(Schema):
    id: str
    label: str
    mode: str
    extension: str
    mime_type: str
    lossless: bool
    rate_minor_per_mb: int


class GenreOut(Schema):
    id: int
    name: str


class ArtistOut(Schema):
    id: int
    name: str
    sort_name: str


class ReleaseBrief(Schema):
    id: int
    title: str
    artist: ArtistOut
    release_date: str
    label: str
    is_compilation: bool
    upc: str
    genres: list[str]


class TrackBrief(Schema):
    id: int
    title: str
    artist: ArtistOut
    release_id: int
    release_title: str
    disc_number: int
    position: int
    isrc: str
    length_ms: int


class OfferOut(Schema):
    """One format of a track or release: its size, price, and whether the caller may buy it."""

    format: str
    size_bytes: int | None = Field(description="null while not known yet")
    size_exact: bool = Field(description="true: exact to the byte; false: estimated")
    price_minor: int | None
    discount_minor: int
    currency: str
    owned: bool
    can_buy: bool
    why_not: str = Field(description="empty when can_buy; else the reason")
    territory: str | None


class TrackOut(TrackBrief):
    offers: list[OfferOut]


class ReleaseOut(ReleaseBrief):
    tracks: list[TrackBrief]
    offers: list[OfferOut]


class ArtistPage(Schema):
    items: list[ArtistOut]
    next_cursor: str | None


class ReleasePage(Schema):
    items: list[ReleaseBrief]
    next_cursor: str | None


class TrackPage(Schema):
    items: list[TrackBrief]
    next_cursor: str | None


class SearchOut(Schema):
    artists: list[ArtistOut]
    releases: list[ReleaseBrief]
    tracks: list[TrackBrief]


# ------------------------------------------------------------------ buying


class ItemIn(Strict):
    track_id: Id | None = None
    release_id: Id | None = None
    format: StrictStr = Field(max_length=20)


class QuoteIn(Strict):
    items: list[ItemIn] = Field(min_length=1, max_length=MAX_QUOTE_ITEMS)


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


class QuoteOut(Schema):
    id: UUID
    currency: str
    territory: str
    total_minor: int
    expires_at: datetime
    items: list[QuoteItemOut]


class OrderIn(Strict):
    quote_id: UUID


class OrderOut(Schema):
    id: int
    quote_id: UUID
    total_minor: int
    currency: str
    status: str
    created_at: datetime


class OrderPage(Schema):
    items: list[OrderOut]
    next_cursor: str | None


class DepositIn(Strict):
    amount_minor: Annotated[StrictInt, Field(ge=1, le=MAX_DEPOSIT_MINOR)]
    provider: StrictStr = Field(default="demo", max_length=20)


class GiftCodeIn(Strict):
    code: StrictStr = Field(min_length=1, max_length=40)


class BalanceOut(Schema):
    currency: str
    balance_minor: int


# ------------------------------------------------------------------ library


class EntitlementOut(Schema):
    id: int
    track_id: int
    track_title: str
    artist: str
    release_id: int
    release_title: str
    format: str
    order_id: int
    created_at: datetime
    download_url: str


class EntitlementPage(Schema):
    items: list[EntitlementOut]
    next_cursor: str | None


class OwnedOut(Schema):
    track_id: int
    formats: list[str]


# ------------------------------------------------------------------ holders


class HolderOut(Schema):
    id: int
    name: str
    kind: str
    currency: str


class DealOut(Schema):
    id: int
    release_id: int | None
    track_id: int | None
    territories: str
    starts_at: datetime
    ends_at: datetime | None
    status: str


class SalesRowOut(Schema):
    key: str
    downloads: int
    returns: int
    amount_micro: int


class SalesOut(Schema):
    by: str
    start: date
    end: date
    currency: str
    rows: list[SalesRowOut]


class StatementOut(Schema):
    period: str
    currency: str
    sales: int
    accruals_micro: int
    returns_micro: int
    released_micro: int
    escrowed_micro: int
    escrow_balance_micro: int
    net_micro: int
    csv_url: str
    dsr_url: str


class EscrowRowOut(Schema):
    territory: str
    right_type: str
    lines: int
    amount_micro: int


class EscrowOut(Schema):
    currency: str
    payable_micro: int
    escrow_micro: int
    paid_out_micro: int
    waiting: list[EscrowRowOut]
