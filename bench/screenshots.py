"""Save the README's screenshots of the store: small PNGs under docs/.

Build a throw-away store with the demo catalog and a buyer who owns one release,
serve it, drive Debian's headless Chromium through Playwright (never a downloaded
browser) and save, 1000 px wide and palette-optimised:

    docs/store-home.png      new releases
    docs/store-release.png   a release page with the format picker on FLAC
    docs/store-cart.png      the cart
    docs/store-checkout.png  the checkout quote
    docs/store-library.png   the buyer's library

    python bench/screenshots.py [--out docs]
"""

from __future__ import annotations

import argparse
import io
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import free_port, store_setup, wait_port

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for the browser tests' Chromium launcher

EMAIL = "demo-buyer@example.org"
PASSWORD = "screenshots passphrase 2026"
WIDTH, HEIGHT = 1000, 720


def _store_fill() -> int:
    """Load the demo catalog and a buyer who owns its first release; return another's id."""
    from django.core.management import call_command

    from tunemeter.catalog.models import Release
    from tunemeter.customers.services import customer_register
    from tunemeter.pricing.services import quote_create
    from tunemeter.shop.payments import PROVIDERS
    from tunemeter.shop.services import order_place

    call_command("demo", stdout=io.StringIO())
    buyer = customer_register(email=EMAIL, password=PASSWORD, country="FR")
    PROVIDERS["demo"].deposit(customer=buyer, amount_minor=5_000, reference="screenshots")
    owned, shown = Release.objects.order_by("pk")[:2]
    quote = quote_create(customer=buyer, items=[(owned, "mp3-320")])
    order_place(customer=buyer, quote=quote, idempotency_key="screenshots")
    return shown.pk


def _save(page, path: Path) -> int:
    """Screenshot the top of the page into path as an optimised palette PNG; return bytes."""
    from PIL import Image

    image = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
    image.quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    return path.stat().st_size


def _shoot(base: str, release_id: int, out: Path) -> list[tuple[str, int]]:
    """Drive the pages and save each; return (file name, bytes) per screenshot."""
    from playwright.sync_api import expect, sync_playwright
    from tests.browser.chromium import chromium_launch

    saved = []
    with sync_playwright() as playwright:
        browser = chromium_launch(playwright)
        page = browser.new_context(
            base_url=base, viewport={"width": WIDTH, "height": HEIGHT}
        ).new_page()
        page.set_default_timeout(30_000)

        def save(name: str) -> None:
            page.wait_for_load_state("networkidle")  # covers are lazy-loaded
            saved.append((name, _save(page, out / name)))

        page.goto("/account/login/")
        page.get_by_label(re.compile(r"^(Email|Username)$")).fill(EMAIL)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_test_id("form-submit").click()
        page.wait_for_url(f"{base}/")
        save("store-home.png")

        page.goto(f"/releases/{release_id}/")
        page.get_by_test_id("format-release").select_option("flac")
        # FLAC sizes are estimated in the background ("calculating…" meanwhile), then
        # marked "≈": that shows the picker has updated.
        expect(page.get_by_test_id("size-release")).to_contain_text("≈", timeout=300_000)
        save("store-release.png")

        page.get_by_test_id("add-release").click()
        expect(page.get_by_test_id("cart-row")).to_have_count(1)
        save("store-cart.png")
        page.get_by_test_id("checkout").click()
        expect(page.get_by_test_id("checkout-total")).to_be_visible()
        save("store-checkout.png")

        page.goto("/library/")
        save("store-library.png")
        browser.close()
    return saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="where the PNGs go")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tunemeter-shots-") as tmp:
        data = Path(tmp) / "data"
        os.environ.pop("DATABASE_URL", None)
        # The demo catalog has no deals: sell it as the store's own recordings.
        store_setup(
            data,
            TUNEMETER_DEMO_PAYMENTS="1",
            TUNEMETER_SALE_GATE="tunemeter.pricing.gate.allow_all",
            TUNEMETER_LOG_LEVEL="ERROR",  # not a "sale without deal" line per track
        )
        release_id = _store_fill()
        port = free_port()
        log = (data / "server.log").open("w")
        server = subprocess.Popen(
            [sys.executable, "-m", "tunemeter.cli", "serve", "--port", str(port)],
            env=os.environ.copy(),
            stdout=log,
            stderr=log,
        )
        try:
            wait_port(port, server)
            saved = _shoot(f"http://127.0.0.1:{port}", release_id, args.out)
        finally:
            server.terminate()
            server.wait(timeout=10)
            log.close()
    for name, size in saved:
        print(f"{args.out / name}  {size / 1000:.0f} kB")
    print(f"total  {sum(size for _, size in saved) / 1000:.0f} kB")


if __name__ == "__main__":
    main()
