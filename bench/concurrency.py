"""Benchmark simultaneous uncached encodes: renders/s, 429s and memory per encode.

Builds a store with a generated release (default 8 tracks of 4 minutes) bought in
FLAC, MP3 V0 and Opus 160, serves it (`tunemeter serve`, one process, the default
encoder slots), and for 1, 2, 4 and 8 clients at once has each client download a
different uncached rendition (rotating over the formats), every body checked
against the rendition's sha256. It reports renders completed per second, how many
requests got 429 (encoders busy; the client honours Retry-After and tries again, as
a browser's download manager would), and the server's memory growth per encode in
flight. As the reference measured in the same run: one render of the same job in
this process, with no server, no HTTP and no cache.

    python bench/concurrency.py [--tracks 8] [--seconds-per-track 240] [--json] [--save]
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from _common import (
    bench_arguments,
    bench_finish,
    bought_release,
    free_port,
    print_rows,
    rss_mb,
    wait_port,
)

FORMATS = ["flac", "mp3-v0", "opus-160"]


def download(port: int, path: str, tally: dict, lock: threading.Lock) -> str:
    """GET path until it is served (sleeping Retry-After on 429); return the body's sha256."""
    while True:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        conn.request("GET", path)
        response = conn.getresponse()
        if response.status == 429:
            response.read()
            conn.close()
            with lock:
                tally["429"] += 1
            time.sleep(float(response.headers.get("Retry-After", "1")))
            continue
        if response.status != 200:
            raise SystemExit(f"GET {path}: {response.status}")
        digest = hashlib.sha256()
        while chunk := response.read(1 << 20):
            digest.update(chunk)
        conn.close()
        return digest.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=int, default=8)
    parser.add_argument("--seconds-per-track", type=float, default=240.0)
    parser.add_argument("--levels", default="1,2,4,8")
    bench_arguments(parser)
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",")]

    with tempfile.TemporaryDirectory(prefix="tunemeter-bench-") as tmp_name:
        tmp = Path(tmp_name)
        buyer, _release, _orders = bought_release(
            tmp, tracks=args.tracks, seconds=args.seconds_per_track, formats=FORMATS
        )
        from django.conf import settings

        from tunemeter import storage
        from tunemeter.delivery.links import track_link
        from tunemeter.library.models import Entitlement
        from tunemeter.transcoding.models import Rendition
        from tunemeter.transcoding.render import render
        from tunemeter.transcoding.selectors import render_job

        ents = list(
            Entitlement.objects.filter(customer=buyer)
            .select_related("track")
            .order_by("track__position", "format_id")
        )
        job = render_job(track_id=ents[0].track_id, format_id=ents[0].format_id)
        started = time.perf_counter()
        for _ in render(job.source, job.fmt, job.tags):
            pass
        reference = time.perf_counter() - started

        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "tunemeter.cli", "serve", "--port", str(port)],
            env=os.environ.copy(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        result: dict = {
            "encoder_slots": settings.MAX_ENCODES,
            "reference_render_seconds": round(reference, 2),
            "reference_format": job.fmt.id,
            "levels": {},
        }
        try:
            wait_port(port, server)
            cursor = 0
            for level in levels:
                batch = [ents[(cursor + i) % len(ents)] for i in range(level)]
                cursor += level
                for ent in batch:  # uncached: drop any file an earlier level left
                    job = render_job(track_id=ent.track_id, format_id=ent.format_id)
                    storage.storage_path(job.relpath).unlink(missing_ok=True)
                links = [track_link(ent) for ent in batch]
                tally, lock = {"429": 0}, threading.Lock()
                digests: list[str | None] = [None] * level
                peak = [rss_mb(server.pid)]
                before = peak[0]

                def work(i: int, links=links, tally=tally, lock=lock, digests=digests) -> None:
                    digests[i] = download(port, links[i], tally, lock)

                threads = [threading.Thread(target=work, args=(i,)) for i in range(level)]
                started = time.perf_counter()
                for t in threads:
                    t.start()
                while any(t.is_alive() for t in threads):
                    peak.append(rss_mb(server.pid))
                    time.sleep(0.05)
                wall = time.perf_counter() - started
                for ent, digest in zip(batch, digests, strict=True):
                    key = render_job(track_id=ent.track_id, format_id=ent.format_id).key
                    deadline = time.monotonic() + 10
                    while not (row := Rendition.objects.filter(key=key).first()):
                        if time.monotonic() > deadline:
                            raise SystemExit("no rendition recorded")
                        time.sleep(0.05)
                    if row.sha256 != digest:
                        raise SystemExit(f"{ent.format_id}: body differs from the rendition")
                in_flight = min(level, settings.MAX_ENCODES)
                result["levels"][str(level)] = {
                    "wall_seconds": round(wall, 2),
                    "renders_per_s": round(level / wall, 2),
                    "responses_429": tally["429"],
                    "memory_per_encode_mb": round((max(peak) - before) / in_flight, 1),
                }
        finally:
            server.terminate()
            server.wait(timeout=20)

    rows = [
        (
            "reference: one render, no server",
            f"{result['reference_render_seconds']} s ({result['reference_format']})",
        ),
        ("encoder slots", str(result["encoder_slots"])),
    ]
    for level, row in result["levels"].items():
        rows.append(
            (
                f"{level} at once",
                f"{row['renders_per_s']} renders/s, {row['responses_429']} × 429, "
                f"{row['memory_per_encode_mb']} MB per encode",
            )
        )
    print_rows(rows)
    bench_finish("concurrency", result, args)


if __name__ == "__main__":
    main()
