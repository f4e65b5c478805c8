"""Benchmark delivery: first byte, cached throughput against nginx, zips, memory.

Builds a fresh store with a generated 12-track release, bought in FLAC, WAV and
MP3 320 by one customer, then measures against the real server (uvicorn) and a
real nginx (Debian's package) in the same run:

- time to first byte of uncached FLAC renders (p50, p95);
- throughput of 16 concurrent downloads of cached WAV files through the store,
  through nginx with the X-Accel-Redirect hand-off, and from nginx alone (ratios);
- wall time of an uncached MP3 320 release zip against the ideal: the sum of the
  tracks' single encode times divided by the encoder slots;
- the server's memory growth while 100 downloads are in flight.

    python bench/delivery.py [--seconds-per-track 240] [--json]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from _common import free_port, print_rows, wait_port


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _fetch(port: int, path: str, *, first_byte: bool = False) -> tuple[int, float | None]:
    """GET a path; return (bytes read, seconds to the first body byte if asked)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    started = time.perf_counter()
    conn.request("GET", path)
    response = conn.getresponse()
    if response.status != 200:
        raise RuntimeError(f"GET {path}: {response.status}")
    first = response.read(1)
    ttfb = time.perf_counter() - started if first_byte else None
    total = len(first)
    while chunk := response.read(1024 * 1024):
        total += len(chunk)
    conn.close()
    return total, ttfb


def _throughput(port: int, paths: list[str], clients: int, rounds: int) -> float:
    """Return MB/s for `clients` threads each downloading every path `rounds` times."""
    totals = [0] * clients

    def work(i: int) -> None:
        for r in range(rounds):
            for k in range(len(paths)):
                totals[i] += _fetch(port, paths[(k + i + r) % len(paths)])[0]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(totals) / 1e6 / (time.perf_counter() - started)


