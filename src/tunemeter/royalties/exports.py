"""Write statements as CSV files (streamed, one per holder) and render them as HTML."""

from __future__ import annotations

import csv
import itertools
import logging
import operator
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.template.loader import render_to_string

from tunemeter.ledger.units import micro_format, minor_format
from tunemeter.rights.models import RightsHolder
from tunemeter.royalties.periods import Period
from tunemeter.royalties.statements import (
    LINE_COLUMNS,
    ROUNDING_POLICY,
    Summary,
    statement_lines,
    statement_summaries,
)

logger = logging.getLogger(__name__)


def summary_rows(holder: RightsHolder, period: Period, s: Summary) -> list[tuple[str, str]]:
    """Return a statement's head as (label, value) pairs, amounts as exact decimals."""
    c = s.currency
    return [
        ("statement", f"{holder.name} (holder {holder.pk})"),
        ("period", f"{period.name} ({period.start:%Y-%m-%d} to {period.end:%Y-%m-%d}, UTC)"),
        ("currency", c),
        ("opening balance", minor_format(s.opening_minor, c)),
        ("accruals", micro_format(s.accruals_micro, c)),
        ("returns", micro_format(s.returns_micro, c)),
        ("released from escrow", micro_format(s.released_micro, c)),
        ("carried in", micro_format(s.carried_in_micro, c)),
        ("earnings (rounded once)", minor_format(s.earnings_minor, c)),
        ("carried out", micro_format(s.carried_out_micro, c)),
        ("payouts", minor_format(-s.payouts_minor, c)),
        ("closing balance", minor_format(s.closing_minor, c)),
        ("held in escrow (no mandate)", micro_format(s.escrow_balance_micro, c)),
        ("rounding policy", ROUNDING_POLICY),
    ]


def line_cells(row: tuple) -> list:
    """Return a statement line's cells for a row of statement_lines (without holder_id)."""
    (order, kind, at, territory, release, upc, track, isrc, fmt, size, right, paid, basis,
     rate, royalty, bps, amount, escrowed) = row  # fmt: skip
    return [
        order,
        kind,
        at.isoformat(),
        territory,
        release,
        upc,
        track,
        isrc,
        fmt,
        size,
        right,
        micro_format(paid),
        micro_format(basis),
        rate,
        micro_format(royalty),
        bps,
        micro_format(amount),
        "escrow" if escrowed else "payable",
    ]


def statement_file_name(holder_id: int, period: Period, extension: str) -> str:
    return f"statement_{period.name}_holder{holder_id}.{extension}"


def statement_csv_write(out, holder: RightsHolder, period: Period, s: Summary, rows: Iterable):
    """Write one holder's statement as CSV: the head as label,value rows, then the lines."""
    writer = csv.writer(out)
    writer.writerows(summary_rows(holder, period, s))
    writer.writerow([])
    writer.writerow(LINE_COLUMNS)
    writer.writerows(line_cells(row[1:]) for row in rows)


def per_holder(holder_ids: list[int], stream: Iterable[tuple]) -> Iterator[tuple[int, Iterable]]:
    """Pair each holder id (ascending) with its rows from a stream ordered by holder id.

    Rows are tuples whose first item is the holder id; holders without rows get none.
    Consume each holder's rows before asking for the next holder.
    """
    groups = itertools.groupby(stream, key=operator.itemgetter(0))
    current = next(groups, None)
    for holder_id in holder_ids:
        while current is not None and current[0] < holder_id:
            current = next(groups, None)
        yield holder_id, (current[1] if current is not None and current[0] == holder_id else ())


def statements_write(
    *, period: Period, out_dir: Path, holder_ids: list[int] | None = None
) -> list[Path]:
    """Write every holder's CSV statement for a period into out_dir; return the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    summaries = statement_summaries(period=period, holder_ids=holder_ids)
    holders = RightsHolder.objects.in_bulk(list(summaries))
    lines = statement_lines(period=period, holder_ids=holder_ids)
    written = []
    for holder_id, rows in per_holder(sorted(summaries), lines):
        path = out_dir / statement_file_name(holder_id, period, "csv")
        with path.open("w", newline="", encoding="utf-8") as out:
            statement_csv_write(out, holders[holder_id], period, summaries[holder_id], rows)
        written.append(path)
    logger.info(
        "statements written period=%s holders=%d dir=%s", period.name, len(written), out_dir
    )
    return written


def statement_html(*, holder: RightsHolder, period: Period) -> str:
    """Render one holder's statement as a printable HTML page."""
    summary = statement_summaries(period=period, holder_ids=[holder.pk])[holder.pk]
    rows = [line_cells(r[1:]) for r in statement_lines(period=period, holder_ids=[holder.pk])]
    return render_to_string(
        "royalties/statement.html",
        {
            "holder": holder,
            "period": period,
            "summary": summary_rows(holder, period, summary),
            "columns": LINE_COLUMNS,
            "rows": rows,
        },
    )
