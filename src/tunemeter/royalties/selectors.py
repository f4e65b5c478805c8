"""Read what a rights holder may see: their holders, sales, escrow, deals, statements.

Sales figures are set-based aggregates over the holder's royalty lines (one query per
table). A download counts once per holder however many rights the holder has in it
(distinct quote lines), as in the DSR reports; amounts are the holder's own parts in
micro-units, payable and escrowed alike, returns netted off.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate

from tunemeter.catalog.models import Release
from tunemeter.rights.models import Deal, RightsHolder, Split, Takedown
from tunemeter.royalties.balances import holder_balances
from tunemeter.royalties.models import Payout, RoyaltyLine
from tunemeter.royalties.periods import Period, period_parse
from tunemeter.royalties.statements import Summary, statement_summaries

# The chart's ranges, in days (the last day is today, UTC).
RANGES_DAYS = (30, 90, 365)


# ---------------------------------------------------------------- who sees what


def holders_for(*, user) -> QuerySet[RightsHolder]:
    """Return the holders whose portal user may see: their own, or every one for staff."""
    if not user.is_authenticated:
        return RightsHolder.objects.none()
    if user.is_staff:
        return RightsHolder.objects.all()
    return user.rights_holders.all()


def holder_for(*, user, holder_id: int) -> RightsHolder:
    """Return one holder user may see; raise RightsHolder.DoesNotExist for any other."""
    return holders_for(user=user).get(pk=holder_id)


def portal_access(*, user) -> bool:
    """Return True when user is attached to at least one rights holder."""
    return user.is_authenticated and user.rights_holders.exists()


# ---------------------------------------------------------------- sales


@dataclass(frozen=True)
class SalesRow:
    """Sales of one day, territory or format: downloads sold and returned, the net amount."""

    key: object
    downloads: int
    returns: int
    amount_micro: int


def _lines(*, holder: RightsHolder, start: datetime, end: datetime) -> QuerySet[RoyaltyLine]:
    return RoyaltyLine.objects.filter(
        holder=holder, currency=settings.STORE_CURRENCY, at__gte=start, at__lt=end
    )


def _figures() -> dict:
    return {
        "downloads": Count("quote_line_id", filter=Q(kind=RoyaltyLine.SALE), distinct=True),
        "returns": Count("quote_line_id", filter=Q(kind=RoyaltyLine.RETURN), distinct=True),
        "amount_micro": Sum("amount_micro", default=0),
    }


def _grouped(lines: QuerySet, key: str) -> list[SalesRow]:
    rows = lines.values(key).annotate(**_figures()).order_by(key)
    return [SalesRow(r[key], r["downloads"], r["returns"], r["amount_micro"]) for r in rows]


def sales_range(*, days: int, today: date) -> tuple[datetime, datetime]:
    """Return the UTC interval [start, end) of the last `days` days up to today included."""
    end = datetime.combine(today + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    return end - timedelta(days=days), end


def sales_by_day(*, holder: RightsHolder, start: datetime, end: datetime) -> list[SalesRow]:
    """Return one row per UTC day of [start, end), days without sales included (zeros)."""
    lines = _lines(holder=holder, start=start, end=end).annotate(day=TruncDate("at", tzinfo=UTC))
    found = {row.key: row for row in _grouped(lines, "day")}
    days = (end - start).days
    out = []
    for n in range(days):
        day = (start + timedelta(days=n)).date()
        out.append(found.get(day, SalesRow(day, 0, 0, 0)))
    return out


def sales_by_territory(*, holder: RightsHolder, start: datetime, end: datetime) -> list[SalesRow]:
    """Return the holder's sales per buyer territory (ISO code), largest amount first."""
    rows = _grouped(_lines(holder=holder, start=start, end=end), "territory")
    return sorted(rows, key=lambda r: (-r.amount_micro, r.key))


def sales_by_format(*, holder: RightsHolder, start: datetime, end: datetime) -> list[SalesRow]:
    """Return the holder's sales per format id, largest amount first."""
    rows = _grouped(_lines(holder=holder, start=start, end=end), "format_id")
    return sorted(rows, key=lambda r: (-r.amount_micro, r.key))


def sales_total(*, holder: RightsHolder, start: datetime, end: datetime) -> SalesRow:
    """Return the holder's sales over [start, end) as one row."""
    row = _lines(holder=holder, start=start, end=end).aggregate(**_figures())
    return SalesRow(None, row["downloads"], row["returns"], row["amount_micro"])


