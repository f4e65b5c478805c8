"""Benchmark checkout over real HTTP: N clients place orders for different customers.

For SQLite and, when reachable, PostgreSQL: start the server on a fresh store, sign
in N customers (default 16) with funded balances, and let each client quote and buy
tracks one after another for --seconds. Print orders/s, p50/p99 latency of a
purchase (quote + order), errors, and whether `ledger verify` is clean afterwards.

    python bench/checkout.py [--clients 16] [--seconds 20] [--json]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from _common import bench_license, free_port, wait_port

PG_ADMIN_URL = os.environ.get(
    "TUNEMETER_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test"
)
PG_BENCH_DB = "tunemeter_bench"
PASSWORD = "bench passphrase 2026"


def _postgres_url() -> str | None:
    """Create a fresh bench database; return its URL, or None when no server answers."""
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_BENCH_DB}")
            conn.execute(f"CREATE DATABASE {PG_BENCH_DB}")
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        print(f"PostgreSQL not reachable ({exc}); skipped", file=sys.stderr)
        return None
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + PG_BENCH_DB


class Client:
    """One customer's HTTP session: cookies, CSRF token, keep-alive connection."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None, headers: dict | None = None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, value = header.split(";", 1)[0].split("=", 1)
            self.cookies[name] = value
        return response.status, data

    def login(self, email: str) -> None:
        self.request("GET", "/account/login/")
        token = self.cookies["csrftoken"]
        body = f"csrfmiddlewaretoken={token}&username={email}&password={PASSWORD.replace(' ', '+')}"
        status, _ = self.request(
            "POST",
            "/account/login/",
            body,
            {"Content-Type": "application/x-www-form-urlencoded", "Referer": "http://127.0.0.1/"},
        )
        if status != 302:
            raise RuntimeError(f"login failed for {email}: {status}")

    def api(self, path: str, payload: dict, key: str | None = None):
        headers = {"Content-Type": "application/json", "X-CSRFToken": self.cookies["csrftoken"]}
        if key:
            headers["Idempotency-Key"] = key
        status, data = self.request("POST", path, json.dumps(payload), headers)
        try:
            return status, json.loads(data or b"{}")
        except ValueError:
            return status, {"detail": data[:200].decode("utf-8", "replace")}


SINCE = datetime(2026, 1, 1, tzinfo=UTC)


def _prepare(clients: int, tracks: int) -> list[tuple[str, list[int]]]:
    """Create the catalog rows and funded customers; return (email, track ids) per client."""
    from django.contrib.auth import get_user_model

    from tunemeter.catalog.models import Artist, Master, Release, Track
    from tunemeter.customers.services import customer_register
    from tunemeter.shop.payments import PROVIDERS

    artist = Artist.objects.create(name="Bench Artist")
    # Loudness as the importer would measure it: these masters have no audio file.
    release = Release.objects.create(
        title="Bench Release", artist=artist, loudness_lufs=-14.0, true_peak=0.9
    )
    ids = []
    for i in range(1, tracks + 1):
        track = Track.objects.create(
            release=release,
            position=i,
            title=f"Bench {i}",
            artist=artist,
            loudness_lufs=-14.0,
            true_peak=0.9,
        )
        track.master = Master.objects.create(
            sha256=f"{i:064d}",
            audio_sha256=f"{i:063d}a",
            container="wav",
            codec="pcm_s16le",
            sample_rate=44100,
            bit_depth=16,
            channels=2,
            length_samples=44100 * 180,
            size_bytes=0,
            storage_path="none",
            source_path="none",
            tag_fingerprint="",
        )
        track.save()
        ids.append(track.pk)
    bench_license(release, since=SINCE)
    people = []
    for n in range(clients):
        email = f"bench{n}@example.org"
        user = customer_register(email=email, password=PASSWORD, country="DE")
        for k in range(10):  # demo top-ups are capped per deposit
            PROVIDERS["demo"].deposit(customer=user, amount_minor=100_00, reference=f"bench{k}")
        people.append((email, ids))
    assert get_user_model().objects.count() == clients
    return people


