"""Benchmark the importer: tracks/s and speed as a multiple of real time, per core.

Generates demo music (not timed), then imports it into a fresh store and times the
whole import (probe, full decode check, hashes, copy into storage, database). As a
reference measured in the same run, it also times a bare FLAC decode of the same
files on one core, so the importer's overhead shows as a ratio.

    python bench/import.py [--minutes 30] [--workers N] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from _common import print_rows, store_setup


def decode_seconds(paths: list[Path]) -> float:
    """Return the time one core takes just to decode every file (the reference)."""
    import av

    started = time.perf_counter()
    for path in paths:
        with av.open(str(path)) as media:
            for _ in media.decode(audio=0):
                pass
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0, help="minutes of audio to import")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print one JSON object last")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="tunemeter-bench-") as tmp:
        tmp_path = Path(tmp)
        store_setup(tmp_path / "data")
        from tunemeter.catalog.importing.pipeline import import_run
        from tunemeter.ops.demo import demo_generate, demo_minutes

        print(f"generating {args.minutes:g} min of demo music…", file=sys.stderr)
        files = demo_generate(
            dest=tmp_path / "lib", seed=args.seed, scale=args.minutes / demo_minutes()
        )
        reference = decode_seconds(files)
        report = import_run(root=tmp_path / "lib", workers=args.workers)
        if report.rejected:
            raise SystemExit(f"bench import rejected files: {report.rejected}")

    tracks = len(report.imported)
    wall = report.wall_seconds
    result = {
        "tracks": tracks,
        "audio_seconds": round(report.audio_seconds, 3),
        "wall_seconds": round(wall, 3),
        "tracks_per_s": round(tracks / wall, 2),
        "realtime_per_core": round(report.audio_seconds / wall / args.workers, 1),
        "workers": args.workers,
        "decode_only_realtime_one_core": round(report.audio_seconds / reference, 1),
    }
    ratio = result["decode_only_realtime_one_core"] / result["realtime_per_core"]
    rows = [
        ("tracks", f"{tracks}"),
        ("audio", f"{report.audio_seconds / 60:.1f} min"),
        ("workers", f"{args.workers}"),
        ("wall", f"{wall:.2f} s"),
        ("tracks/s", f"{result['tracks_per_s']:.1f}"),
        ("import speed", f"{result['realtime_per_core']:.0f}× real time per core (goal ≥ 400×)"),
        (
            "bare decode (reference)",
            f"{result['decode_only_realtime_one_core']:.0f}× real time, 1 core",
        ),
        ("import cost vs bare decode", f"{ratio:.2f}×"),
    ]
    print_rows(rows)
    if args.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
