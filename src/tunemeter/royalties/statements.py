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
from django.db import connection
from django.db.models import Case, Count, Func, Q, Sum, TextField, Value, When
from django.db.models.functions import Coalesce, NullIf

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


def _sums(queryset, field_name: str, **filters: Q) -> dict[int, dict[str, int]]:
    """Return {holder_id: {name: SUM(field) FILTER (q)}} in one pass over queryset."""
    rows = queryset.values("holder_id").annotate(
        **{name: Sum(field_name, filter=q, default=0) for name, q in filters.items()}
    )
    return {row.pop("holder_id"): row for row in rows}


def statement_summaries(
    *, period: Period, holder_ids: list[int] | None = None
) -> dict[int, Summary]:
    """Return every holder's summary for a period (or only these holders).

    One pass over the royalty lines (conditional sums), one over escrowed lines, and
    two small queries on releases and payouts.
    """
    currency = settings.STORE_CURRENCY
    lines = RoyaltyLine.objects.filter(currency=currency, at__lt=period.end)
    releases = EscrowRelease.objects.filter(currency=currency, at__lt=period.end)
    payouts = Payout.objects.filter(currency=currency, paid_at__lt=period.end)
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
    in_period = Q(at__gte=period.start)
    before = Q(at__lt=period.start)
    payable = Q(escrowed=False)
    sale = Q(kind=RoyaltyLine.SALE)
    for holder, sums in _sums(
        lines,
        "amount_micro",
        accruals_micro=in_period & payable & sale,
        returns_micro=in_period & payable & ~sale,
        escrowed_micro=in_period & ~payable,
        earned_before_micro=before & payable,
    ).items():
        summary = out.setdefault(holder, Summary(holder_id=holder, currency=currency))
        for name, value in sums.items():
            setattr(summary, name, value)
    # Escrow still held at the period's end: escrowed lines not released by then.
    held = lines.filter(escrowed=True).filter(
        Q(escrow_release__isnull=True) | Q(escrow_release__at__gte=period.end)
    )
    for holder, sums in _sums(held, "amount_micro", escrow_balance_micro=Q()).items():
        out[holder].escrow_balance_micro = sums["escrow_balance_micro"]
    for holder, sums in _sums(
        releases, "amount_micro", released_micro=in_period, released_before=before
    ).items():
        out[holder].released_micro = sums["released_micro"]
        out[holder].earned_before_micro += sums["released_before"]
    for holder, sums in _sums(
        payouts,
        "amount_minor",
        payouts_minor=Q(paid_at__gte=period.start),
        payouts_before_minor=Q(paid_at__lt=period.start),
    ).items():
        out[holder].payouts_minor = sums["payouts_minor"]
        out[holder].payouts_before_minor = sums["payouts_before_minor"]
    for row in (
        lines.filter(in_period, sale)
        .values("holder_id")
        .annotate(n=Count("quote_line_id", distinct=True))
    ):
        out[row["holder_id"]].sales = row["n"]
    return out


def raw_rows(queryset) -> Iterator[tuple]:
    """Yield a values_list queryset's rows straight from the database cursor.

    Skips the ORM's per-value conversion, which dominates at a million rows: datetimes
    come back as the backend gives them (ISO text on SQLite), booleans as 0/1 there.
    """
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(10_000):
            yield from batch


class _Formatted(Func):
    """A per-vendor SQL template over one expression, written {x} (used several times)."""

    output_field = TextField()
    templates: dict[str, str] = {}

    def as_sql(self, compiler, connection, **extra):  # type: ignore[override]
        sql, params = compiler.compile(self.source_expressions[0])
        template = self.templates[connection.vendor]
        return template.format(x=sql), tuple(params) * template.count("{x}")


class MicroText(_Formatted):
    """Format a micro-unit integer as an exact decimal (-0.000001) inside the database."""

    # '%%' is a literal percent once the driver has put the parameters in.
    templates = {
        "sqlite": "printf('%%s%%d.%%06d', CASE WHEN {x} < 0 THEN '-' ELSE '' END,"
        " abs({x}) / 1000000, abs({x}) %% 1000000)",
        "postgresql": "(CASE WHEN {x} < 0 THEN '-' ELSE '' END || (abs({x}) / 1000000)::text"
        " || '.' || lpad((abs({x}) %% 1000000)::text, 6, '0'))",
    }


class UtcText(_Formatted):
    """Format a stored moment as ISO 8601 UTC with a Z, inside the database."""

    templates = {
        # SQLite keeps Django's datetimes as UTC text: "YYYY-MM-DD HH:MM:SS[.ffffff]".
        # Whole seconds are stored without a fraction: add one, as PostgreSQL prints it.
        "sqlite": "(replace({x}, ' ', 'T') || CASE WHEN instr({x}, '.') THEN '' ELSE '.000000' END"
        " || 'Z')",
        "postgresql": """to_char({x} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')""",
    }


def statement_lines(
    *, period: Period, holder_ids: list[int] | None = None, by_holder: bool = True
) -> Iterator[tuple]:
    """Yield (holder_id, *LINE_COLUMNS cells) for a period, streamed.

    Ordered by holder then time, or (by_holder=False) by time alone: lines are appended
    as sales happen, so a period is then read in storage order, much faster at scale.
    Cells are formatted by the database (exact decimals, UTC times) so that a million
    lines reach the CSV writer without a Python call per value.
    """
    lines = RoyaltyLine.objects.filter(at__gte=period.start, at__lt=period.end)
    if holder_ids is not None:
        lines = lines.filter(holder_id__in=holder_ids)
    order = ("holder_id", "at", "pk") if by_holder else ("at", "pk")
    cells = lines.order_by(*order).annotate(
        at_text=UtcText("at"),
        paid_text=MicroText("paid_micro"),
        basis_text=MicroText("basis_micro"),
        royalty_text=MicroText("royalty_micro"),
        amount_text=MicroText("amount_micro"),
        status=Case(When(escrowed=True, then=Value("escrow")), default=Value("payable")),
        # Names as sold (lines from before they were recorded fall back to today's).
        release_name=Coalesce(NullIf("release_title", Value("")), "release__title"),
        track_name=Coalesce(NullIf("track_title", Value("")), "track__title"),
    )
    yield from raw_rows(
        cells.values_list(
            "holder_id",
            "order_id",
            "kind",
            "at_text",
            "territory",
            "release_name",
            "release__upc",
            "track_name",
            "track__isrc",
            "format_id",
            "size_bytes",
            "right_type",
            "paid_text",
            "basis_text",
            "rate",
            "royalty_text",
            "share_bps",
            "amount_text",
            "status",
        )
    )