def _nginx_conf(tmp: Path, *, port: int, upstream_port: int, storage: Path) -> Path:
    block = (
        (Path(__file__).resolve().parents[1] / "docs" / "nginx.conf")
        .read_text()
        .replace("127.0.0.1:8080", f"127.0.0.1:{port}")
        .replace("127.0.0.1:8000", f"127.0.0.1:{upstream_port}")
        .replace("/srv/tunemeter/var/storage", str(storage))
    )
    # The baseline: the same files served by nginx alone.
    direct = f"    location /direct/ {{ alias {storage}/; sendfile on; tcp_nopush on; }}\n}}\n"
    block = block.rstrip().rstrip("}") + direct
    conf = tmp / "nginx.conf"
    conf.write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"daemon off;\nworker_processes 1;\npid {tmp}/nginx.pid;\n"
        f"error_log {tmp}/error.log warn;\n"
        f"events {{ worker_connections 1024; }}\nhttp {{\n access_log off;\n"
        f" client_body_temp_path {tmp}/body;\n proxy_temp_path {tmp}/proxy;\n{block}\n}}\n"
    )
    return conf


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds-per-track", type=float, default=240.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--json", action="store_true", help="print one JSON object last")
    args = parser.parse_args()
    nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if not nginx:
        print(
            "nginx not found: install it (apt-get install nginx-light) for the comparisons",
            file=sys.stderr,
        )

    with tempfile.TemporaryDirectory(prefix="tunemeter-bench-") as tmp_name:
        tmp = Path(tmp_name)
        os.environ.update(
            TUNEMETER_DATA_DIR=str(tmp / "data"),
            DJANGO_SETTINGS_MODULE="tunemeter.settings",
            TUNEMETER_LOG_LEVEL="WARNING",
            TUNEMETER_DEMO_PAYMENTS="1",
            TUNEMETER_MAX_DOWNLOADS_PER_CUSTOMER="1000",
        )
        os.environ.pop("DATABASE_URL", None)
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command

        from tunemeter.catalog.importing.pipeline import import_run
        from tunemeter.catalog.models import Release
        from tunemeter.customers.services import customer_register
        from tunemeter.delivery.links import release_link, track_link
        from tunemeter.library.models import Entitlement
        from tunemeter.ops.demo import demo_track
        from tunemeter.pricing.services import quote_create
        from tunemeter.shop.payments import PROVIDERS
        from tunemeter.shop.services import order_place
        from tunemeter.transcoding.render import render
        from tunemeter.transcoding.selectors import render_job

        call_command("migrate", verbosity=0)
        print("generating a 12-track release…", file=sys.stderr)
        lib = tmp / "lib" / "Bench Artist" / "Bench Release"
        lib.mkdir(parents=True)
        styles = ["synthpop", "ambient", "jazz"]
        for i in range(12):
            demo_track(
                dest=lib / f"{i + 1:02d} - Track {i + 1}.flac",
                seconds=args.seconds_per_track,
                style=styles[i % 3],
                seed=50 + i,
            )
        import_run(root=tmp / "lib")
        release = Release.objects.get()
        buyer = customer_register(
            email="bench@example.org", password="bench passphrase 2026", country="DE"
        )
        for k in range(40):
            PROVIDERS["demo"].deposit(customer=buyer, amount_minor=100_00, reference=f"d{k}")
        orders = {}
        for fmt in ("flac", "wav", "mp3-320"):
            quote = quote_create(customer=buyer, items=[(release, fmt)])
            orders[fmt] = order_place(customer=buyer, quote=quote, idempotency_key=fmt)

        def links(fmt: str) -> list[str]:
            ents = Entitlement.objects.filter(customer=buyer, format_id=fmt).order_by(
                "track__position"
            )
            return [track_link(e) for e in ents]

        plain_port, accel_port, nginx_port = free_port(), free_port(), free_port()
        serve = [sys.executable, "-m", "tunemeter.cli", "serve", "--port"]
        plain = subprocess.Popen(
            [*serve, str(plain_port)],
            env=os.environ.copy(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        accel = subprocess.Popen(
            [*serve, str(accel_port)],
            env={**os.environ, "TUNEMETER_ACCEL_REDIRECT": "/protected/"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        procs = [plain, accel]
        result: dict = {}
        try:
            wait_port(plain_port, plain)
            wait_port(accel_port, accel)
            # 1. First byte of uncached renders.
            ttfbs = [_fetch(plain_port, path, first_byte=True)[1] * 1000 for path in links("flac")]
            result["first_byte_ms_p50"] = round(statistics.median(ttfbs), 1)
            result["first_byte_ms_p95"] = round(
                sorted(ttfbs)[min(len(ttfbs) - 1, int(0.95 * len(ttfbs)))], 1
            )
            # 2. Cached throughput (WAV renders cached by a first pass).
            wav_links = links("wav")
            for path in wav_links:
                _fetch(plain_port, path)
            rounds = 2
            store_mbs = _throughput(plain_port, wav_links, args.clients, rounds)
            result["store_mb_s"] = round(store_mbs, 1)
            result["cached_ratio_vs_nginx"] = result["accel_ratio_vs_nginx"] = None
            if nginx:
                conf = _nginx_conf(
                    tmp,
                    port=nginx_port,
                    upstream_port=accel_port,
                    storage=Path(settings.STORAGE_DIR),
                )
                proxy = subprocess.Popen(
                    [nginx, "-c", str(conf), "-p", str(tmp)], stderr=subprocess.DEVNULL
                )
                procs.append(proxy)
                wait_port(nginx_port, proxy)
                from tunemeter.library.models import Entitlement as E

                direct = [
                    "/direct/" + render_job(track_id=e.track_id, format_id="wav").relpath
                    for e in E.objects.filter(customer=buyer, format_id="wav").order_by(
                        "track__position"
                    )
                ]
                nginx_mbs = _throughput(nginx_port, direct, args.clients, rounds)
                accel_mbs = _throughput(nginx_port, wav_links, args.clients, rounds)
                result.update(
                    nginx_mb_s=round(nginx_mbs, 1),
                    accel_mb_s=round(accel_mbs, 1),
                    cached_ratio_vs_nginx=round(store_mbs / nginx_mbs, 2),
                    accel_ratio_vs_nginx=round(accel_mbs / nginx_mbs, 2),
                )
            # 3. Release zip (MP3 320, uncached) against the ideal.
            singles = []
            for ent in Entitlement.objects.filter(customer=buyer, format_id="mp3-320").order_by(
                "track__position"
            ):
                job = render_job(track_id=ent.track_id, format_id="mp3-320")
                started = time.perf_counter()
                for _ in render(job.source, job.fmt, job.tags):
                    pass
                singles.append(time.perf_counter() - started)
            ideal = sum(singles) / settings.MAX_ENCODES
            zip_path = release_link(
                customer_id=buyer.pk,
                order_id=orders["mp3-320"].pk,
                release=release,
                format_id="mp3-320",
            )
            started = time.perf_counter()
            _fetch(plain_port, zip_path)
            zip_wall = time.perf_counter() - started
            result.update(
                zip_seconds=round(zip_wall, 2),
                zip_ideal_seconds=round(ideal, 2),
                zip_ratio_vs_ideal=round(zip_wall / ideal, 2),
            )
            # 4. Memory with 100 downloads in flight (slow readers holding connections).
            before = _rss_mb(plain.pid)
            conns = []
            for i in range(100):
                conn = http.client.HTTPConnection("127.0.0.1", plain_port, timeout=60)
                conn.request("GET", wav_links[i % len(wav_links)])
                response = conn.getresponse()
                response.read(64 * 1024)
                conns.append((conn, response))
            time.sleep(1.0)
            peak = _rss_mb(plain.pid)
            for conn, _response in conns:
                conn.close()
            result["memory_growth_mb"] = round(peak - before, 1)
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait(timeout=20)

    r = result
    rows = [
        (
            "first byte, uncached FLAC",
            f"p50 {r['first_byte_ms_p50']} ms, p95 {r['first_byte_ms_p95']} ms (goal ≤ 100)",
        ),
        ("16 downloads, store alone", f"{r['store_mb_s']} MB/s"),
        ("  ratio to nginx alone", f"{r['cached_ratio_vs_nginx']} (goal ≥ 0.5)"),
        (
            "  via nginx X-Accel hand-off",
            f"{r.get('accel_mb_s')} MB/s, ratio {r['accel_ratio_vs_nginx']} (goal ≥ 0.9)",
        ),
        ("  nginx alone", f"{r.get('nginx_mb_s')} MB/s"),
        (
            "12-track zip, uncached MP3 320",
            f"{r['zip_seconds']} s vs ideal {r['zip_ideal_seconds']} s, "
            f"ratio {r['zip_ratio_vs_ideal']} (goal ≤ 1.15)",
        ),
        ("memory growth, 100 downloads", f"{r['memory_growth_mb']} MB (goal < 100)"),
    ]
    print_rows(rows)
    if args.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
