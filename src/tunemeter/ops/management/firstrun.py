"""Tell a person what the first run is doing: numbered steps with progress, then a box.

Output goes to a terminal or to `make`'s pipe alike, so progress is plain lines (never
a redrawn bar): one when a step starts, then at most one every few seconds, then its
end with the time it took. The demo logins are kept in a private file until the store
answers, then printed last, in a box, next to the live URL.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from django.conf import settings

EVERY_SECONDS = 3.0


def logins_path() -> Path:
    """Return where the first run keeps the demo logins until the store is live."""
    return Path(settings.DATA_DIR) / "first-run-logins.txt"


class Steps:
    """Print numbered steps ("[2/5] importing…") with throttled progress lines."""

    def __init__(self, out: TextIO, total: int) -> None:
        self.out, self.total, self.number = out, total, 0
        self.started = self.last = time.monotonic()

    def _write(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def start(self, title: str) -> None:
        """Begin the next step and say so at once."""
        self.number += 1
        self.started = self.last = time.monotonic()
        self._write(f"[{self.number}/{self.total}] {title}…")

    def progress(self, unit: str) -> Callable[[int, int], None]:
        """Return an on_progress(done, total) callback printing "12/25 tracks (6 s)"."""

        def report(done: int, total: int) -> None:
            now = time.monotonic()
            if done in (0, total) or now - self.last >= EVERY_SECONDS:
                self.last = now
                self._write(f"      {done}/{total} {unit} ({now - self.started:.0f} s)")

        return report

    def done(self, summary: str = "") -> None:
        """End the current step with its time and an optional summary."""
        seconds = time.monotonic() - self.started
        self._write(f"      done in {seconds:.1f} s{': ' + summary if summary else ''}")


def box(lines: list[str]) -> str:
    """Return lines framed in a box that stands out in a scrolling terminal."""
    width = max(len(line) for line in lines)
    edge = "+" + "-" * (width + 2) + "+"
    return "\n".join([edge, *(f"| {line:<{width}} |" for line in lines), edge])


def logins_keep(lines: list[str]) -> Path:
    """Write the login lines to a file only the owner can read; return its path."""
    path = logins_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return path


def announce_when_live(
    *, host: str, port: int, out: TextIO, timeout: float = 120
) -> threading.Thread:
    """Once host:port accepts connections, print the URL and any kept logins, in a box.

    The kept logins are deleted once shown: the passwords are printed only this once.
    """

    def wait_and_print() -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((host, port), timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            return
        url = f"http://{host}:{port}/"
        lines = [f"Tunemeter is live: {url}  (admin: {url}admin/)"]
        path = logins_path()
        if path.exists():
            lines += ["", "Demo logins (the passwords are shown only this once):"]
            lines += path.read_text(encoding="utf-8").splitlines()
            path.unlink()
        out.write("\n" + box(lines) + "\n\n")
        out.flush()

    thread = threading.Thread(target=wait_and_print, name="announce", daemon=True)
    thread.start()
    return thread
