"""Start a Tunemeter cluster on loopback: PostgreSQL database, Redis, S3, N nodes, workers, nginx.

Used by tests/slow/test_cluster.py and bench/cluster.py. Each part is started with the
commands docs/deploy.md gives (`tunemeter migrate`, `import`, `serve`, `worker`), with
the documented environment adapted to loopback ports and temp folders.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from tests.net import free_port, wait_port

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[1]
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
PG_ADMIN_URL = os.environ.get("TUNEMETER_CLUSTER_PG", "postgres://postgres@127.0.0.1:5432/postgres")

SETUP = """
import json, sys
import django
django.setup()
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from tests.shop.factories import customer, fund, license_release
from tunemeter.catalog.models import Release, Track
for release in Release.objects.all():
    license_release(release)
buyers = []
for i in range(int(sys.argv[1])):
    user = customer(f"cluster{i}")
    fund(user, 10_000)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    buyers.append({"id": user.pk, "session": session.session_key})
tracks = list(Track.objects.order_by("pk").values_list("pk", flat=True))
print(json.dumps({"buyers": buyers, "tracks": tracks}))
"""

LINKS = """
import json, sys
import django
django.setup()
from tunemeter.delivery.links import track_link
from tunemeter.library.models import Entitlement
rows = Entitlement.objects.filter(format_id=sys.argv[1]).order_by("pk")
print(json.dumps([track_link(e) for e in rows]))
"""

AUDIT = """
import json
import django
django.setup()
from django.db.models import Sum
from tunemeter.ledger.selectors import ledger_verify
from tunemeter.shop.models import Order
paid = Order.objects.filter(status=Order.PAID)
print(json.dumps({
    "problems": ledger_verify(),
    "orders": paid.count(),
    "total_minor": paid.aggregate(t=Sum("total_minor"))["t"] or 0,
}))
"""


@dataclass
class Cluster:
    """The running parts and how to reach them."""

    base: Path
    env: dict
    nodes: list[str] = field(default_factory=list)  # http://127.0.0.1:port per node
    balancer: str = ""
    procs: list[subprocess.Popen] = field(default_factory=list)
    database: str = ""

    def run(
        self, *args: str, script: str | None = None, timeout: float = 300, env: dict | None = None
    ) -> str:
        """Run a tunemeter command (or a Python script) with the cluster's environment."""
        cmd = (
            [str(BIN / "python"), "-c", script, *args]
            if script
            else [str(BIN / "tunemeter"), *args]
        )
        result = subprocess.run(
            cmd,
            env={**self.env, **(env or {})},
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise RuntimeError(f"{cmd[:3]} failed: {result.stdout[-2000:]}{result.stderr[-3000:]}")
        return result.stdout

    def spawn(self, name: str, *args: str, env: dict | None = None) -> subprocess.Popen:
        """Start a long-running tunemeter command, logging to base/name.log."""
        log = open(self.base / f"{name}.log", "ab")  # noqa: SIM115 - the child keeps it
        proc = subprocess.Popen(
            [str(BIN / "tunemeter"), *args],
            env=env or self.env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs.append(proc)
        return proc

    def log(self, name: str) -> str:
        return (self.base / f"{name}.log").read_text(errors="replace")

    def stop(self) -> None:
        """Stop every process, then drop the database."""
        for proc in reversed(self.procs):
            if proc.poll() is None:
                with _suppress():
                    os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        if self.database:
            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')


class _suppress:
    def __enter__(self):
        return self

    def __exit__(self, *exc) -> bool:
        return exc[0] is ProcessLookupError


def postgres_available() -> bool:
    try:
        psycopg.connect(PG_ADMIN_URL, connect_timeout=3).close()
    except Exception:  # noqa: BLE001 - any failure: no server
        return False
    return True


def cluster_start(
    *,
    base: Path,
    s3_env: dict,
    redis_url: str,
    library: Path,
    nodes: int = 2,
    workers: int = 1,
    buyers: int = 50,
) -> tuple[Cluster, dict]:
    """Start a fresh database, migrate, import, then nodes, workers and nginx; return it."""
    name = f"tunemeter_cluster_{os.getpid()}_{int(time.time())}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    admin = PG_ADMIN_URL.rsplit("/", 1)[0]
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/root"),
        "DJANGO_SETTINGS_MODULE": "tunemeter.settings",
        "PYTHONPATH": str(ROOT),
        "TUNEMETER_SECRET_KEY": os.urandom(32).hex(),
        "TUNEMETER_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "TUNEMETER_DATA_DIR": str(base / "setup"),
        "DATABASE_URL": f"{admin}/{name}",
        "TUNEMETER_DB_POOL_SIZE": "10",
        "REDIS_URL": redis_url,
        "TUNEMETER_LOG_FORMAT": "json",
        "TUNEMETER_MAX_DOWNLOADS_PER_CUSTOMER": "4",
        **s3_env,
    }
    cluster = Cluster(base=base, env=env, database=name)
    try:
        cluster.run("migrate", "--noinput")
        cluster.run("import", str(library), "--workers", "1")
        # Buyers' money arrives as demo top-ups in this one setup process only.
        setup = json.loads(
            cluster.run(str(buyers), script=SETUP, env={"TUNEMETER_DEMO_PAYMENTS": "1"})
        )
        for i in range(nodes):
            port = free_port()
            node_env = {
                **env,
                "TUNEMETER_DATA_DIR": str(base / f"node{i}"),
                "PROMETHEUS_MULTIPROC_DIR": str(base / f"node{i}-metrics"),
            }
            (base / f"node{i}-metrics").mkdir(parents=True)
            proc = cluster.spawn(
                f"node{i}", "serve", "--host", "127.0.0.1", "--port", str(port), env=node_env
            )
            cluster.nodes.append(f"http://127.0.0.1:{port}")
            wait_port(port, proc, timeout=120)
        for i in range(workers):
            cluster.spawn(
                f"worker{i}",
                "worker",
                "--concurrency",
                "1",
                "--hostname",
                f"w{i}@%h",
                env={**env, "TUNEMETER_DATA_DIR": str(base / f"worker{i}")},
            )
        if NGINX:
            cluster.balancer = _nginx(cluster)
    except BaseException:
        cluster.stop()
        raise
    return cluster, setup


def _nginx(cluster: Cluster) -> str:
    """Put nginx in front of the nodes as the load balancer (docs/deploy.md's location /)."""
    port = free_port()
    servers = "".join(f"    server {n.removeprefix('http://')};\n" for n in cluster.nodes)
    conf = cluster.base / "nginx.conf"
    conf.write_text(
        f"daemon off;\nworker_processes 1;\npid {cluster.base}/nginx.pid;\n"
        f"error_log {cluster.base}/nginx-error.log warn;\n"
        "events { worker_connections 512; }\n"
        f"http {{\n access_log off;\n client_body_temp_path {cluster.base}/nginx-body;\n"
        f" proxy_temp_path {cluster.base}/nginx-proxy;\n"
        f" upstream tunemeter {{\n{servers}    keepalive 32;\n }}\n"
        f" server {{\n  listen 127.0.0.1:{port};\n  location / {{\n"
        "   proxy_pass http://tunemeter;\n   proxy_http_version 1.1;\n"
        '   proxy_set_header Connection "";\n   proxy_set_header Host $http_host;\n'
        "   proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
        "   proxy_set_header X-Request-ID $request_id;\n"
        "   proxy_buffering off;\n   proxy_request_buffering off;\n"
        "   add_header X-Upstream $upstream_addr always;\n  }\n }\n}\n"
    )
    log = open(cluster.base / "nginx.log", "ab")  # noqa: SIM115 - the child keeps it
    proc = subprocess.Popen(
        [NGINX, "-c", str(conf), "-p", str(cluster.base)],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    cluster.procs.append(proc)
    wait_port(port, proc)
    return f"http://127.0.0.1:{port}"


def request(base: str, method: str, path: str, *, session: str = "", body=None, headers=None):
    """Send one request; return (status, headers, body bytes)."""
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=120)
    csrf = "a" * 32
    all_headers = {"X-CSRFToken": csrf, **(headers or {})}
    if session:
        all_headers["Cookie"] = f"sessionid={session}; csrftoken={csrf}"
    payload = None
    if body is not None:
        payload = json.dumps(body).encode()
        all_headers["Content-Type"] = "application/json"
    conn.request(method, path, body=payload, headers=all_headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, response.headers, data


def checkout(base: str, buyer: dict, track_id: int, format_id: str, key: str) -> tuple[int, str]:
    """Quote one track and place the order over the API; return (status, upstream)."""
    status, _, data = request(
        base,
        "POST",
        "/api/quotes",
        session=buyer["session"],
        body={"items": [{"track_id": track_id, "format": format_id}]},
    )
    if status != 201:
        return status, data.decode()[:300]
    quote = json.loads(data)
    status, headers, data = request(
        base,
        "POST",
        "/api/orders",
        session=buyer["session"],
        body={"quote_id": quote["id"]},
        headers={"Idempotency-Key": key},
    )
    return status, headers.get("X-Upstream", "")
