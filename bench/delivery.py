"""Benchmark delivery: first byte per format, cached throughput against nginx, zips, memory.

Builds a fresh store with a generated release (default 12 tracks of 4 minutes),
licensed worldwide and bought in every format by one buyer, then measures against
the real server (`tunemeter serve`, one process) and a real nginx (Debian's package,
one worker: the same count as the store) in the same run:

- time to first byte of every format, uncached, with the encoders idle and with
  another uncached encode in flight (busy);
- cached throughput of WAV downloads through the store alone, through nginx with
  the X-Accel-Redirect hand-off, and from nginx alone, driven by `wrk` (Debian's
  package) pinned to another core than the servers (`taskset`), so the client is
  not the bottleneck; each server's CPU-seconds per GB served;
- an uncached FLAC release zip against the ideal (the tracks' single encode times
  divided by the encoder slots), and a zip resumed half way with a Range request;
- the server's memory growth while 100 downloads are in flight.

Every body downloaded by Python is hashed and checked against the rendition's
recorded sha256 (or, for zips, against a full download of the same zip).

    python bench/delivery.py [--seconds-per-track 240] [--tracks 12] [--json] [--save]
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import os
import shutil
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
    cpu_seconds,
    free_port,
    print_rows,
    rss_mb,
    wait_port,
)

SERVER_CORE, CLIENT_CORE = "0", "1"


def _tree_cpu(pid: int) -> float:
    """Return the CPU seconds of a process and its direct children (nginx's workers)."""
    total = cpu_seconds(pid)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            total += cpu_seconds(int(stat.parent.name))
    return total


def _fetch(
    port: int, path: str, *, headers: dict | None = None, first_byte: bool = False
) -> tuple[bytes, float | None, int]:
    """GET a path; return (sha256 digest, seconds to the first body byte if asked, bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.perf_counter()
    conn.request("GET", path, headers=headers or {})
    response = conn.getresponse()
    if response.status not in (200, 206):
        raise RuntimeError(f"GET {path}: {response.status} {response.read(300)!r}")
    digest = hashlib.sha256()
    first = response.read(1)
    ttfb = time.perf_counter() - started if first_byte else None
    digest.update(first)
    total = len(first)
    while chunk := response.read(1024 * 1024):
        digest.update(chunk)
        total += len(chunk)
    conn.close()
    return digest.digest(), ttfb, total


def _wrk(wrk: str, port: int, paths: list[str], *, clients: int, seconds: float, tmp: Path):
    """Run wrk on the client core over paths in turn; return (MB/s, bytes, errors)."""
    script = tmp / "paths.lua"
    listed = ",".join(f'"{p}"' for p in paths)
    script.write_text(
        f"local paths = {{{listed}}}\nlocal i = 0\n"
        "request = function()\n  i = i % #paths + 1\n"
        '  return wrk.format("GET", paths[i])\nend\n'
        "done = function(summary, latency, requests)\n"
        "  local e = summary.errors\n"
        '  io.write(string.format("RESULT %d %d %d\\n", summary.bytes, summary.duration,'
        " e.connect + e.read + e.write + e.status + e.timeout))\nend\n"
    )
    out = subprocess.run(
        ["taskset", "-c", CLIENT_CORE, wrk, "-t1", f"-c{clients}", f"-d{seconds:g}s"]
        + ["--timeout", "30s", "-s", str(script), f"http://127.0.0.1:{port}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    nbytes, micros, errors = (int(x) for x in line.split()[1:])
    return nbytes / 1e6 / (micros / 1e6), nbytes, errors


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


def _pinned(cmd: list[str], **kwargs) -> subprocess.Popen:
    """Start a server process pinned to the server core."""
    return subprocess.Popen(
        ["taskset", "-c", SERVER_CORE, *cmd],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        **kwargs,
    )


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))], 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds-per-track", type=float, default=240.0)
    parser.add_argument("--tracks", type=int, default=12)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per wrk run")
    bench_arguments(parser)
    args = parser.parse_args()
    nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    wrk = shutil.which("wrk")
    if not (nginx and wrk):
        raise SystemExit("nginx and wrk are needed: apt-get install nginx-light wrk")

    with tempfile.TemporaryDirectory(prefix="tunemeter-bench-") as tmp_name:
        tmp = Path(tmp_name)
        from tunemeter.transcoding.formats import FORMATS

        buyer, release, orders = bought_release(
            tmp, tracks=args.tracks, seconds=args.seconds_per_track, formats=list(FORMATS)
        )
        from django.conf import settings

        from tunemeter import storage
        from tunemeter.delivery.links import release_link, track_link
        from tunemeter.library.models import Entitlement
        from tunemeter.transcoding.models import Rendition
        from tunemeter.transcoding.render import render
        from tunemeter.transcoding.selectors import render_job

        def entitlements(fmt: str) -> list:
            return list(
                Entitlement.objects.filter(customer=buyer, format_id=fmt)
                .select_related("track")
                .order_by("track__position")
            )

        def check(fmt: str, ent, digest: bytes) -> None:
            job = render_job(track_id=ent.track_id, format_id=fmt)
            # The server records a rendition just after the last byte: wait for the row.
            deadline = time.monotonic() + 10
            while not (row := Rendition.objects.filter(key=job.key).first()):
                if time.monotonic() > deadline:
                    raise SystemExit(f"{fmt} track {ent.track_id}: no rendition recorded")
                time.sleep(0.05)
            expected = row.sha256
            if digest.hex() != expected:
                raise SystemExit(f"{fmt} track {ent.track_id}: body sha256 differs from rendition")

        def uncache(ent, fmt: str) -> None:
            job = render_job(track_id=ent.track_id, format_id=fmt)
            storage.storage_path(job.relpath).unlink(missing_ok=True)

        plain_port, accel_port, nginx_port = free_port(), free_port(), free_port()
        serve = [sys.executable, "-m", "tunemeter.cli", "serve", "--workers", "1", "--port"]
        plain = _pinned([*serve, str(plain_port)], env=os.environ.copy())
        accel = _pinned(
            [*serve, str(accel_port)], env={**os.environ, "TUNEMETER_ACCEL_REDIRECT": "/protected/"}
        )
        procs = [plain, accel]
        result: dict = {"tracks": args.tracks, "seconds_per_track": args.seconds_per_track}
        try:
            wait_port(plain_port, plain)
            wait_port(accel_port, accel)
            # 1. First byte of uncached renders, every format: track 1 idle, track 2 busy
            # (another uncached FLAC encode of the last track in flight on the other slot).
            first_byte: dict[str, dict] = {}
            for fmt in FORMATS:
                ents = entitlements(fmt)
                digest, idle, _ = _fetch(plain_port, track_link(ents[0]), first_byte=True)
                check(fmt, ents[0], digest)
                background = threading.Thread(
                    target=_fetch, args=(plain_port, track_link(entitlements("flac")[-1]))
                )
                background.start()
                time.sleep(0.2)
                digest, busy, _ = _fetch(plain_port, track_link(ents[1]), first_byte=True)
                background.join()
                check(fmt, ents[1], digest)
                first_byte[fmt] = {
                    "idle_ms": round(idle * 1000, 1),
                    "busy_ms": round(busy * 1000, 1),
                }
                # Later runs of the background track must be uncached again.
                uncache(entitlements("flac")[-1], "flac")
            idle_all = [row["idle_ms"] for row in first_byte.values()]
            busy_all = [row["busy_ms"] for row in first_byte.values()]
            result.update(
                first_byte=first_byte,
                first_byte_ms_p50=_p(idle_all, 0.5),
                first_byte_ms_max=max(idle_all),
                first_byte_busy_ms_p50=_p(busy_all, 0.5),
            )

            # 2. Cached throughput: WAV renders cached and verified by a first pass.
            wav = entitlements("wav")
            wav_links = [track_link(e) for e in wav]
            for ent, path in zip(wav, wav_links, strict=True):
                check("wav", ent, _fetch(plain_port, path)[0])
            conf = _nginx_conf(
                tmp, port=nginx_port, upstream_port=accel_port, storage=Path(settings.STORAGE_DIR)
            )
            proxy = _pinned([nginx, "-c", str(conf), "-p", str(tmp)])
            procs.append(proxy)
            wait_port(nginx_port, proxy)
            direct = [
                "/direct/" + render_job(track_id=e.track_id, format_id="wav").relpath for e in wav
            ]
            for ent, path in zip(wav, direct, strict=True):
                check("wav", ent, _fetch(nginx_port, path)[0])
            for ent, path in zip(wav, wav_links, strict=True):
                check("wav", ent, _fetch(nginx_port, path)[0])
            throughput = {}
            for name, port, paths, pids in (
                ("store", plain_port, wav_links, [plain.pid]),
                ("accel", nginx_port, wav_links, [accel.pid, proxy.pid]),
                ("nginx", nginx_port, direct, [proxy.pid]),
            ):
                before = sum(_tree_cpu(pid) for pid in pids)
                mbs, nbytes, errors = _wrk(
                    wrk, port, paths, clients=args.clients, seconds=args.duration, tmp=tmp
                )
                used = sum(_tree_cpu(pid) for pid in pids) - before
                throughput[name] = {
                    "mb_s": round(mbs, 1),
                    "errors": errors,
                    "cpu_s_per_gb": round(used / (nbytes / 1e9), 2) if nbytes else None,
                }
            nginx_mbs = throughput["nginx"]["mb_s"]
            result.update(
                throughput=throughput,
                store_mb_s=throughput["store"]["mb_s"],
                accel_mb_s=throughput["accel"]["mb_s"],
                nginx_mb_s=nginx_mbs,
                cached_ratio_vs_nginx=round(throughput["store"]["mb_s"] / nginx_mbs, 2),
                accel_ratio_vs_nginx=round(throughput["accel"]["mb_s"] / nginx_mbs, 2),
            )

            # 3. Uncached FLAC release zip against the ideal parallel encode, then a resume.
            singles = []
            for ent in entitlements("flac"):
                job = render_job(track_id=ent.track_id, format_id="flac")
                started = time.perf_counter()
                for _ in render(job.source, job.fmt, job.tags):
                    pass
                singles.append(time.perf_counter() - started)
            ideal = sum(singles) / settings.MAX_ENCODES
            for ent in entitlements("flac"):
                uncache(ent, "flac")
            zip_path = release_link(
                customer_id=buyer.pk, order_id=orders["flac"].pk, release=release, format_id="flac"
            )
            started = time.perf_counter()
            _, _, streamed_bytes = _fetch(plain_port, zip_path)
            zip_wall = time.perf_counter() - started
            # Uncached, the zip streams without a length (FLAC sizes are not known until
            # encoded); once its members are cached it is sized, and ranges apply to that
            # representation: resume it against a whole download of the same one.
            whole, _, zip_bytes = _fetch(plain_port, zip_path)
            half = zip_bytes // 2
            conn = http.client.HTTPConnection("127.0.0.1", plain_port, timeout=600)
            conn.request("GET", zip_path, headers={"Range": f"bytes=0-{half - 1}"})
            head = conn.getresponse().read()
            conn.close()
            started = time.perf_counter()
            conn = http.client.HTTPConnection("127.0.0.1", plain_port, timeout=600)
            conn.request("GET", zip_path, headers={"Range": f"bytes={half}-"})
            response = conn.getresponse()
            tail = response.read()
            resume_wall = time.perf_counter() - started
            conn.close()
            if response.status != 206 or hashlib.sha256(head + tail).digest() != whole:
                raise SystemExit("resumed zip differs from the whole zip")
            result.update(
                zip_mb=round(streamed_bytes / 1e6, 1),
                zip_seconds=round(zip_wall, 2),
                zip_ideal_seconds=round(ideal, 2),
                zip_ratio_vs_ideal=round(zip_wall / ideal, 2),
                zip_resume_seconds=round(resume_wall, 2),
            )

            # 4. Memory with 100 downloads in flight (slow readers holding connections).
            before = rss_mb(plain.pid)
            conns = []
            for i in range(100):
                conn = http.client.HTTPConnection("127.0.0.1", plain_port, timeout=60)
                conn.request("GET", wav_links[i % len(wav_links)])
                response = conn.getresponse()
                response.read(64 * 1024)
                conns.append((conn, response))
            time.sleep(1.0)
            peak = rss_mb(plain.pid)
            for conn, _response in conns:
                conn.close()
            result["memory_growth_mb"] = round(peak - before, 1)
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait(timeout=20)

    r = result
    t = r["throughput"]
    worst = max(r["first_byte"], key=lambda f: r["first_byte"][f]["idle_ms"])
    rows = [
        (
            "first byte, uncached, idle",
            f"p50 {r['first_byte_ms_p50']} ms over {len(r['first_byte'])} formats, slowest "
            f"{worst} {r['first_byte_ms_max']} ms (goal p50 ≤ 100)",
        ),
        ("first byte, uncached, busy", f"p50 {r['first_byte_busy_ms_p50']} ms"),
        (
            f"{args.clients} downloads, store alone",
            f"{t['store']['mb_s']} MB/s, {t['store']['cpu_s_per_gb']} CPU-s/GB",
        ),
        ("  ratio to nginx alone", f"{r['cached_ratio_vs_nginx']} (goal ≥ 0.5)"),
        (
            "  via nginx X-Accel hand-off",
            f"{t['accel']['mb_s']} MB/s, {t['accel']['cpu_s_per_gb']} CPU-s/GB, "
            f"ratio {r['accel_ratio_vs_nginx']} (goal ≥ 0.95)",
        ),
        ("  nginx alone", f"{t['nginx']['mb_s']} MB/s, {t['nginx']['cpu_s_per_gb']} CPU-s/GB"),
        (
            f"{args.tracks}-track zip, uncached FLAC",
            f"{r['zip_mb']} MB in {r['zip_seconds']} s vs ideal {r['zip_ideal_seconds']} s, "
            f"ratio {r['zip_ratio_vs_ideal']} (goal ≤ 1.10); resumed half in "
            f"{r['zip_resume_seconds']} s",
        ),
        ("memory growth, 100 downloads", f"{r['memory_growth_mb']} MB"),
    ]
    for fmt, row in r["first_byte"].items():
        rows.append((f"  first byte {fmt}", f"idle {row['idle_ms']} ms, busy {row['busy_ms']} ms"))
    print_rows(rows)
    bench_finish("delivery", result, args)


if __name__ == "__main__":
    main()
