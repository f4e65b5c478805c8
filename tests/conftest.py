"""Shared fixtures: a private storage dir per test, and the PostgreSQL-only marker."""

from __future__ import annotations

import os

import pytest


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
