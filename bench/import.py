"""Benchmark the importer as users run it: `tunemeter import`, loudness included.

Generates demo music (not timed) as CD-quality FLAC (16-bit/44.1 kHz) and, from the
same music, 24-bit/96 kHz FLAC masters. For each set, with the files evicted from
the page cache first (written, fsynced, then dropped with posix_fadvise, so the
import reads them cold), it times:

- `tunemeter import DIR` in a fresh store, as a subprocess: the whole command a
  user waits for (probe, decode check, hashes, copy, database, loudness), wall and
  CPU seconds (its own and its workers');
- the same command again on the unchanged tree (a re-import must update nothing);
- as the reference measured in the same run, a bare decode of the same files on
  one core (cold as well).

Speed is reported as a multiple of real time per core (audio seconds ÷ wall ÷ cores
used) and per CPU-second.

    python bench/import.py [--minutes 30] [--workers N] [--json] [--save]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import bench_arguments, bench_finish, print_rows


def drop_cache(paths: list[Path]) -> None:
    """Evict files from the page cache so the next read comes from the disk."""
    for path in paths:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def decode_seconds(paths: list[Path]) -> float:
    """Return the time one core takes just to decode every file (the reference)."""
    import av

    started = time.perf_counter()
    for path in paths:
        with av.open(str(path)) as media:
            for _ in media.decode(audio=0):
                pass
    return time.perf_counter() - started


def hires_copy(paths: list[Path], src_root: Path, dest_root: Path) -> list[Path]:
    """Write 24-bit/96 kHz FLAC copies of paths under dest_root (same tree); return them."""
    import av

    out_paths = []
    for path in paths:
        dest = dest_root / path.relative_to(src_root)
        dest.parent.mkdir(parents=True, exist_ok=True)
        with av.open(str(path)) as src, av.open(str(dest), "w", format="flac") as out:
            stream = out.add_stream("flac", rate=96000, layout="stereo")
            stream.format = "s32"
            stream.codec_context.options = {"bits_per_raw_sample": "24"}
            resampler = av.AudioResampler(format="s32", layout="stereo", rate=96000)
            for frame in src.decode(audio=0):
                for piece in resampler.resample(frame):
                    for packet in stream.encode(piece):
                        out.mux(packet)
            for piece in resampler.resample(None):
                for packet in stream.encode(piece):
                    out.mux(packet)
            for packet in stream.encode(None):
                out.mux(packet)
        out_paths.append(dest)
    return out_paths


def run_import(root: Path, data_dir: Path, workers: int) -> dict:
    """Run `tunemeter import root` in a subprocess; return wall, CPU and its summary."""
    env = {
        **os.environ,
        "TUNEMETER_DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "tunemeter.settings",
        "TUNEMETER_LOG_LEVEL": "WARNING",
    }
    env.pop("DATABASE_URL", None)
    cli = [sys.executable, "-m", "tunemeter.cli"]
    subprocess.run([*cli, "migrate", "--noinput", "-v0"], env=env, check=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [*cli, "import", str(root), "--workers", str(workers)],
        env=env,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"tunemeter import exited {done.returncode}:\n{done.stdout}{done.stderr}")
    counts = {
        key: int(value)
        for key, value in re.findall(r"\b(imported|updated|unchanged)\D{0,3}(\d+)", done.stdout)
    }
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_seconds": round(wall, 2), "cpu_seconds": round(cpu, 2), **counts}


def audio_seconds(paths: list[Path]) -> float:
    """Return the total length of the files in seconds, from their headers."""
    import av

    total = 0.0
    for path in paths:
        with av.open(str(path)) as media:
            stream = media.streams.audio[0]
            total += float(stream.duration * stream.time_base)
    return total


def measure(name: str, files: list[Path], root: Path, tmp: Path, workers: int) -> dict:
    """Measure one set of masters: cold first import, re-import, bare decode."""
    seconds = audio_seconds(files)
    drop_cache(files)
    first = run_import(root, tmp / f"data-{name}", workers)
    again = run_import(root, tmp / f"data-{name}", workers)
    drop_cache(files)
    before = resource.getrusage(resource.RUSAGE_SELF)
    reference = decode_seconds(files)
    after = resource.getrusage(resource.RUSAGE_SELF)
    reference_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "files": len(files),
        "audio_seconds": round(seconds, 1),
        "import": first,
        "reimport": again,
        "realtime_per_core": round(seconds / first["wall_seconds"] / workers, 1),
        "realtime_per_cpu_second": round(seconds / first["cpu_seconds"], 1),
        "decode_only_realtime_one_core": round(seconds / reference, 1),
        "decode_only_realtime_per_cpu_second": round(seconds / reference_cpu, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0, help="minutes of audio per set")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seed", type=int, default=7)
    bench_arguments(parser)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="tunemeter-bench-") as tmp_name:
        tmp = Path(tmp_name)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tunemeter.settings")
        os.environ["TUNEMETER_DATA_DIR"] = str(tmp / "scratch")
        import django

        django.setup()
        from tunemeter.ops.demo import demo_generate, demo_minutes

        print(f"generating {args.minutes:g} min of demo music…", file=sys.stderr)
        cd = demo_generate(dest=tmp / "cd", seed=args.seed, scale=args.minutes / demo_minutes())
        print("writing 24-bit/96 kHz copies…", file=sys.stderr)
        hires = hires_copy(cd, tmp / "cd", tmp / "hires")
        result = {
            "workers": args.workers,
            "cd": measure("cd", cd, tmp / "cd", tmp, args.workers),
            "hires": measure("hires", hires, tmp / "hires", tmp, args.workers),
        }

    rows = []
    for name, label in (("cd", "16-bit/44.1 kHz"), ("hires", "24-bit/96 kHz")):
        r = result[name]
        rows += [
            (f"{label}", f"{r['files']} files, {r['audio_seconds'] / 60:.1f} min, cold cache"),
            (
                "  tunemeter import (whole)",
                f"{r['import']['wall_seconds']} s wall, {r['import']['cpu_seconds']} CPU-s: "
                f"{r['realtime_per_core']:.0f}× real time per core (goal ≥ 400×), "
                f"{r['realtime_per_cpu_second']:.0f}× per CPU-second",
            ),
            (
                "  re-import, unchanged",
                f"{r['reimport']['wall_seconds']} s, updated {r['reimport'].get('updated', '?')}",
            ),
            (
                "  bare decode, 1 core",
                f"{r['decode_only_realtime_one_core']:.0f}× real time, "
                f"{r['decode_only_realtime_per_cpu_second']:.0f}× per CPU-second",
            ),
        ]
    print_rows(rows)
    bench_finish("import", result, args)


if __name__ == "__main__":
    main()
