"""Benchmark cold start and cache eviction: what an operator waits for.

- Cold start: time from starting `tunemeter serve` on a migrated store holding the
  demo catalog's rows to its first `200` on the home page, --starts times (p50, max).
  As the reference measured in the same run: `tunemeter check` (the same interpreter
  loading Django and every app, then exiting), the floor any server of this code pays.
- Eviction: the rendition cache holding --files cached files (default 100,000,
  small, spread over the cache's two-level folders) and a byte budget 10% below their
  total: the wall time of one eviction pass and the files it removed.

    python bench/coldstart.py [--starts 5] [--files 100000] [--json] [--save]
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import bench_arguments, bench_finish, free_port, print_rows


def first_200(port: int, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    """Poll the home page until it answers 200; fail if the server exits first."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/")
            if conn.getresponse().status == 200:
                conn.close()
                return
            conn.close()
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"server on port {port} gave no 200 in {timeout} s")
        time.sleep(0.01)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--files", type=int, default=100_000)
    bench_arguments(parser)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="tunemeter-bench-") as tmp_name:
        tmp = Path(tmp_name)
        env = {
            **os.environ,
            "TUNEMETER_DATA_DIR": str(tmp / "data"),
            "DJANGO_SETTINGS_MODULE": "tunemeter.settings",
            "TUNEMETER_LOG_LEVEL": "WARNING",
        }
        env.pop("DATABASE_URL", None)
        os.environ.update({k: v for k, v in env.items() if k.startswith(("TUNEMETER_", "DJANGO_"))})
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        sys.path.insert(0, str(Path(__file__).parent))
        from pages import generate

        generate(250)  # a small label's catalog: 25 releases

        reference = []
        for _ in range(args.starts):
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "tunemeter.cli", "check"],
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
            )
            reference.append(time.perf_counter() - started)
        starts = []
        for _ in range(args.starts):
            port = free_port()
            started = time.perf_counter()
            proc = subprocess.Popen(
                [sys.executable, "-m", "tunemeter.cli", "serve", "--port", str(port)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                first_200(port, proc)
                starts.append(time.perf_counter() - started)
            finally:
                proc.terminate()
                proc.wait(timeout=20)

        # Eviction over many small cached files.
        from django.conf import settings

        from tunemeter.transcoding.cache import RenditionCache

        root = Path(settings.STORAGE_DIR) / "renditions"
        size = 1000
        payload = b"\0" * size
        now = time.time()
        for i in range(args.files):
            folder = root / f"{i % 256:02x}" / f"{i // 256 % 256:02x}"
            if i < 65536:
                folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{i:08x}.flac"
            path.write_bytes(payload)
            os.utime(path, (now - args.files + i, now - args.files + i))
        total = args.files * size
        cache = RenditionCache(max_bytes=int(total * 0.9))
        started = time.perf_counter()
        freed = cache.evict()
        evict_seconds = time.perf_counter() - started

    result = {
        "serve_first_200_seconds_p50": round(statistics.median(starts), 2),
        "serve_first_200_seconds_max": round(max(starts), 2),
        "check_seconds_p50": round(statistics.median(reference), 2),
        "evict_files": args.files,
        "evict_seconds": round(evict_seconds, 2),
        "evicted_files": freed // size,
    }
    print_rows(
        [
            (
                "tunemeter serve → first 200",
                f"p50 {result['serve_first_200_seconds_p50']} s, "
                f"max {result['serve_first_200_seconds_max']} s over {args.starts} starts",
            ),
            (
                "  reference: tunemeter check",
                f"p50 {result['check_seconds_p50']} s",
            ),
            (
                f"evict over {args.files:,} cached files",
                f"{result['evict_seconds']} s, {result['evicted_files']:,} removed",
            ),
        ]
    )
    bench_finish("coldstart", result, args)


if __name__ == "__main__":
    main()
