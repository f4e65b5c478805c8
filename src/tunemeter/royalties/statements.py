"""Build royalty statements per holder and period, with set-based queries.

Rounding policy (printed on every statement): accruals are kept to the micro-unit
(10^-6 of the currency). A statement rounds once: its earnings are the whole minor
units of the holder's cumulative earnings at the period's end, minus those already
stated; the sub-unit remainder is carried into the next period. So the sum of every
statement's earnings plus the last carry equals the accruals to the micro-unit, and
the closing balance plus the carry equals the holder's payable account in the ledger.
Escrowed shares are stated apart and join the earnings when released.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Q, Sum

from tunemeter.ledger.units import micro_per_minor
from tunemeter.rights.models import RightsHolder
from tunemeter.royalties.models import EscrowRelease, Payout, RoyaltyLine
from tunemeter.royalties.periods import Period

ROUNDING_POLICY = (
    "Amounts accrue in micro-units (0.000001). Each statement rounds its earnings down to "
    "whole minor units once; the remainder is carried into the next statement, so "
    "statements reconcile to the micro-unit."
)

LINE_COLUMNS = [
    "sale_id",
    "kind",
    "time",
    "territory",
    "release",
    "upc",
    "track",
    "isrc",
    "format",
    "size_bytes",
    "right_type",
    "price_paid",
    "royalty_basis",
    "rate",
    "royalty",
    "share_bps",
    "amount",
    "status",
]


@dataclass
class Summary:
    """One holder's figures for a period: micro-unit sums and the once-rounded earnings."""

    holder_id: int
    currency: str
    accruals_micro: int = 0
    returns_micro: int = 0
    released_micro: int = 0
    escrowed_micro: int = 0  # escrow added in the period (sales less returns)
    escrow_balance_micro: int = 0  # still waiting for a mandate at the period's end
    earned_before_micro: int = 0  # cumulative payable earnings at the period's start
    payouts_before_minor: int = 0
    payouts_minor: int = 0
    sales: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def per_minor(self) -> int:
        return micro_per_minor(self.currency)

    @property
    def net_micro(self) -> int:
        """Earnings of the period before rounding: accruals, returns and released escrow."""
        return self.accruals_micro + self.returns_micro + self.released_micro

    @property
    def carried_in_micro(self) -> int:
        return self.earned_before_micro % self.per_minor

    @property
    def earnings_minor(self) -> int:
        """The period's earnings, rounded once (floor of the cumulative, less the previous)."""
        after = self.earned_before_micro + self.net_micro
        return after // self.per_minor - self.earned_before_micro // self.per_minor

    @property
    def carried_out_micro(self) -> int:
        return (self.earned_before_micro + self.net_micro) % self.per_minor

    @property
    def opening_minor(self) -> int:
        return self.earned_before_micro // self.per_minor - self.payouts_before_minor

    @property
    def closing_minor(self) -> int:
        return self.opening_minor + self.earnings_minor - self.payouts_minor


def _grouped(queryset, *keys) -> dict:
    return {tuple(row[k] for k in keys): row["total"] for row in queryset}


def statement_summaries(
    *, period: Period, holder_ids: list[int] | None = None
) -> dict[int, Summary]:
    """Return every holder's summary for a period (or only these holders), in a few queries."""
    currency = settings.STORE_CURRENCY
    lines = RoyaltyLine.objects.filter(currency=currency)
    releases = EscrowRelease.objects.filter(currency=currency)
    payouts = Payout.objects.filter(currency=currency)
    if holder_ids is not None:
        lines = lines.filter(holder_id__in=holder_ids)
        releases = releases.filter(holder_id__in=holder_ids)
        payouts = payouts.filter(holder_id__in=holder_ids)
    ids = (
        holder_ids
        if holder_ids is not None
        else list(RightsHolder.objects.values_list("pk", flat=True))
    )
    out = {pk: Summary(holder_id=pk, currency=currency) for pk in ids}
    in_period = Q(at__gte=period.start, at__lt=period.end)
    before = Q(at__lt=period.start)
    until_end = Q(at__lt=period.end)
    for (holder, kind, escrowed), total in _grouped(
        lines.filter(in_period)
        .values("holder_id", "kind", "escrowed")
        .annotate(total=Sum("amount_micro")),
        "holder_id",
        "kind",
        "escrowed",
    ).items():
        s = out.setdefault(holder, Summary(holder_id=holder, currency=currency))
        if escrowed:
            s.escrowed_micro += total
        elif kind == RoyaltyLine.SALE:
            s.accruals_micro += total
        else:
            s.returns_micro += total
    for (holder,), total in _grouped(
        lines.filter(before, escrowed=False)
        .values("holder_id")
        .annotate(total=Sum("amount_micro")),
        "holder_id",
    ).items():
        out[holder].earned_before_micro += total
    for (holder,), total in _grouped(
        releases.filter(before).values("holder_id").annotate(total=Sum("amount_micro")),
        "holder_id",
    ).items():
        out[holder].earned_before_micro += total
    for (holder,), total in _grouped(
        releases.filter(in_period).values("holder_id").annotate(total=Sum("amount_micro")),
        "holder_id",
    ).items():
        out[holder].released_micro += total
    # Escrow still held at the period's end: escrowed lines not released by then.
    for (holder,), total in _grouped(
        lines.filter(until_end, escrowed=True)
        .filter(Q(escrow_release__isnull=True) | Q(escrow_release__at__gte=period.end))
        .values("holder_id")
        .annotate(total=Sum("amount_micro")),
        "holder_id",
    ).items():
        out[holder].escrow_balance_micro += total
    for (holder,), total in _grouped(
        payouts.filter(paid_at__lt=period.start)
        .values("holder_id")
        .annotate(total=Sum("amount_minor")),
        "holder_id",
    ).items():
        out[holder].payouts_before_minor += total
    for (holder,), total in _grouped(
        payouts.filter(paid_at__gte=period.start, paid_at__lt=period.end)
        .values("holder_id")
        .annotate(total=Sum("amount_minor")),
        "holder_id",
    ).items():
        out[holder].payouts_minor += total
    for (holder,), count in _grouped(
        lines.filter(in_period, kind=RoyaltyLine.SALE)
        .values("holder_id")
        .annotate(total=Count("pk")),
        "holder_id",
    ).items():
        out[holder].sales = count
    return out


def statement_lines(*, period: Period, holder_ids: list[int] | None = None) -> Iterator[tuple]:
    """Yield (holder_id, *LINE_COLUMNS values) for a period, by holder then time, streamed."""
    lines = RoyaltyLine.objects.filter(at__gte=period.start, at__lt=period.end)
    if holder_ids is not None:
        lines = lines.filter(holder_id__in=holder_ids)
    yield from (
        lines.order_by("holder_id", "at", "pk")
        .values_list(
            "holder_id",
            "order_id",
            "kind",
            "at",
            "territory",
            "release__title",
            "release__upc",
            "track__title",
            "track__isrc",
            "format_id",
            "size_bytes",
            "right_type",
            "paid_micro",
            "basis_micro",
            "rate",
            "royalty_micro",
            "share_bps",
            "amount_micro",
            "escrowed",
        )
        .iterator(chunk_size=5000)
    )
