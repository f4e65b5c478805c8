"""Find and launch Debian's headless Chromium for Playwright (never a downloaded browser)."""

from __future__ import annotations

import os

# No sandbox as root; no GPU here; and no background traffic: the network is closed,
# and without these flags Chromium keeps trying to reach its services.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Previews are started by the test, not by a person's click on the native controls.
    "--autoplay-policy=no-user-gesture-required",
    "--mute-audio",
]
MISSING = (
    "no Chromium: install Debian's `chromium` (apt-get install chromium) "
    "or set TUNEMETER_CHROMIUM to its path"
)


def chromium_path() -> str | None:
    """Return the Chromium executable to drive, or None when there is none."""
    path = os.environ.get("TUNEMETER_CHROMIUM", "/usr/bin/chromium")
    return path if os.access(path, os.X_OK) else None


def chromium_launch(playwright, **kwargs):
    """Launch headless Chromium with the flags this machine needs; return the browser.

    Playwright gives every launch a fresh, temporary profile (user-data dir).
    """
    path = chromium_path()
    if path is None:
        raise RuntimeError(MISSING)
    return playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, **kwargs)
