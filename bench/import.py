"""Benchmark the importer: tracks/s and speed as a multiple of real time, per core.

Generates demo music (not timed), then imports it into a fresh store and times the
whole import (probe, one decode pass for the integrity check, the audio hash and EBU R128
loudness, file hash, copy into storage, database), in wall time and in CPU time (the
latter holds on a machine other work shares). As a
reference measured in the same run, it also times a bare FLAC decode of the same
files on one core, so the importer's overhead shows as a ratio.

    python bench/import.py [--minutes 30] [--workers N] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from _common import print_rows, store_setup


def cpu_seconds() -> float:
    """Return the CPU time used so far by this process and its reaped children.

    CPU time, unlike wall time, does not grow when other work shares the machine, so
    it gives the speed per core on a busy host.
    """
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def decode_seconds(paths: list[Path]) -> tuple[float, float]:
    """Return the (wall, CPU) time one core takes just to decode every file (the reference)."""
    import av

    started, cpu = time.perf_counter(), cpu_seconds()
    for path in paths:
        with av.open(str(path)) as media:
            for _ in media.decode(audio=0):
                pass
    return time.perf_counter() - started, cpu_seconds() - cpu


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
        reference, reference_cpu = decode_seconds(files)
        cpu = cpu_seconds()
        report = import_run(root=tmp_path / "lib", workers=args.workers)
        import_cpu = cpu_seconds() - cpu
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
        "cpu_seconds": round(import_cpu, 3),
        "realtime_per_cpu_second": round(report.audio_seconds / import_cpu, 1),
        "decode_only_realtime_per_cpu_second": round(report.audio_seconds / reference_cpu, 1),
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
        (
            "import speed, CPU time",
            f"{result['realtime_per_cpu_second']:.0f}× real time per CPU second "
            f"({import_cpu:.2f} s of CPU; goal ≥ 400×)",
        ),
        (
            "bare decode, CPU time",
            f"{result['decode_only_realtime_per_cpu_second']:.0f}× real time per CPU second",
        ),
    ]
    print_rows(rows)
    if args.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
