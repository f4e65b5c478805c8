"""Share the benches' plumbing: a throw-away store, free ports, and the result table."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path


def store_setup(data_dir: Path, **env: str) -> None:
    """Point Django at a fresh store in data_dir (SQLite unless DATABASE_URL) and migrate it."""
    os.environ["TUNEMETER_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tunemeter.settings")
    os.environ.setdefault("TUNEMETER_LOG_LEVEL", "WARNING")
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def free_port() -> int:
    """Return a TCP port free on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_port(port: int, proc: subprocess.Popen, timeout: float = 30.0) -> None:
    """Wait until a server process listens on port; fail if it exits first."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server on port {port} did not start") from None
            time.sleep(0.05)


def print_rows(rows: list[tuple[str, str]]) -> None:
    """Print a two-column table of names and figures."""
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name.ljust(width)}  {value}")
