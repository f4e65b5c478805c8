"""Benchmark rendering against the ffmpeg command line, first-byte latency and size estimates.

For each format, the same generated master (default: a 4-minute demo track) is
rendered by the store and by `ffmpeg` with equivalent encoder settings, alternately,
best of --repeat runs each; the ratio is store / ffmpeg. Time to first byte is
measured on uncached renders through the rendition cache. Size estimates are
compared with real sizes over a set of generated tracks.

    python bench/transcode.py [--seconds 240] [--repeat 3] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from _common import store_setup

# ffmpeg CLI arguments equivalent to each format's encoder settings.
FFMPEG_ARGS = {
    "mp3-320": ["-c:a", "libmp3lame", "-b:a", "320k", "-compression_level", "2", "-f", "mp3"],
    "mp3-256": ["-c:a", "libmp3lame", "-b:a", "256k", "-compression_level", "2", "-f", "mp3"],
    "mp3-128": ["-c:a", "libmp3lame", "-b:a", "128k", "-compression_level", "2", "-f", "mp3"],
    "mp3-v0": ["-c:a", "libmp3lame", "-q:a", "0", "-compression_level", "2", "-f", "mp3"],
    "mp3-v2": ["-c:a", "libmp3lame", "-q:a", "2", "-compression_level", "2", "-f", "mp3"],
    "aac-256": ["-c:a", "aac", "-b:a", "256k", "-f", "ipod"],
    "aac-128": ["-c:a", "aac", "-b:a", "128k", "-f", "ipod"],
    "opus-160": [
        "-c:a",
        "libopus",
        "-b:a",
        "160k",
        "-vbr",
        "on",
        "-compression_level",
        "10",
        "-f",
        "ogg",
    ],
    "opus-96": [
        "-c:a",
        "libopus",
        "-b:a",
        "96k",
        "-vbr",
        "on",
        "-compression_level",
        "10",
        "-f",
        "ogg",
    ],
    "flac": ["-c:a", "flac", "-f", "flac"],
    "alac": ["-c:a", "alac", "-f", "ipod"],
    "wav": ["-c:a", "pcm_s16le", "-f", "wav"],
    "aiff": ["-c:a", "pcm_s16be", "-f", "aiff"],
}
STYLES = ["synthpop", "ambient", "jazz"]


def _time(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=240.0, help="length of the bench master")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--estimate-tracks", type=int, default=6)
    parser.add_argument("--json", action="store_true", help="print one JSON object last")
    args = parser.parse_args()
    ffmpeg = shutil.which("ffmpeg")
    if not ffmpeg:
        print(
            "ffmpeg not found: the CLI reference is skipped (install it: apt-get install ffmpeg)",
            file=sys.stderr,
        )

    with tempfile.TemporaryDirectory(prefix="tunemeter-bench-") as tmp:
        tmp_path = Path(tmp)
        store_setup(tmp_path / "data")
        from tunemeter.catalog.importing.pipeline import import_run
        from tunemeter.catalog.models import Track
        from tunemeter.ops.demo import demo_track
        from tunemeter.transcoding.cache import RenditionCache
        from tunemeter.transcoding.formats import FORMATS
        from tunemeter.transcoding.render import render
        from tunemeter.transcoding.selectors import render_job
        from tunemeter.transcoding.sizing import estimate_size

        lib = tmp_path / "lib"
        lib.mkdir()
        print("generating masters…", file=sys.stderr)
        demo_track(dest=lib / "01 - bench.flac", seconds=args.seconds, style="synthpop", seed=1)
        for i in range(args.estimate_tracks):
            seconds = 90 + 30 * (i % 4)
            demo_track(
                dest=lib / f"{i + 2:02d} - t{i}.flac",
                seconds=seconds,
                style=STYLES[i % 3],
                seed=10 + i,
            )
        import_run(root=lib, workers=os.cpu_count() or 1)
        bench_track = Track.objects.get(position=1)
        master_path = Path(render_job(track_id=bench_track.pk, format_id="flac").source.path)

        formats: dict[str, dict] = {}
        for format_id, fmt in FORMATS.items():
            job = render_job(track_id=bench_track.pk, format_id=format_id)
            ours, theirs = [], []
            for _ in range(args.repeat):
                ours.append(
                    _time(
                        lambda job=job: sum(len(c) for c in render(job.source, job.fmt, job.tags))
                    )
                )
                if ffmpeg:
                    cmd = [
                        ffmpeg,
                        "-v",
                        "error",
                        "-y",
                        "-i",
                        str(master_path),
                        "-map",
                        "0:a",
                        *FFMPEG_ARGS[format_id],
                        str(tmp_path / f"cli.{fmt.extension}"),
                    ]
                    theirs.append(_time(lambda cmd=cmd: subprocess.run(cmd, check=True)))
            seconds = min(ours)
            cli = min(theirs) if theirs else None
            formats[format_id] = {
                "seconds": round(seconds, 3),
                "ffmpeg_seconds": round(cli, 3) if cli else None,
                "ratio": round(seconds / cli, 2) if cli else None,
                "estimate_error_p95": None,
            }

        # Size estimates against real sizes, for formats without an exact size.
        others = Track.objects.exclude(pk=bench_track.pk)
        for format_id, fmt in FORMATS.items():
            if fmt.container == "wav" or fmt.container == "aiff" or fmt.mode == "CBR":
                continue
            errors = []
            for track in others:
                job = render_job(track_id=track.pk, format_id=format_id)
                actual = sum(len(c) for c in render(job.source, job.fmt, job.tags))
                errors.append(abs(estimate_size(job) - actual) / actual)
            errors.sort()
            p95 = errors[min(len(errors) - 1, round(0.95 * (len(errors) - 1)))]
            formats[format_id]["estimate_error_p95"] = round(p95, 4)

        # First byte of uncached renders, through the cache as a download would see it.
        first_bytes = []
        for i, track in enumerate(Track.objects.all()):
            for format_id in ("mp3-320", "flac", "opus-160", "wav"):
                cache = RenditionCache(max_encodes=2)
                job = render_job(track_id=track.pk, format_id=format_id)
                job = replace(job, key=f"bench{i}{format_id}".ljust(64, "0"))
                started = time.perf_counter()
                stream = iter(cache.open(job))
                next(stream)
                first_bytes.append((time.perf_counter() - started) * 1000)
                for _ in stream:
                    pass

    result = {
        "formats": formats,
        "first_byte_ms_p50": round(statistics.median(first_bytes), 1),
        "master_seconds": args.seconds,
    }
    print(f"{'format':10} {'store s':>8} {'ffmpeg s':>9} {'ratio':>6} {'est. err p95':>13}")
    for format_id, row in formats.items():
        cli = f"{row['ffmpeg_seconds']:.3f}" if row["ffmpeg_seconds"] else "–"
        ratio = f"{row['ratio']:.2f}" if row["ratio"] else "–"
        err = (
            f"{row['estimate_error_p95'] * 100:.1f}%"
            if row["estimate_error_p95"] is not None
            else "exact"
        )
        print(f"{format_id:10} {row['seconds']:8.3f} {cli:>9} {ratio:>6} {err:>13}")
    print(
        f"first byte of an uncached render, p50: {result['first_byte_ms_p50']} ms "
        f"(mp3-320, flac, opus-160, wav; goal ≤ 100 ms)"
    )
    if args.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
