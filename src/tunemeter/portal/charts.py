"""Lay out the sales chart as inline SVG geometry (server-side; no script, no library).

The template draws the bars and labels; numbers and dates are formatted there, for the
visitor's locale. A table of the same rows is the chart's accessible alternative.
"""

from __future__ import annotations

from dataclasses import dataclass

from tunemeter.portal.selectors import SalesRow

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 64, 8, 12, 28  # room for the axis labels


@dataclass(frozen=True)
class Bar:
    """One day's bar: its box, and the row it draws."""

    x: float
    y: float
    width: float
    height: float
    row: SalesRow


@dataclass(frozen=True)
class Tick:
    """A label on an axis at a position: an amount (y axis) or a day (x axis)."""

    at: float
    value: object


@dataclass(frozen=True)
class Chart:
    """The chart's size, bars and axis ticks."""

    width: int
    height: int
    left: int
    bottom: float
    right: float
    bars: list[Bar]
    y_ticks: list[Tick]
    x_ticks: list[Tick]


def _nice_step(top: int, ticks: int = 4) -> int:
    """Return a round step (1, 2 or 5 × 10^k) so that `ticks` steps cover top."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor * ticks >= top:
                return step * factor
        step *= 10


def sales_chart(rows: list[SalesRow]) -> Chart:
    """Return the bar chart of the daily net amounts in rows (negative days drawn as zero)."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    peak = max((r.amount_micro for r in rows), default=0)
    step = _nice_step(max(peak, 1))
    top = step * max(1, -(-max(peak, 1) // step))
    slot = plot_w / max(len(rows), 1)
    gap = slot * 0.2 if slot > 4 else 0
    bars = []
    for i, row in enumerate(rows):
        h = plot_h * max(row.amount_micro, 0) / top
        bars.append(
            Bar(
                x=round(LEFT + i * slot + gap / 2, 2),
                y=round(TOP + plot_h - h, 2),
                width=round(slot - gap, 2),
                height=round(h, 2),
                row=row,
            )
        )
    y_ticks = [
        Tick(at=round(TOP + plot_h - plot_h * v / top, 2), value=v) for v in range(0, top + 1, step)
    ]
    every = max(1, len(rows) // 6)
    x_ticks = [
        Tick(at=round(LEFT + i * slot + slot / 2, 2), value=row.key)
        for i, row in enumerate(rows)
        if i % every == 0
    ]
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        bottom=TOP + plot_h,
        right=WIDTH - RIGHT,
        bars=bars,
        y_ticks=y_ticks,
        x_ticks=x_ticks,
    )
