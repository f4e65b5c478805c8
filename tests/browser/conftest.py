"""Fixtures for real-browser journeys: a live store, a tiny catalog, buyers and Chromium.

Playwright (Python) drives Debian's headless Chromium (`/usr/bin/chromium`, or the
path in TUNEMETER_CHROMIUM); it never downloads a browser. Without one the tests skip
and say why. The store runs in-process (uvicorn in a thread, see the delivery tests'
`asgi_server`) on the committed test database, so `settings` fixtures apply to it.
Each test's last page is saved as `var/screenshots/<test name>.png` for CI.
"""

from __future__ import annotations

import re
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

from tests.audio import cover_jpeg, write_audio, write_tags
from tests.browser.chromium import MISSING, chromium_launch, chromium_path
from tests.delivery.conftest import asgi_server  # noqa: F401 - the live server, shared
from tests.shop.factories import fund, license_release
from tunemeter.catalog.importing.pipeline import import_run
from tunemeter.catalog.models import Release
from tunemeter.customers.services import customer_register

SCREENSHOTS_DIR = Path(__file__).resolve().parents[2] / "var" / "screenshots"
PASSWORD = "a long passphrase for tests"
# The one territory the test catalog is not licensed for.
UNLICENSED = "CH"


@pytest.fixture(scope="package")
def browser(django_db_setup):
    """Launch one headless Chromium for the browser tests (each test gets its own context).

    Playwright's sync API keeps an asyncio loop marked running on the test thread while
    the browser lives, so Django would take the test's own ORM calls (data set-up and
    checks between browser steps) for calls from async code: allow them for this package
    only, and create the test database before the loop starts. The store itself runs in
    its own thread.
    """
    if chromium_path() is None:
        pytest.skip(MISSING)
    with (
        pytest.MonkeyPatch.context() as patch,
        tempfile.TemporaryDirectory(prefix="tunemeter-chromium-") as tmp,
        sync_playwright() as playwright,
    ):
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        # Downloads land in a dir removed afterwards (tests save what they check).
        chromium = chromium_launch(playwright, downloads_path=tmp)
        yield chromium
        chromium.close()


@dataclass
class Store:
    """The live store a journey drives: its base URL and its catalog."""

    url: str
    release: Release


@pytest.fixture
def catalog(tmp_path):
    """Import a tiny real release (three 3-second FLAC tracks with a cover); return it.

    A deal licenses it everywhere but in the UNLICENSED territory.
    """
    root = tmp_path / "masters" / "Aurora Bay" / "Low Tide"
    titles = ["Harbour Lights", "Salt Road", "Night Ferry"]
    for i, title in enumerate(titles, start=1):
        path = write_audio(root / f"0{i}.flac", seconds=3.0, seed=70 + i)
        write_tags(
            path,
            {
                "title": title,
                "artist": "Aurora Bay",
                "album": "Low Tide",
                "tracknumber": str(i),
                "date": "2026",
                "genre": "Ambient",
            },
            cover=cover_jpeg(),
        )
    report = import_run(root=tmp_path / "masters", workers=1)
    assert not report.rejected, report.rejected
    release = Release.objects.get(title="Low Tide")
    license_release(release, territories=f"Worldwide -{UNLICENSED}")
    return release


@pytest.fixture
def store(asgi_server, catalog, demo_payments) -> Store:  # noqa: F811 - the imported fixture
    """Serve the store with the tiny catalog and demo top-ups on."""
    return Store(url=asgi_server, release=catalog)


@pytest.fixture
def buyer(store):
    """Register a buyer in France with 50.00 on their balance; return the user."""
    user = customer_register(email="ada@example.org", password=PASSWORD, country="FR")
    fund(user, 5_000)
    return user


@pytest.fixture
def context(browser, store, request):
    """Open a fresh browser context on the store; screenshot its last page at teardown."""
    ctx = browser.new_context(
        base_url=store.url, accept_downloads=True, viewport={"width": 1000, "height": 800}
    )
    ctx.set_default_timeout(10_000)
    yield ctx
    pages = [p for p in ctx.pages if not p.is_closed()]
    if pages:
        SCREENSHOTS_DIR.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        try:
            pages[-1].screenshot(path=SCREENSHOTS_DIR / f"{name}.png", full_page=True)
        except PlaywrightError as exc:
            # A page that cannot be drawn must not hide the test's own result.
            warnings.warn(f"no screenshot for {name}: {exc}", stacklevel=1)
    ctx.close()


@pytest.fixture
def page(context):
    """Return a new page in the test's browser context."""
    return context.new_page()


def _sign_in(context, store: Store, user) -> None:
    """Give the browser context a session of user's, made server-side."""
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.cookies["sessionid"].value
    context.add_cookies([{"name": "sessionid", "value": session, "url": store.url}])


@pytest.fixture
def signed_in_page(context, store, buyer):
    """Return a page whose context carries the buyer's session (signed in server-side)."""
    _sign_in(context, store, buyer)
    return context.new_page()


@pytest.fixture
def staff_page(browser, store):
    """Return a page signed in as a superuser, in a context of its own (not screenshot)."""
    staff = get_user_model().objects.create_superuser("root", "root@example.org", PASSWORD)
    ctx = browser.new_context(base_url=store.url, viewport={"width": 1200, "height": 800})
    ctx.set_default_timeout(10_000)
    _sign_in(ctx, store, staff)
    yield ctx.new_page()
    ctx.close()
