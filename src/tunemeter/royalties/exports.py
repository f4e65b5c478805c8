"""Write statements as CSV files (streamed, one per holder) and render them as HTML."""

from __future__ import annotations

import contextlib
import csv
import io
import logging
from collections.abc import Iterator
from pathlib import Path

from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy

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

# Statements written in one pass over the lines; more holders take more passes.
FILES_AT_ONCE = 256

# OWASP "CSV Injection": a cell a spreadsheet would read as a formula starts with one
# of these; such a text cell gets a leading apostrophe (shown as text, not evaluated).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# Catalog text in a line (after its holder id): release, UPC, track, ISRC. Amounts,
# times and codes are written by the store and may legitimately start with "-".
_TEXT_CELLS = tuple(1 + LINE_COLUMNS.index(c) for c in ("release", "upc", "track", "isrc"))


def csv_text(value: str) -> str:
    """Return a text cell a spreadsheet shows as text, never runs as a formula (OWASP)."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _line_cells(row: tuple) -> tuple:
    """Return a statement line's cells (without the holder id), catalog text neutralised."""
    if any(isinstance(v := row[i], str) and v.startswith(_FORMULA_STARTS) for i in _TEXT_CELLS):
        cells = list(row)
        for i in _TEXT_CELLS:
            if isinstance(cells[i], str):
                cells[i] = csv_text(cells[i])
        row = tuple(cells)
    return row[1:]


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


# The printable statement's columns: the CSV's, by name, under labels a person reads.
HTML_COLUMNS = [
    ("time", gettext_lazy("Date (UTC)")),
    ("territory", gettext_lazy("Territory")),
    ("release", gettext_lazy("Release")),
    ("track", gettext_lazy("Track")),
    ("isrc", gettext_lazy("ISRC")),
    ("format", gettext_lazy("Format")),
    ("right_type", gettext_lazy("Right")),
    ("price_paid", gettext_lazy("Price paid")),
    ("rate", gettext_lazy("Rate")),
    ("royalty", gettext_lazy("Royalty")),
    ("share_bps", gettext_lazy("Share (bp)")),
    ("amount", gettext_lazy("Your amount")),
    ("status", gettext_lazy("Status")),
]
NUMERIC = {"price_paid", "rate", "royalty", "share_bps", "amount"}
# The head's labels on the printed page (the CSV keeps its machine-readable names).
SUMMARY_LABELS = {
    "statement": gettext_lazy("Statement for"),
    "period": gettext_lazy("Period"),
    "currency": gettext_lazy("Currency"),
    "opening balance": gettext_lazy("Opening balance"),
    "accruals": gettext_lazy("Royalties accrued"),
    "returns": gettext_lazy("Returns"),
    "released from escrow": gettext_lazy("Released from escrow"),
    "carried in": gettext_lazy("Fractions carried in"),
    "earnings (rounded once)": gettext_lazy("Earnings (rounded once)"),
    "carried out": gettext_lazy("Fractions carried out"),
    "payouts": gettext_lazy("Payouts"),
    "closing balance": gettext_lazy("Closing balance"),
    "held in escrow (no mandate)": gettext_lazy("Held in escrow (no mandate)"),
    "rounding policy": gettext_lazy("Rounding policy"),
}


def statement_file_name(holder_id: int, period: Period, extension: str) -> str:
    return f"statement_{period.name}_holder{holder_id}.{extension}"


def statement_csv_head(out, holder: RightsHolder, period: Period, s: Summary):
    """Write a CSV statement's head (label,value rows, a blank row, the column names).

    Return the writer: the lines follow, one row each.
    """
    writer = csv.writer(out)
    # The holder's name is the head's only free text.
    writer.writerows(
        (label, csv_text(value) if label == "statement" else value)
        for label, value in summary_rows(holder, period, s)
    )
    writer.writerow([])
    writer.writerow(LINE_COLUMNS)
    return writer


def statements_write(
    *, period: Period, out_dir: Path, holder_ids: list[int] | None = None
) -> list[Path]:
    """Write every holder's CSV statement for a period into out_dir; return the paths.

    Heads first, then one pass over the period's lines in time order, each line going
    to its holder's open file; holders are taken FILES_AT_ONCE at a time.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    summaries = statement_summaries(period=period, holder_ids=holder_ids)
    holders = RightsHolder.objects.in_bulk(list(summaries))
    ordered = sorted(summaries)
    written = []
    for first in range(0, len(ordered), FILES_AT_ONCE):
        chunk = ordered[first : first + FILES_AT_ONCE]
        with contextlib.ExitStack() as files:
            writers = {}
            for holder_id in chunk:
                path = out_dir / statement_file_name(holder_id, period, "csv")
                out = files.enter_context(path.open("w", newline="", encoding="utf-8"))
                writers[holder_id] = statement_csv_head(
                    out, holders[holder_id], period, summaries[holder_id]
                ).writerow
                written.append(path)
            ids = None if len(chunk) == len(ordered) else chunk
            for row in statement_lines(period=period, holder_ids=ids, by_holder=False):
                if (write := writers.get(row[0])) is not None:
                    write(_line_cells(row))
    logger.info(
        "statements written period=%s holders=%d dir=%s", period.name, len(written), out_dir
    )
    return written


def statement_csv_stream(*, holder: RightsHolder, period: Period) -> Iterator[str]:
    """Yield one holder's CSV statement in pieces of about 64 kB (a streamed download)."""
    summary = statement_summaries(period=period, holder_ids=[holder.pk])[holder.pk]
    buffer = io.StringIO()
    writer = statement_csv_head(buffer, holder, period, summary)
    for row in statement_lines(period=period, holder_ids=[holder.pk]):
        writer.writerow(_line_cells(row))
        if buffer.tell() > 65_536:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def statement_html(*, holder: RightsHolder, period: Period) -> str:
    """Render one holder's statement as a printable HTML page."""
    summary = statement_summaries(period=period, holder_ids=[holder.pk])[holder.pk]
    # Cell positions in a statement line (its first cell is the holder id).
    picks = [(1 + LINE_COLUMNS.index(name), name in NUMERIC) for name, _ in HTML_COLUMNS]
    # Lines are joined here, not looped in the template: a big statement has 10⁵ rows.
    rows = mark_safe(  # noqa: S308 - every cell is escaped
        "".join(
            "<tr>"
            + "".join(
                f'<td class="num">{escape(r[i])}</td>' if numeric else f"<td>{escape(r[i])}</td>"
                for i, numeric in picks
            )
            + "</tr>\n"
            for r in statement_lines(period=period, holder_ids=[holder.pk])
        )
    )
    head = [
        (SUMMARY_LABELS.get(label, label), value)
        for label, value in summary_rows(holder, period, summary)
    ]
    return render_to_string(
        "royalties/statement.html",
        {
            "holder": holder,
            "period": period,
            "summary": head,
            "columns": [(label, name in NUMERIC) for name, label in HTML_COLUMNS],
            "rows": rows,
            "LANGUAGE_CODE": get_language(),
        },
    )


def statement_pages_write(
    *, period: Period, out_dir: Path, holder_ids: list[int] | None = None
) -> list[Path]:
    """Write every holder's printable HTML statement for a period; return the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    ids = holder_ids or list(statement_summaries(period=period))
    holders = RightsHolder.objects.in_bulk(ids)
    written = []
    for pk in sorted(holders):
        page = out_dir / statement_file_name(pk, period, "html")
        page.write_text(statement_html(holder=holders[pk], period=period), encoding="utf-8")
        written.append(page)
    return written
