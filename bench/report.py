"""Write the README's performance table from the saved results in bench/results/.

Each bench run with --save writes bench/results/<bench>.json (its figures and where
it ran). This script turns them into the table between the README's
`<!-- bench-results:begin -->` and `<!-- bench-results:end -->` markers: each goal,
the figure measured, met or not, and the run it came from. The README therefore
cannot drift from the measurements; a test runs `--check`.

    python bench/report.py            # rewrite the README's table
    python bench/report.py --check    # exit 1 when the README differs from the results
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
README = ROOT / "README.md"
BEGIN, END = "<!-- bench-results:begin -->", "<!-- bench-results:end -->"


@dataclass(frozen=True)
class Goal:
    """One goal: what it measures, which bench measures it, and how to read the result."""

    figure: str
    goal: str
    bench: str
    read: Callable[[dict], tuple[str, bool]]


def _import(r: dict) -> tuple[str, bool]:
    value = r["cd"]["realtime_per_core"]
    return f"{value:.0f}× (24/96: {r['hires']['realtime_per_core']:.0f}×)", value >= 400


def _cpu_ratio(r: dict) -> tuple[str, bool]:
    worst = max(r["formats"], key=lambda f: r["formats"][f]["cpu_ratio"])
    value = r["formats"][worst]["cpu_ratio"]
    return f"worst {value:.2f} ({worst})", value <= 1.0


def _first_byte(r: dict) -> tuple[str, bool]:
    rows = r["first_byte"]
    worst = max(rows, key=lambda f: rows[f]["idle_ms"])
    value = rows[worst]["idle_ms"]
    return (
        f"p50 {r['first_byte_ms_p50']:.0f} ms over formats; slowest {worst} {value:.0f} ms",
        value <= 100,
    )


def _accel(r: dict) -> tuple[str, bool]:
    return f"{r['accel_ratio_vs_nginx']:.2f}", r["accel_ratio_vs_nginx"] >= 0.95


def _store(r: dict) -> tuple[str, bool]:
    return f"{r['cached_ratio_vs_nginx']:.2f}", r["cached_ratio_vs_nginx"] >= 0.5


def _zip(r: dict) -> tuple[str, bool]:
    return f"{r['zip_ratio_vs_ideal']:.2f}", r["zip_ratio_vs_ideal"] <= 1.10


def _statements(r: dict) -> tuple[str, bool]:
    seconds, memory = r["statements_seconds"], r.get("peak_memory_mb")
    text = f"{seconds:.1f} s for {r['lines']:,} lines, {r['holders']:,} holders"
    if memory is not None:
        text += f", peak {memory:.0f} MB"
    return text, seconds <= 10 and (memory is None or memory <= 500)


def _pages(r: dict) -> tuple[str, bool]:
    largest = max(r["sizes"], key=int)
    value = r["p99_ms_max_largest"]
    constant = "constant" if r["queries_constant"] else "NOT constant"
    return f"{value:.0f} ms at {int(largest):,} tracks; queries {constant}", (
        value <= 50 and r["queries_constant"]
    )


def _estimates(r: dict) -> tuple[str, bool]:
    rows = r["estimates"]
    p95 = max(row["p95_abs"] for row in rows.values())
    mean = max(rows.values(), key=lambda row: abs(row["mean_signed"]))["mean_signed"]
    tracks = min(row["tracks"] for row in rows.values())
    return (
        f"p95 {p95:.1%}, worst mean {mean:+.2%} ({tracks} tracks)",
        p95 <= 0.02 and abs(mean) <= 0.005 and tracks >= 50,
    )


GOALS = [
    Goal("`tunemeter import` incl. loudness, real time per core", "≥ 400×", "import", _import),
    Goal("render CPU-time ÷ ffmpeg CLI CPU-time, every format", "≤ 1.0", "transcode", _cpu_ratio),
    Goal("first byte, uncached, every format incl. M4A", "≤ 100 ms", "delivery", _first_byte),
    Goal("cached throughput via nginx hand-off ÷ nginx alone", "≥ 0.95", "delivery", _accel),
    Goal("cached throughput, store alone ÷ nginx", "≥ 0.5", "delivery", _store),
    Goal("release zip ÷ ideal parallel encode", "≤ 1.10", "delivery", _zip),
    Goal("statements + DSR, 1M lines, 2,000 holders", "≤ 10 s, ≤ 500 MB", "royalties", _statements),
    Goal("pages, p99 server time; queries per page", "≤ 50 ms, constant", "pages", _pages),
    Goal("estimate error p95 (signed mean)", "≤ 2% (±0.5%)", "transcode", _estimates),
]


def results() -> dict[str, dict]:
    """Return every saved result by bench name."""
    return {path.stem: json.loads(path.read_text()) for path in sorted(RESULTS.glob("*.json"))}


def table(saved: dict[str, dict]) -> str:
    """Return the README's performance section body (Markdown) for the saved results."""
    lines = [
        "| figure | goal | measured | met | run |",
        "| --- | --- | --- | --- | --- |",
    ]
    for goal in GOALS:
        result = saved.get(goal.bench)
        if result is None:
            lines.append(f"| {goal.figure} | {goal.goal} | not measured | – | – |")
            continue
        try:
            text, met = goal.read(result)
        except (KeyError, TypeError, ValueError):
            text, met = "not in the saved result", None
        env = result["environment"]
        command = env.get("command", f"python bench/{goal.bench}.py").replace(" --save", "")
        when = env["finished_at"][:10]
        run = f"`{command}` at {env['commit']}, {when}, load {env['load_average'][0]}"
        verdict = "–" if met is None else ("yes" if met else "**no**")
        lines.append(f"| {goal.figure} | {goal.goal} | {text} | {verdict} | {run} |")
    lines.append("")
    lines.append(
        "Each run: `python bench/<bench>.py --save` (see each bench below), then "
        "`python bench/report.py`. Where a run says its load average was above the "
        "core count, the machine was busy and its figures are pessimistic."
    )
    return "\n".join(lines)


def readme_with(text: str, body: str) -> str:
    """Return the README text with the section between the markers replaced by body."""
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    return text[:start] + "\n" + body + "\n" + text[end:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when the README differs")
    args = parser.parse_args()
    current = README.read_text()
    wanted = readme_with(current, table(results()))
    if args.check:
        if wanted != current:
            print("README's performance table differs from bench/results: run bench/report.py")
            sys.exit(1)
        return
    README.write_text(wanted)


if __name__ == "__main__":
    main()
