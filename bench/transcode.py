"""Benchmark rendering against the ffmpeg command line, first-byte latency and size estimates.

For each format, the same generated master (default: a 4-minute demo track) is
rendered, alternately, best of --repeat runs each:

- by the store's render() into a Python sink (wall and CPU seconds);
- by the store through the rendition cache, as a download makes it (encode, write
  a temp file, fsync, rename, record): the real path;
- by the `ffmpeg` command line with equivalent encoder settings, writing to a pipe
  the bench reads (M4A formats: both sides write a file, since MP4 needs seeking),
  wall and CPU seconds, with ffmpeg's start-up cost measured apart.

The ratio that matters is CPU time, store ÷ ffmpeg. Time to first byte is measured
on uncached renders through the cache. Size estimates are compared with the real
sizes over --estimate-tracks generated tracks of 2 to 10 minutes (default 50; the
masters are cached between runs): the signed error (estimate − real) ÷ real, and its
money effect at the format's rate (what buyers would over- or underpay).

    python bench/transcode.py [--seconds 240] [--repeat 3] [--estimate-tracks 50] [--json] [--save]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

from _common import bench_arguments, bench_finish, store_setup

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
CACHE_DIR = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "tunemeter-bench"


def _cpu_wall(fn) -> tuple[float, float]:
    """Run fn; return (wall seconds, CPU seconds of this process and its waited children)."""
    import resource

    def cpu() -> float:
        me = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime

    started, cpu_started = time.perf_counter(), cpu()
    fn()
    return time.perf_counter() - started, cpu() - cpu_started


def _generate(spec: tuple[Path, float, str, int]) -> Path:
    """Write one demo master (cached between runs by its parameters); return its path."""
    dest, seconds, style, seed = spec
    from tunemeter.ops.demo import demo_track

    name = hashlib.sha256(f"{seconds}:{style}:{seed}".encode()).hexdigest()[:16] + ".flac"
    cached = CACHE_DIR / name
    if not cached.exists():
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        demo_track(dest=cached.with_suffix(".part"), seconds=seconds, style=style, seed=seed)
        cached.with_suffix(".part").rename(cached)
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(cached, dest)
    return dest


def _actual_sizes(track_ids: list[int], formats: list[str]) -> dict[tuple[int, str], int]:
    """Render every track in every format (in this process); return the real sizes."""
    import django

    django.setup()
    from tunemeter.transcoding.render import render
    from tunemeter.transcoding.selectors import render_job

    sizes = {}
    for track_id in track_ids:
        for format_id in formats:
            job = render_job(track_id=track_id, format_id=format_id)
            sizes[(track_id, format_id)] = sum(
                len(c) for c in render(job.source, job.fmt, job.tags)
            )
    return sizes


def _ffmpeg_run(cmd: list[str], *, to_pipe: bool) -> None:
    if to_pipe:
        with subprocess.Popen(cmd, stdout=subprocess.PIPE) as proc:
            while proc.stdout.read(1 << 20):
                pass
        if proc.returncode:
            raise SystemExit(f"ffmpeg failed: {cmd}")
    else:
        subprocess.run(cmd, check=True)


def connections_close() -> None:
    """Close Django's connections before forking workers (each opens its own)."""
    from django.db import connections

    connections.close_all()


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=240.0, help="length of the bench master")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--estimate-tracks", type=int, default=50)
    parser.add_argument("--estimate-min-seconds", type=float, default=120.0)
    parser.add_argument("--estimate-max-seconds", type=float, default=600.0)
    bench_arguments(parser)
    args = parser.parse_args()
    ffmpeg = shutil.which("ffmpeg")
    if not ffmpeg:
        raise SystemExit("ffmpeg is the reference: install it (apt-get install ffmpeg)")
    workers = os.cpu_count() or 1

    with tempfile.TemporaryDirectory(prefix="tunemeter-bench-") as tmp:
        tmp_path = Path(tmp)
        store_setup(tmp_path / "data")
        from tunemeter.catalog.importing.pipeline import import_run
        from tunemeter.catalog.models import Track
        from tunemeter.pricing.rates import rate_minor_per_mb
        from tunemeter.transcoding.cache import RenditionCache
        from tunemeter.transcoding.formats import FORMATS
        from tunemeter.transcoding.render import render
        from tunemeter.transcoding.selectors import render_job
        from tunemeter.transcoding.sizing import estimate_size

        lib = tmp_path / "lib"
        span = args.estimate_max_seconds - args.estimate_min_seconds
        specs = [(lib / "01 - bench.flac", args.seconds, "synthpop", 1)] + [
            (
                lib / f"{i + 2:02d} - t{i}.flac",
                # Lengths spread evenly over the range, styles and seeds varied.
                round(args.estimate_min_seconds + span * i / max(1, args.estimate_tracks - 1)),
                STYLES[i % 3],
                10 + i,
            )
            for i in range(args.estimate_tracks)
        ]
        connections_close()
        print(f"generating {len(specs)} masters (cached in {CACHE_DIR})…", file=sys.stderr)
        with ProcessPoolExecutor(workers) as pool:
            list(pool.map(_generate, specs))
        import_run(root=lib, workers=workers)
        bench_track = Track.objects.get(position=1)
        master_path = Path(render_job(track_id=bench_track.pk, format_id="flac").source.path)
        started = time.perf_counter()
        for _ in range(5):
            subprocess.run(
                [
                    ffmpeg,
                    "-v",
                    "error",
                    "-f",
                    "lavfi",
                    "-i",
                    "anullsrc",
                    "-t",
                    "0.01",
                    "-f",
                    "null",
                    "-",
                ],
                check=True,
            )
        startup = (time.perf_counter() - started) / 5

        formats: dict[str, dict] = {}
        for run, (format_id, fmt) in enumerate(FORMATS.items()):
            job = render_job(track_id=bench_track.pk, format_id=format_id)
            to_pipe = FFMPEG_ARGS[format_id][-1] != "ipod"
            target = "pipe:1" if to_pipe else str(tmp_path / f"cli.{fmt.extension}")
            cmd = [ffmpeg, "-v", "error", "-y", "-i", str(master_path), "-map", "0:a",
                   *FFMPEG_ARGS[format_id], target]  # fmt: skip
            ours, cached, theirs = [], [], []
            for k in range(args.repeat):
                ours.append(
                    _cpu_wall(
                        lambda job=job: sum(len(c) for c in render(job.source, job.fmt, job.tags))
                    )
                )
                cache = RenditionCache(max_encodes=1)
                fresh = replace(job, key=f"bench{run}x{k}".ljust(64, "0"))

                def through_cache(cache=cache, fresh=fresh) -> None:
                    for _ in cache.open(fresh):
                        pass

                cached.append(_cpu_wall(through_cache))
                theirs.append(_cpu_wall(lambda cmd=cmd, p=to_pipe: _ffmpeg_run(cmd, to_pipe=p)))
            wall, cpu = min(ours)
            cache_wall = min(w for w, _ in cached)
            cli_wall, cli_cpu = min(theirs)
            formats[format_id] = {
                "seconds": round(wall, 3),
                "cpu_seconds": round(cpu, 3),
                "through_cache_seconds": round(cache_wall, 3),
                "ffmpeg_seconds": round(cli_wall, 3),
                "ffmpeg_cpu_seconds": round(cli_cpu, 3),
                "ffmpeg_sink": "pipe" if to_pipe else "file",
                "cpu_ratio": round(cpu / cli_cpu, 2),
                "ratio": round(wall / cli_wall, 2),
            }

        # Size estimates against real sizes, for formats without an exact size.
        others = list(Track.objects.exclude(pk=bench_track.pk).values_list("pk", flat=True))
        estimated = [
            f
            for f, fmt in FORMATS.items()
            if fmt.container not in ("wav", "aiff") and fmt.mode != "CBR"
        ]
        print(
            f"rendering {len(others)} tracks in {len(estimated)} formats for the real sizes…",
            file=sys.stderr,
        )
        chunks = [others[i::workers] for i in range(workers)]
        connections_close()
        real: dict[tuple[int, str], int] = {}
        with ProcessPoolExecutor(workers) as pool:
            for part in pool.map(_actual_sizes, chunks, [estimated] * workers):
                real.update(part)
        estimates: dict[str, dict] = {}
        for format_id in estimated:
            rate = rate_minor_per_mb(format_id)
            errors, money = [], []
            for track_id in others:
                job = render_job(track_id=track_id, format_id=format_id)
                guess, actual = estimate_size(job), real[(track_id, format_id)]
                errors.append((guess - actual) / actual)
                # What the buyer pays for the estimate minus what the real bytes cost, in
                # minor units before rounding: the money effect of the error.
                money.append((guess - actual) * rate / 1e6)
            estimates[format_id] = {
                "tracks": len(errors),
                "mean_signed": round(statistics.fmean(errors), 5),
                "p5_signed": round(_quantile(errors, 0.05), 5),
                "p95_signed": round(_quantile(errors, 0.95), 5),
                "p95_abs": round(_quantile([abs(e) for e in errors], 0.95), 5),
                "max_over": round(max(errors), 5),
                "money_minor_per_track_mean": round(statistics.fmean(money), 3),
                "money_minor_max_over": round(max(money), 3),
            }

        # First byte of uncached renders, through the cache as a download would see it.
        first_bytes: dict[str, list[float]] = {f: [] for f in FORMATS}
        for i, track_id in enumerate(others[:4]):
            for format_id in FORMATS:
                cache = RenditionCache(max_encodes=2)
                job = render_job(track_id=track_id, format_id=format_id)
                job = replace(job, key=f"fb{i}{format_id}".ljust(64, "0"))
                started = time.perf_counter()
                stream = iter(cache.open(job))
                next(stream)
                first_bytes[format_id].append((time.perf_counter() - started) * 1000)
                for _ in stream:
                    pass

    for format_id, row in formats.items():
        row["first_byte_ms_p50"] = round(statistics.median(first_bytes[format_id]), 1)
    all_first = [v for values in first_bytes.values() for v in values]
    result = {
        "master_seconds": args.seconds,
        "ffmpeg_startup_seconds": round(startup, 3),
        "formats": formats,
        "estimates": estimates,
        "first_byte_ms_p50": round(statistics.median(all_first), 1),
        "cpu_ratio_max": max(row["cpu_ratio"] for row in formats.values()),
    }
    print(
        f"{'format':9} {'store s':>8} {'CPU s':>7} {'cache s':>8} {'ffmpeg s':>9} {'CPU s':>7}"
        f" {'sink':>5} {'CPU ratio':>9} {'1st byte':>9}"
    )
    for format_id, row in formats.items():
        print(
            f"{format_id:9} {row['seconds']:8.3f} {row['cpu_seconds']:7.3f} "
            f"{row['through_cache_seconds']:8.3f} {row['ffmpeg_seconds']:9.3f} "
            f"{row['ffmpeg_cpu_seconds']:7.3f} {row['ffmpeg_sink']:>5} {row['cpu_ratio']:9.2f} "
            f"{row['first_byte_ms_p50']:7.1f}ms"
        )
    print(f"ffmpeg start-up (a 10 ms null job): {startup * 1000:.0f} ms, included above")
    print(
        f"\nestimates over {args.estimate_tracks} tracks of "
        f"{args.estimate_min_seconds:g}-{args.estimate_max_seconds:g} s "
        "(signed: + means the buyer overpays)"
    )
    print(
        f"{'format':9} {'mean':>7} {'p5':>7} {'p95':>7} {'|p95|':>7} {'max over':>9}"
        f" {'minor/track':>12}"
    )
    for format_id, row in estimates.items():
        print(
            f"{format_id:9} {row['mean_signed']:+7.2%} {row['p5_signed']:+7.2%} "
            f"{row['p95_signed']:+7.2%} {row['p95_abs']:7.2%} {row['max_over']:+9.2%} "
            f"{row['money_minor_per_track_mean']:+12.3f}"
        )
    print(
        f"first byte of an uncached render, p50 over all formats: {result['first_byte_ms_p50']} ms"
    )
    bench_finish("transcode", result, args)


if __name__ == "__main__":
    main()
