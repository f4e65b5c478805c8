"""Crash loop: SIGKILL a live server at random during deposits, checkouts and downloads.

After every restart: `tunemeter ledger verify` is clean, every order and deposit that
was acknowledged with a 2xx exists exactly once (orders with entitlements, royalty
lines and their payment), no charge exists without entitlements, no download that
ended complete differs from another complete one, and SQLite's integrity_check is ok.
50 cycles on SQLite and 20 on PostgreSQL at scale 1 (× --slow-scale).
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from tests.net import free_port, wait_port

ROOT = Path(__file__).resolve().parents[2]
TUNEMETER = str(Path(sys.executable).with_name("tunemeter"))
PG_ADMIN = os.environ.get("TUNEMETER_SLOW_PG", "postgres://postgres@127.0.0.1:5432/postgres")


def _env(data_dir: Path, database_url: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TUNEMETER_", "DJANGO_"))}
    env.update(
        TUNEMETER_DATA_DIR=str(data_dir),
        TUNEMETER_DEMO_PAYMENTS="1",
        TUNEMETER_LOG_LEVEL="WARNING",
        TUNEMETER_LINK_TTL_SECONDS=str(7 * 24 * 3600),
        PYTHONPATH=str(ROOT),
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


class Clients:
    """Buyers that deposit, buy with idempotency keys and download until told to stop."""

    def __init__(self, port: int, site: dict, acks: Path, seed: int) -> None:
        self.port, self.site, self.acks = port, site, acks
        self.rng = random.Random(seed)
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.bodies: dict[str, str] = {}
        self.problems: list[str] = []
        self.requests = 0

    def _request(self, buyer, method, path, body=None, key=None, timeout=60):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        headers = {
            "Cookie": f"sessionid={buyer['session']}; csrftoken={'c' * 32}",
            "X-CSRFToken": "c" * 32,
            "Content-Type": "application/json",
            "Host": "127.0.0.1",
        }
        if key:
            headers["Idempotency-Key"] = key
        try:
            conn.request(method, path, body=json.dumps(body) if body else None, headers=headers)
            response = conn.getresponse()
            data = response.read()
            return response.status, response.headers, data
        finally:
            conn.close()

    def _ack(self, record: dict) -> None:
        with self.lock, self.acks.open("a") as fh:
            fh.write(json.dumps(record) + "\n")

    def run(self, buyer: dict) -> None:
        tracks = self.site["tracks"]
        while not self.stop.is_set():
            action = self.rng.choice(["deposit", "buy", "download", "download"])
            key = uuid.uuid4().hex
            try:
                self.requests += 1
                if action == "deposit":
                    status, _, _ = self._request(
                        buyer, "POST", "/api/deposits", {"amount_minor": 100}, key
                    )
                    if 200 <= status < 300:
                        self._ack({"kind": "deposit", "customer": buyer["id"], "key": key})
                elif action == "buy":
                    items = [{"track_id": self.rng.choice(tracks), "format": "aiff"}]
                    status, _, data = self._request(buyer, "POST", "/api/quotes", {"items": items})
                    if status != 201:
                        continue
                    quote = json.loads(data)["id"]
                    for _ in range(2):  # the same key twice: one order
                        status, _, data = self._request(
                            buyer, "POST", "/api/orders", {"quote_id": quote}, key
                        )
                        if status == 201:
                            order = json.loads(data)["id"]
                            self._ack(
                                {
                                    "kind": "order",
                                    "customer": buyer["id"],
                                    "key": key,
                                    "order": order,
                                }
                            )
                else:
                    status, headers, data = self._request(buyer, "GET", buyer["link"])
                    if status == 200 and headers.get("Content-Length"):
                        if len(data) != int(headers["Content-Length"]):
                            self.problems.append("a download ended short yet looked complete")
                        digest = hashlib.sha256(data).hexdigest()
                        with self.lock:
                            first = self.bodies.setdefault(buyer["link"], digest)
                        if first != digest:
                            self.problems.append("two complete downloads differ")
                if status >= 500 and status != 503:
                    self.problems.append(f"{action} answered {status}")
            except (OSError, http.client.HTTPException):
                time.sleep(0.02)  # the server is down (being killed): try again


def _crash_loop(tmp_path: Path, cycles: int, database_url: str | None, seed: int) -> dict:
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
    rng = random.Random(seed)
    port = free_port()
    figures = {"cycles": 0, "requests": 0, "acknowledged": 0}
    check = None
    for cycle in range(cycles):
        server = subprocess.Popen(
            [TUNEMETER, "serve", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            if check is not None:  # the last crash's check runs while the server restarts
                out, err = check.communicate(timeout=120)
                assert check.returncode == 0, (cycle, out[-2000:], err[-2000:])
            wait_port(port, server, timeout=60)
            clients = Clients(port, site, acks, seed=rng.random())
            threads = [
                threading.Thread(target=clients.run, args=(b,), daemon=True) for b in site["buyers"]
            ]
            for t in threads:
                t.start()
            time.sleep(rng.uniform(0.3, 2.0))
        finally:
            with contextlib.suppress(ProcessLookupError):  # it may have ended by itself
                os.killpg(server.pid, signal.SIGKILL)  # the server and anything it started
            server.wait(timeout=30)
        clients.stop.set()
        for t in threads:
            t.join(timeout=15)
        assert not clients.problems, (cycle, clients.problems[:5])
        # `tunemeter ledger verify` and the acknowledged-work checks, in one process.
        check = subprocess.Popen(
            [sys.executable, "-m", "tests.slow.site", "check", str(acks)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        if database_url is None:
            with sqlite3.connect(data_dir / "tunemeter.sqlite3") as db:
                assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok", cycle
        figures["cycles"] += 1
        figures["requests"] += clients.requests
    out, err = check.communicate(timeout=120)
    assert check.returncode == 0, ("last", out[-2000:], err[-2000:])
    figures["acknowledged"] = len(acks.read_text().splitlines())
    return figures


def test_crash_loop_on_sqlite(tmp_path, slow_scale):
    figures = _crash_loop(tmp_path, 50 * slow_scale, None, seed=13)
    print(f"\ncrash loop sqlite: {figures}")
    assert figures["cycles"] == 50 * slow_scale and figures["acknowledged"] > 0


def _postgres_database(tmp_path) -> str:
    psycopg = pytest.importorskip("psycopg")
    name = f"tunemeter_crash_{os.getpid()}"
    try:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name}")
            conn.execute(f"CREATE DATABASE {name}")
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN}: {exc}")
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name


def test_crash_loop_on_postgresql(tmp_path, slow_scale):
    import psycopg

    url = _postgres_database(tmp_path)
    try:
        figures = _crash_loop(tmp_path, 20 * slow_scale, url, seed=31)
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")
    print(f"\ncrash loop postgresql: {figures}")
    assert figures["cycles"] == 20 * slow_scale and figures["acknowledged"] > 0
