"""Find free loopback ports and wait for test servers to listen."""

from __future__ import annotations

import socket
import subprocess
import time


def free_port() -> int:
    """Return a TCP port free on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_port(port: int, proc: subprocess.Popen | None = None, timeout: float = 30.0) -> None:
    """Wait until something listens on port; fail early if proc exits."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            assert proc is None or proc.poll() is None, "server exited before listening"
            assert time.monotonic() < deadline, f"nothing listens on port {port}"
            time.sleep(0.05)
