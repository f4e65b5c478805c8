"""Benchmark statements and DSR export: 1,000,000 sale lines over 200 holders.

Generate royalty lines (the rows `tunemeter statements` reads: one holder's share of
one track sale or return) straight into a fresh SQLite store, then time CSV
statements for every holder and the DDEX DSR export for every holder. As a reference
measured in the same run, time a plain `SELECT` of every line into Python tuples:
the ratios say how much the statements and DSR cost on top of reading the data.

Goal: statements + DSR ≤ 10 s. `tunemeter statements` writes the DSR files in a forked
process while it writes the statements; the bench times each alone and both together.

    python bench/royalties.py [--lines 1000000] [--holders 200] [--json]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _common import print_rows, store_setup

PERIOD = "2026-11"


def generate(lines: int, holders: int, seed: int = 7) -> None:
    """Insert holders, a catalog, deals, orders and `lines` royalty lines in November 2026."""
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
        tracks = Track.objects.bulk_create(
            Track(
                release=r, position=p, title=f"Track {r.pk}-{p}", artist=artist, length_ms=200_000
            )
            for r in releases
            for p in range(1, 11)
        )
        deals = {
            r.pk: Deal.objects.create(
                licensor=people[i % holders], release=r, territories="Worldwide",
                starts_at=start - timedelta(days=365), sr_share_bps=7000,
            )
            for i, r in enumerate(releases)
        }  # fmt: skip
        # Every third release is co-owned 3333/6667 with the next holder.
        owners = {
            r.pk: [(people[i % holders].pk, 10_000)]
            if i % 3
            else [(people[i % holders].pk, 3333), (people[(i + 1) % holders].pk, 6667)]
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
    ]  # fmt: skip
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
    territories = ["DE", "FR", "US", "JP", "GB", "BR", "SE", "PL"]
    formats = [("flac", 1_500_000), ("mp3-320", 900_000), ("wav", 2_100_000), ("opus-160", 500_000)]
    seconds = 30 * 24 * 3600
    batch = []
    written = 0
    with transaction.atomic(), connection.cursor() as cursor:
        while written < lines:
            # One sale (or, rarely, a return): a line per co-owner of the track.
            q = qlines[rng.randrange(len(qlines))]
            track = tracks[q.track_id - tracks[0].pk]
            fmt, paid = formats[rng.randrange(len(formats))]
            royalty = paid * 7000 // 10_000
            kind = "return" if rng.random() < 0.02 else "sale"
            sign = -1 if kind == "return" else 1
            # Sales arrive in time order, as they do in a store (lines are appended).
            at = start + timedelta(seconds=seconds * written // lines)
            territory = territories[rng.randrange(len(territories))]
            escrowed = rng.random() < 0.1
            for holder_id, share in owners[track.release_id][: lines - written]:
                batch.append((
                    kind, order.pk, q.pk, None, at, territory, track.pk,
                    track.release_id, fmt, 30_000_000, "USD", paid, paid,
                    deals[track.release_id].pk, "sound_recording", "70.00%", royalty,
                    holder_id, share, sign * royalty * share // 10_000, None,
                    escrowed, None, f"royalties:order:{written}",
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--holders", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tunemeter-bench-royalties-") as tmp:
        store_setup(Path(tmp))
        started = time.perf_counter()
        generate(args.lines, args.holders)
        generate_seconds = time.perf_counter() - started

        from tunemeter.royalties.exports import statements_write
        from tunemeter.royalties.periods import period_parse
        from tunemeter.royalties.reports import dsr_export, period_export

        period = period_parse(PERIOD)
        read_seconds = reference_read()
        started = time.perf_counter()
        statements = statements_write(period=period, out_dir=Path(tmp) / "statements")
        statement_seconds = time.perf_counter() - started
        started = time.perf_counter()
        reports = dsr_export(period=period, out_dir=Path(tmp) / "dsr")
        dsr_seconds = time.perf_counter() - started
        size = sum(p.stat().st_size for p in [*statements, *reports])
        # What `tunemeter statements` does: both at once, DSR in a forked process.
        started = time.perf_counter()
        together = period_export(period=period, out_dir=Path(tmp) / "both")
        together_seconds = time.perf_counter() - started
        assert len(together) == len(statements) + len(reports)
    result = {
        "sale_lines": args.lines,
        "holders": args.holders,
        "generate_seconds": round(generate_seconds, 2),
        "reference_read_seconds": round(read_seconds, 2),
        "statement_seconds": round(statement_seconds, 2),
        "dsr_seconds": round(dsr_seconds, 2),
        "serial_seconds": round(statement_seconds + dsr_seconds, 2),
        "together_seconds": round(together_seconds, 2),
        "statement_over_read": round(statement_seconds / read_seconds, 2),
        "dsr_over_read": round(dsr_seconds / read_seconds, 2),
        "files": len(statements) + len(reports),
        "output_mb": round(size / 1e6, 1),
    }
    if args.json:
        print(json.dumps(result))
        return
    print_rows([(k, str(v)) for k, v in result.items()])
    met = "met" if result["together_seconds"] <= 10 else "NOT met"
    print(f"goal: statements + DSR ≤ 10 s (together, as `tunemeter statements` runs them): {met}")


if __name__ == "__main__":
    main()
