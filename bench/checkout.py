"""Benchmark checkout over real HTTP: N clients place orders for different customers.

For SQLite and, when reachable, PostgreSQL: start the server on a fresh store of
--releases licensed, co-owned releases of 6 tracks, with --history prior orders
already in the database (placed through the same services), sign in N customers
(default 16) with funded balances — timed apart — and let each client quote and buy
one after another for --seconds: single tracks in exactly sized formats (WAV, MP3
CBR), single tracks in estimated formats (FLAC, MP3 V0: their size estimates already
made, as the background job makes them after an import) and whole releases. The
first --warmup seconds are not counted. Print orders/s, p50/p99 latency of a
purchase (quote + order), errors, and whether `ledger verify` is clean afterwards.

    python bench/checkout.py [--clients 16] [--seconds 20] [--json] [--save]
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

from _common import (
    bench_arguments,
    bench_finish,
    bench_license,
    free_port,
    master_fields,
    wait_port,
)

PG_ADMIN_URL = os.environ.get(
    "TUNEMETER_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test"
)
PG_BENCH_DB = f"tunemeter_bench_{os.getpid()}"  # two runs at once must not share it
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


def _postgres_drop() -> None:
    """Drop the bench database (the server has stopped by then)."""
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_BENCH_DB}")


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


def _prepare(clients: int, releases: int, history: int) -> list[tuple[str, list[int], list[int]]]:
    """Create catalog rows, history and funded customers; return (email, tracks, releases)."""
    from django.contrib.auth import get_user_model

    from tunemeter.catalog.models import Artist, Master, Release, Track
    from tunemeter.customers.services import customer_register
    from tunemeter.pricing.services import quote_create
    from tunemeter.shop.payments import PROVIDERS
    from tunemeter.shop.services import order_place
    from tunemeter.transcoding.models import SizeEstimate
    from tunemeter.transcoding.selectors import render_job

    artist = Artist.objects.create(name="Bench Artist")
    track_ids, release_ids = [], []
    for r in range(releases):
        # Loudness as the importer would measure it: these masters have no audio file.
        release = Release.objects.create(
            title=f"Bench Release {r}", artist=artist, loudness_lufs=-14.0, true_peak=0.9
        )
        release_ids.append(release.pk)
        for i in range(1, 7):
            track = Track.objects.create(
                release=release,
                position=i,
                title=f"Bench {r}-{i}",
                artist=artist,
                loudness_lufs=-14.0,
                true_peak=0.9,
            )
            master = Master.objects.create(**master_fields(r * 6 + i))
            track.master = master
            track.save(update_fields=["master"])
            track_ids.append(track.pk)
        bench_license(release, since=SINCE)
        # Estimates made ahead, as the job after an import makes them, keyed by the same
        # uncached render job a server process computes (made before licensing, the key
        # the in-process job cache gave differed from the server's: seen in this bench).
        for track in release.tracks.select_related("master"):
            for format_id, size in (("flac", 21_000_000), ("mp3-v0", 6_500_000)):
                job = render_job(track_id=track.pk, format_id=format_id)
                SizeEstimate.objects.create(
                    key=job.key, master=track.master, format_id=format_id, size_bytes=size
                )
    people = []
    for n in range(clients):
        email = f"bench{n}@example.org"
        user = customer_register(email=email, password=PASSWORD, country="DE")
        for k in range(10):  # demo top-ups are capped per deposit
            PROVIDERS["demo"].deposit(customer=user, amount_minor=100_00, reference=f"bench{k}")
        people.append((email, track_ids, release_ids))
    # Prior orders by other customers: the tables a store has after months of sales.
    tracks = list(Track.objects.all())
    for h in range(history):
        if h % 50 == 0:
            buyer = customer_register(email=f"past{h}@example.org", password=PASSWORD, country="FR")
            for k in range(5):
                PROVIDERS["demo"].deposit(customer=buyer, amount_minor=100_00, reference=f"p{k}")
        item = (tracks[h % len(tracks)], ["wav", "mp3-320", "flac"][h % 3])
        quote = quote_create(customer=buyer, items=[item])
        order_place(customer=buyer, quote=quote, idempotency_key=f"past{h}")
    assert get_user_model().objects.count() == clients + -(-history // 50)
    return people


def run_backend(name: str, args) -> dict:
    """Run the bench on one database (this process configures Django for it)."""
    import django

    django.setup()
    from django.core.management import call_command

    from tunemeter.ledger.selectors import ledger_verify

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    people = _prepare(args.clients, args.releases, args.history)
    print(f"prepared in {time.perf_counter() - started:.1f} s", file=sys.stderr)
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

        signed_in: list[float] = []
        ready = threading.Barrier(len(people) + 1)
        counting = threading.Event()

        def client_loop(index: int, email: str, track_ids, release_ids) -> None:
            started = time.perf_counter()
            client = Client(port)
            client.login(email)
            with lock:
                signed_in.append(time.perf_counter() - started)
            ready.wait()
            # Track purchases in exact and estimated formats; every fifth a whole release.
            tracks = [("track", t, f) for f in ("wav", "mp3-320") for t in track_ids]
            tracks += [("track", t, f) for f in ("flac", "mp3-v0") for t in track_ids]
            albums = [("release", r, f) for f in ("aiff", "mp3-256") for r in release_ids]
            purchases = []
            for k, item in enumerate(tracks):
                purchases.append(item)
                if k % 4 == 3 and albums:
                    purchases.append(albums.pop((index + k) % len(albums)))
            n = 0
            while not stop.is_set() and n < len(purchases):
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
            """Quote and buy one item; return the final HTTP status."""
            kind, object_id, fmt = purchases[n]
            started = time.perf_counter()
            status, quote = client.api(
                "/api/quotes", {"items": [{f"{kind}_id": object_id, "format": fmt}]}
            )
            if status == 201:
                status, _ = client.api("/api/orders", {"quote_id": quote["id"]}, key=f"{email}-{n}")
            if status == 201 and counting.is_set():
                with lock:
                    latencies.append(time.perf_counter() - started)
                    kinds[kind] += 1
            return status

        kinds = {"track": 0, "release": 0}
        stop = threading.Event()
        threads = [
            threading.Thread(target=client_loop, args=(i, email, tracks, releases))
            for i, (email, tracks, releases) in enumerate(people)
        ]
        signin_started = time.perf_counter()
        for t in threads:
            t.start()
        ready.wait()
        signin_wall = time.perf_counter() - signin_started
        time.sleep(args.warmup)
        counting.set()
        started = time.perf_counter()
        time.sleep(args.seconds)
        stop.set()
        wall = time.perf_counter() - started
        for t in threads:
            t.join()
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
        "counted_orders": len(latencies),
        "release_orders": kinds["release"],
        "signin_seconds": round(signin_wall, 2),
        "signin_p50_ms": round(statistics.median(signed_in) * 1000, 1),
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
    parser.add_argument("--releases", type=int, default=10, help="releases of 6 tracks")
    parser.add_argument("--history", type=int, default=2000, help="prior orders")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds not counted")
    bench_arguments(parser)
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
                    "--releases",
                    str(args.releases),
                    "--history",
                    str(args.history),
                    "--warmup",
                    str(args.warmup),
                ],
                env=env,
                capture_output=True,
                text=True,
            )
            if backend == "postgres":
                _postgres_drop()
            if out.returncode:
                raise SystemExit(f"{backend} run failed:\n{out.stderr[-3000:]}")
            results[backend] = json.loads(out.stdout.strip().splitlines()[-1])
    heads = ["orders/s", "p50 ms", "p99 ms", "releases", "errors", "sign-in s"]
    print(f"{'database':10} " + " ".join(f"{h:>9}" for h in heads) + "  ledger")
    for backend, row in results.items():
        if row is None:
            print(f"{backend:10} not reachable")
            continue
        keys = ["orders_per_s", "p50_ms", "p99_ms", "release_orders", "errors", "signin_seconds"]
        ledger = "verified" if row["ledger_consistent"] else "NOT CONSISTENT"
        print(f"{backend:10} " + " ".join(f"{row[k]!s:>9}" for k in keys) + f"  {ledger}")
    bench_finish(
        "checkout",
        {"clients": args.clients, "seconds": args.seconds, "history": args.history, **results},
        args,
    )


if __name__ == "__main__":
    main()
