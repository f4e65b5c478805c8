"""Fixtures: a live ASGI server on the test database, and a buyer who owns some music."""

from __future__ import annotations

import threading
import time

import pytest
import uvicorn

from tests.audio import cover_jpeg, write_audio, write_tags
from tests.net import free_port
from tests.shop.factories import customer, fund, license_release
from tunemeter.catalog.importing.pipeline import import_run
from tunemeter.catalog.models import Release
from tunemeter.pricing.services import quote_create
from tunemeter.shop.services import order_place


@pytest.fixture
def asgi_server(ledger_db):
    """Serve the store with uvicorn in a thread; yield its base URL."""
    from tunemeter.asgi import application

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


@pytest.fixture
def purchase(tmp_path, settings):
    """Return (buyer, release, order) for a 3-track release bought in WAV."""
    settings.DEMO_PAYMENTS = True
    root = tmp_path / "lib" / "Björk" / "Homogenic"
    for i in (1, 2, 3):
        path = write_audio(root / f"0{i}.flac", seconds=1.5, seed=40 + i)
        write_tags(
            path,
            {"title": f"Jóga {i}", "artist": "Björk", "album": "Homogenic", "tracknumber": str(i)},
            cover=cover_jpeg(),
        )
    import_run(root=tmp_path / "lib", workers=1)
    release = Release.objects.get()
    license_release(release)
    buyer = customer()
    fund(buyer, 10_000)
    quote = quote_create(customer=buyer, items=[(release, "wav")])
    order = order_place(customer=buyer, quote=quote, idempotency_key="buy")
    return buyer, release, order
