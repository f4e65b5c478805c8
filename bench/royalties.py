"""Benchmark statements and DSR export: 1,000,000 sale lines over 2,000 holders.

Generate royalty lines (the rows `tunemeter statements` reads: one holder's share of
one track sale or return) straight into a fresh SQLite store: --lines in the period
(November 2026) and as many again over the 12 months before it, for --holders
holders of skewed sizes (holder k owns releases in proportion to 1/k, as labels do),
every third release co-owned. Then time the real `tunemeter statements --period
2026-11` command, as an operator runs it (statements in CSV and HTML, and DDEX DSR
files, for every holder), with its peak memory; and, in this process, CSV statements
alone and DSR alone. As a reference measured in the same run, time a plain `SELECT`
of every line of the period into Python tuples: the ratios say how much the
statements and DSR cost on top of reading the data.

Goal: the command ≤ 10 s and ≤ 500 MB for 1M lines and 2,000 holders.

    python bench/royalties.py [--lines 1000000] [--holders 2000] [--json] [--save]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _common import bench_arguments, bench_finish, print_rows, store_setup

PERIOD = "2026-11"


def generate(lines: int, holders: int, history: int, seed: int = 7) -> None:
    """Insert holders, a catalog, deals, orders, `lines` royalty lines in November 2026
    and `history` lines over the 12 months before it."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from tunemeter.catalog.models import Artist, Release, Track
    from tunemeter.pricing.models import Quote, QuoteItem, QuoteLine
    from tunemeter.rights.models import Deal, RightsHolder
    from tunemeter.royalties.models import RoyaltyLine
    from tunemeter.shop.models import Order

    rng = random.Random(seed)
    start = datetime(2026, 11, 1, tzinfo=UTC)
    with transaction.atomic():
        user = get_user_model().objects.create_user("bench", password="x" * 12)
        people = RightsHolder.objects.bulk_create(
            RightsHolder(kind="label", name=f"Holder {i:03d}") for i in range(holders)
        )
        artist = Artist.objects.create(name="Bench Artist")
        releases = Release.objects.bulk_create(
            Release(title=f"Release {i}", artist=artist, upc="", label="Bench")
            for i in range(2 * holders)
        )
        # Skewed catalogs: holder k licenses releases in proportion to 1/(k+1); every
        # holder has at least one.
        weights = [1 / (k + 1) for k in range(holders)]
        licensor = list(range(holders)) + rng.choices(
            range(holders), weights=weights, k=len(releases) - holders
        )
        tracks = Track.objects.bulk_create(
            Track(
                release=r, position=p, title=f"Track {r.pk}-{p}", artist=artist, length_ms=200_000
            )
            for r in releases
            for p in range(1, 11)
        )
        deals = {
            r.pk: Deal.objects.create(
                licensor=people[licensor[i]], release=r, territories="Worldwide",
                starts_at=start - timedelta(days=365), sr_share_bps=7000,
            )
            for i, r in enumerate(releases)
        }  # fmt: skip
        # Every third release is co-owned 3333/6667 with the next holder.
        owners = {
            r.pk: [(people[licensor[i]].pk, 10_000)]
            if i % 3
            else [(people[licensor[i]].pk, 3333), (people[(licensor[i] + 1) % holders].pk, 6667)]
            for i, r in enumerate(releases)
        }
        quote = Quote.objects.create(
            customer=user, currency="USD", territory="DE", total_minor=0,
            created_at=start, expires_at=start,
        )  # fmt: skip
        item = QuoteItem.objects.create(
            quote=quote, position=0, format_id="flac", size_bytes=0, exact=True, price_minor=0
        )
        qlines = QuoteLine.objects.bulk_create(
            QuoteLine(item=item, track=t, size_bytes=30_000_000, exact=True, price_minor=150)
            for t in tracks
        )
        order = Order.objects.create(
            customer=user, quote=quote, idempotency_key="bench", total_minor=0, currency="USD",
            transfer_id="",
        )  # fmt: skip
    table = RoyaltyLine._meta.db_table
    columns = [
        "kind", "order_id", "quote_line_id", "reverses_id", "at", "territory", "track_id",
        "release_id", "format_id", "size_bytes", "currency", "paid_micro", "basis_micro",
        "deal_id", "right_type", "rate", "royalty_micro", "holder_id", "share_bps",
        "amount_micro", "mandate_id", "escrowed", "escrow_release_id", "transfer_id",
        "track_title", "release_title",
    ]  # fmt: skip
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
    territories = ["DE", "FR", "US", "JP", "GB", "BR", "SE", "PL"]
    formats = [("flac", 1_500_000), ("mp3-320", 900_000), ("wav", 2_100_000), ("opus-160", 500_000)]
    seconds = 30 * 24 * 3600
    batch = []
    written = 0
    total = lines + history
    history_start = start - timedelta(days=365)
    with transaction.atomic(), connection.cursor() as cursor:
        while written < total:
            # One sale (or, rarely, a return): a line per co-owner of the track.
            q = qlines[rng.randrange(len(qlines))]
            track = tracks[q.track_id - tracks[0].pk]
            fmt, paid = formats[rng.randrange(len(formats))]
            royalty = paid * 7000 // 10_000
            kind = "return" if rng.random() < 0.02 else "sale"
            sign = -1 if kind == "return" else 1
            # Sales arrive in time order, as they do in a store (lines are appended):
            # the history's year first, then the period's month.
            if written < history:
                at = history_start + timedelta(seconds=365 * 24 * 3600 * written // history)
            else:
                at = start + timedelta(seconds=seconds * (written - history) // lines)
            territory = territories[rng.randrange(len(territories))]
            escrowed = rng.random() < 0.1
            for holder_id, share in owners[track.release_id][: total - written]:
                batch.append((
                    kind, order.pk, q.pk, None, at, territory, track.pk,
                    track.release_id, fmt, 30_000_000, "USD", paid, paid,
                    deals[track.release_id].pk, "sound_recording", "70.00%", royalty,
                    holder_id, share, sign * royalty * share // 10_000, None,
                    escrowed, None, f"royalties:order:{written}",
                    track.title, f"Release {track.release_id}",  # names as sold
                ))  # fmt: skip
                written += 1
            if len(batch) >= 20_000:
                cursor.executemany(sql, batch)
                batch.clear()
        if batch:
            cursor.executemany(sql, batch)


def reference_read() -> float:
    """Time reading every line of the period into Python tuples (no formatting, no files)."""
    from tunemeter.royalties.periods import period_parse
    from tunemeter.royalties.statements import statement_lines

    started = time.perf_counter()
    count = sum(1 for _ in statement_lines(period=period_parse(PERIOD), by_holder=False))
    elapsed = time.perf_counter() - started
    print(f"reference read: {count} lines in {elapsed:.2f} s", file=sys.stderr)
    return elapsed


def command(data_dir: Path, out: Path) -> tuple[float, float]:
    """Run `tunemeter statements --period PERIOD`; return (wall seconds, peak memory MB)."""
    env = {**os.environ, "TUNEMETER_DATA_DIR": str(data_dir)}
    env.pop("DATABASE_URL", None)
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "tunemeter.cli",
            "statements",
            "--period",
            PERIOD,
            "--out",
            str(out),
        ],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - started
    # The largest resident set of any waited-for child (the command or its forked writers).
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, peak_kb / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--holders", type=int, default=2000)
    parser.add_argument("--history-lines", type=int, help="default: as many as --lines")
    bench_arguments(parser)
    args = parser.parse_args()
    history = args.lines if args.history_lines is None else args.history_lines
    with tempfile.TemporaryDirectory(prefix="tunemeter-bench-royalties-") as tmp:
        store_setup(Path(tmp))
        started = time.perf_counter()
        generate(args.lines, args.holders, history)
        generate_seconds = time.perf_counter() - started

        from django.db import connections

        from tunemeter.royalties.exports import statements_write
        from tunemeter.royalties.periods import period_parse
        from tunemeter.royalties.reports import dsr_export

        connections.close_all()
        command_seconds, peak_mb = command(Path(tmp), Path(tmp) / "command")
        files = list((Path(tmp) / "command").iterdir())
        period = period_parse(PERIOD)
        read_seconds = reference_read()
        started = time.perf_counter()
        statements = statements_write(period=period, out_dir=Path(tmp) / "statements")
        statement_seconds = time.perf_counter() - started
        started = time.perf_counter()
        reports = dsr_export(period=period, out_dir=Path(tmp) / "dsr")
        dsr_seconds = time.perf_counter() - started
        size = sum(p.stat().st_size for p in files)
    result = {
        "lines": args.lines,
        "history_lines": history,
        "holders": args.holders,
        "generate_seconds": round(generate_seconds, 2),
        "statements_seconds": round(command_seconds, 2),
        "peak_memory_mb": round(peak_mb, 1),
        "files": len(files),
        "output_mb": round(size / 1e6, 1),
        "reference_read_seconds": round(read_seconds, 2),
        "statement_csv_seconds": round(statement_seconds, 2),
        "dsr_seconds": round(dsr_seconds, 2),
        "statement_over_read": round(statement_seconds / read_seconds, 2),
        "dsr_over_read": round(dsr_seconds / read_seconds, 2),
        "statement_files": len(statements),
        "dsr_files": len(reports),
    }
    print_rows([(k, str(v)) for k, v in result.items()])
    met = "met" if result["statements_seconds"] <= 10 and peak_mb <= 500 else "NOT met"
    print(f"goal: tunemeter statements ≤ 10 s and ≤ 500 MB: {met}")
    bench_finish("royalties", result, args)


if __name__ == "__main__":
    main()
