"""Serve the store on a free port for API tests that need real HTTP (threads, schemathesis)."""

from __future__ import annotations

import threading
import time

import pytest
import uvicorn

from tests.net import free_port


@pytest.fixture
def live_api(ledger_db, demo_payments):
    """Serve the store with uvicorn in a thread; yield its base URL."""
    from django.core.cache import cache

    from tunemeter.asgi import application

    cache.clear()
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(application, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    cache.clear()