def run_backend(name: str, args) -> dict:
    """Run the bench on one database (this process configures Django for it)."""
    import django

    django.setup()
    from django.core.management import call_command

    from tunemeter.ledger.selectors import ledger_verify

    call_command("migrate", verbosity=0)
    people = _prepare(args.clients, args.tracks)
    port = free_port()
    server_log = Path(os.environ["TUNEMETER_DATA_DIR"]) / "server.log"
    server = subprocess.Popen(
        [sys.executable, "-m", "tunemeter.cli", "serve", "--port", str(port)],
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=server_log.open("w"),
    )
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    try:
        wait_port(port, server)

        def client_loop(index: int, email: str, track_ids: list[int], stop_at: float) -> None:
            client = Client(port)
            client.login(email)
            formats = ["wav", "aiff", "mp3-320", "mp3-256", "mp3-128"]
            purchases = [(t, f) for f in formats for t in track_ids]
            n = 0
            while time.monotonic() < stop_at and n < len(purchases):
                try:
                    status = purchase(client, index, email, n, purchases)
                except (OSError, ValueError, http.client.HTTPException) as exc:
                    status = type(exc).__name__
                    client = Client(port)
                    client.login(email)
                n += 1
                if status != 201:
                    with lock:
                        errors.append(str(status))

        def purchase(client, index, email, n, purchases):
            """Quote and buy one track; return the final HTTP status."""
            track_id, fmt = purchases[(n * 7 + index) % len(purchases)]
            started = time.perf_counter()
            status, quote = client.api(
                "/api/quotes", {"items": [{"track_id": track_id, "format": fmt}]}
            )
            if status == 201:
                status, _ = client.api("/api/orders", {"quote_id": quote["id"]}, key=f"{email}-{n}")
            if status == 201:
                with lock:
                    latencies.append(time.perf_counter() - started)
            return status

        stop_at = time.monotonic() + args.seconds
        started = time.perf_counter()
        threads = [
            threading.Thread(target=client_loop, args=(i, email, ids, stop_at))
            for i, (email, ids) in enumerate(people)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=20)
    from tunemeter.shop.models import Order

    if errors:
        print(f"errors: {errors[:10]}; server log tail:", file=sys.stderr)
        print(server_log.read_text()[-3000:], file=sys.stderr)
    problems = ledger_verify()
    ordered = sorted(latencies)
    return {
        "orders": Order.objects.count(),
        "orders_per_s": round(len(latencies) / wall, 1),
        "p50_ms": round(statistics.median(ordered) * 1000, 1) if ordered else None,
        "p99_ms": round(ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1000, 1)
        if ordered
        else None,
        "errors": len(errors),
        "ledger_consistent": not problems,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--tracks", type=int, default=60)
    parser.add_argument("--json", action="store_true", help="print one JSON object last")
    parser.add_argument("--backend", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.backend:  # child: one backend, result as JSON on the last line
        print(json.dumps(run_backend(args.backend, args)))
        return
    results: dict[str, dict | None] = {}
    for backend in ("sqlite", "postgres"):
        with tempfile.TemporaryDirectory(prefix="tunemeter-bench-") as tmp:
            env = {
                **os.environ,
                "TUNEMETER_DATA_DIR": tmp,
                "DJANGO_SETTINGS_MODULE": "tunemeter.settings",
                "TUNEMETER_DEMO_PAYMENTS": "1",
                "TUNEMETER_LOG_LEVEL": "WARNING",
            }
            env.pop("DATABASE_URL", None)
            if backend == "postgres":
                url = _postgres_url()
                if url is None:
                    results[backend] = None
                    continue
                env["DATABASE_URL"] = url
            print(f"{backend}: {args.clients} clients for {args.seconds:g} s…", file=sys.stderr)
            out = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--backend",
                    backend,
                    "--clients",
                    str(args.clients),
                    "--seconds",
                    str(args.seconds),
                    "--tracks",
                    str(args.tracks),
                ],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            results[backend] = json.loads(out.strip().splitlines()[-1])
    heads = ["orders", "orders/s", "p50 ms", "p99 ms", "errors"]
    print(f"{'database':10} " + " ".join(f"{h:>9}" for h in heads) + "  ledger")
    for backend, row in results.items():
        if row is None:
            print(f"{backend:10} not reachable")
            continue
        keys = ["orders", "orders_per_s", "p50_ms", "p99_ms", "errors"]
        ledger = "verified" if row["ledger_consistent"] else "NOT CONSISTENT"
        print(f"{backend:10} " + " ".join(f"{row[k]!s:>9}" for k in keys) + f"  {ledger}")
    if args.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
