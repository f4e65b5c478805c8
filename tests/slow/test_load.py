"""Load: a bounded loopback run mixing browsing, search, previews, checkouts and downloads.

Two minutes (× --slow-scale) against a real `tunemeter serve` on SQLite, then on a
fresh PostgreSQL database (skipped visibly without one): no 5xx at all, p50/p99 per
request type printed, and the server's log holds no "database is locked".
"""

from __future__ import annotations

import http.client
import json
import random
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict

from tests.net import free_port, wait_port
from tests.slow.test_crash_loop import PG_ADMIN, ROOT, TUNEMETER, Clients, _env, _postgres_database

SECONDS = 120
BROWSERS = 6


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def _load(tmp_path, seconds: float, database_url: str | None) -> dict:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    env = _env(data_dir, database_url)
    site_file, acks = tmp_path / "site.json", tmp_path / "acks.jsonl"
    acks.touch()
    subprocess.run(
        [sys.executable, "-m", "tests.slow.site", "setup", str(site_file)],
        env=env,
        cwd=ROOT,
        check=True,
        timeout=300,
    )
    site = json.loads(site_file.read_text())
    port = free_port()
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [TUNEMETER, "serve", "--port", str(port)], env=env, cwd=ROOT, stdout=log, stderr=log
    )
    timings: dict[str, list[float]] = defaultdict(list)
    statuses: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    try:
        wait_port(port, server, timeout=60)
        clients = Clients(port, site, acks, seed=5)
        rng = random.Random(7)
        tracks, release = site["tracks"], site["release"]

        def timed(kind: str, buyer: dict, method: str, path: str, body=None, key=None):
            started = time.perf_counter()
            try:
                status, _, data = clients._request(buyer, method, path, body, key)
            except (OSError, http.client.HTTPException):
                status, data = 0, b""  # no answer within the client's timeout: an error
            with lock:
                timings[kind].append(time.perf_counter() - started)
                statuses[kind][status] += 1
            return status, data

        def browse(buyer: dict) -> None:
            while time.monotonic() < deadline:
                kind, path = rng.choice(
                    [
                        ("home", "/"),
                        ("release", f"/releases/{release}/"),
                        ("search", "/search/?q=loop"),
                        ("prices", f"/prices/release/{release}/"),
                        ("preview", f"/tracks/{rng.choice(tracks)}/preview.mp3"),
                    ]
                )
                timed(kind, buyer, "GET", path)

        def buy(buyer: dict) -> None:
            while time.monotonic() < deadline:
                items = [{"track_id": rng.choice(tracks), "format": "aiff"}]
                status, data = timed("quote", buyer, "POST", "/api/quotes", {"items": items})
                if status == 201:
                    quote = json.loads(data)["id"]
                    timed(
                        "order", buyer, "POST", "/api/orders", {"quote_id": quote}, uuid.uuid4().hex
                    )
                timed(
                    "deposit",
                    buyer,
                    "POST",
                    "/api/deposits",
                    {"amount_minor": 100},
                    uuid.uuid4().hex,
                )
                timed("download", buyer, "GET", buyer["link"])

        threads = [
            threading.Thread(target=browse, args=(site["buyers"][i % len(site["buyers"])],))
            for i in range(BROWSERS)
        ] + [threading.Thread(target=buy, args=(b,)) for b in site["buyers"]]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=seconds + 60)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    locked = (tmp_path / "server.log").read_text().count("database is locked")
    report = {
        kind: {
            "requests": len(values),
            "p50_ms": round(_percentile(values, 0.5) * 1000, 1),
            "p99_ms": round(_percentile(values, 0.99) * 1000, 1),
            "statuses": dict(statuses[kind]),
        }
        for kind, values in sorted(timings.items())
    }
    return {"report": report, "database_is_locked": locked}


def _assert_clean(result: dict) -> None:
    errors = {
        kind: {s: n for s, n in r["statuses"].items() if s >= 500 or s == 0}
        for kind, r in result["report"].items()
    }
    assert not any(errors.values()), errors
    assert result["database_is_locked"] == 0
    assert sum(r["requests"] for r in result["report"].values()) > 100


def test_load_on_sqlite(tmp_path, slow_scale):
    result = _load(tmp_path, SECONDS * slow_scale, None)
    print(f"\nload sqlite: {json.dumps(result, indent=1)}")
    _assert_clean(result)


def test_load_on_postgresql(tmp_path, slow_scale):
    import psycopg

    url = _postgres_database(tmp_path)
    try:
        result = _load(tmp_path, SECONDS * slow_scale, url)
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")
    print(f"\nload postgresql: {json.dumps(result, indent=1)}")
    _assert_clean(result)