# ---------------------------------------------------------------- money


@dataclass(frozen=True)
class Balances:
    """A holder's ledger balances in the store's currency (micro-units)."""

    currency: str
    payable_micro: int
    escrow_micro: int
    paid_out_micro: int


def balances(*, holder: RightsHolder) -> Balances:
    """Return the holder's payable, escrowed and paid-out balances in the store's currency."""
    currency = settings.STORE_CURRENCY
    found = holder_balances(holder=holder).get(currency, {})
    return Balances(
        currency=currency,
        payable_micro=found.get("payable_micro", 0),
        escrow_micro=found.get("escrow_micro", 0),
        paid_out_micro=found.get("paid_out_micro", 0),
    )


@dataclass(frozen=True)
class EscrowRow:
    """Shares held in escrow for one territory and right type, waiting for a mandate."""

    territory: str
    right_type: str
    lines: int
    amount_micro: int


def escrow_waiting(*, holder: RightsHolder) -> list[EscrowRow]:
    """Return the holder's escrowed shares not yet released, per territory and right type."""
    rows = (
        RoyaltyLine.objects.filter(
            holder=holder,
            currency=settings.STORE_CURRENCY,
            escrowed=True,
            escrow_release__isnull=True,
        )
        .values("territory", "right_type")
        .annotate(lines=Count("pk"), amount_micro=Sum("amount_micro", default=0))
        .order_by("territory", "right_type")
    )
    return [
        EscrowRow(r["territory"], r["right_type"], r["lines"], r["amount_micro"])
        for r in rows
        if r["amount_micro"]
    ]


def payouts_recent(*, holder: RightsHolder, limit: int = 10) -> list[Payout]:
    """Return the holder's latest payouts, newest first."""
    return list(Payout.objects.filter(holder=holder).order_by("-paid_at", "-pk")[:limit])


# ---------------------------------------------------------------- catalog and rights


def releases_of(*, holder: RightsHolder) -> list[Release]:
    """Return the releases the holder licenses (a deal) or co-owns (a split), with tracks."""
    dealt = Deal.objects.filter(licensor=holder)
    split = Split.objects.filter(holder=holder)
    ids = (
        set(dealt.exclude(release=None).values_list("release_id", flat=True))
        | set(dealt.exclude(track=None).values_list("track__release_id", flat=True))
        | set(split.exclude(release=None).values_list("release_id", flat=True))
        | set(split.exclude(track=None).values_list("track__release_id", flat=True))
    )
    return list(
        Release.objects.filter(pk__in=ids)
        .select_related("artist")
        .prefetch_related("tracks")
        .order_by("title", "pk")
    )


@dataclass(frozen=True)
class DealView:
    """A deal with where it stands at a moment: active, upcoming, ended or superseded."""

    deal: Deal
    status: str


def deals_of(*, holder: RightsHolder, at: datetime) -> list[DealView]:
    """Return the deals the holder is licensor of, newest first, each with its status at `at`."""
    deals = (
        Deal.objects.filter(licensor=holder)
        .select_related("release", "track__release", "superseded_by")
        .order_by("-starts_at", "-pk")
    )
    out = []
    for deal in deals:
        if getattr(deal, "superseded_by", None) is not None:
            status = "superseded"
        elif deal.ends_at is not None and deal.ends_at <= at:
            status = "ended"
        elif deal.starts_at > at:
            status = "upcoming"
        else:
            status = "active"
        out.append(DealView(deal, status))
    return out


def takedowns_of(*, holder: RightsHolder) -> list[Takedown]:
    """Return the holder's takedowns (asked by them or recorded for them), newest first."""
    return list(
        Takedown.objects.filter(holder=holder)
        .select_related("release", "track__release", "requested_by")
        .order_by("-effective_at", "-pk")
    )


# ---------------------------------------------------------------- statements


def statement_periods(*, holder: RightsHolder, now: datetime) -> list[Period]:
    """Return the months with royalty lines for the holder, and the current month, newest first."""
    months = {f"{d:%Y-%m}" for d in RoyaltyLine.objects.filter(holder=holder).dates("at", "month")}
    months.add(f"{now:%Y-%m}")
    return [period_parse(m) for m in sorted(months, reverse=True)]


def period_summaries(
    *, holder: RightsHolder, periods: list[Period]
) -> list[tuple[Period, Summary]]:
    """Return each period with the holder's statement summary for it."""
    return [(p, statement_summaries(period=p, holder_ids=[holder.pk])[holder.pk]) for p in periods]
