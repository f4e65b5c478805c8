"""Test that the import's worker processes die with it, whatever kills it."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.audio import write_audio

TUNEMETER = [sys.executable, "-m", "tunemeter.cli"]


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):  # the task ended meanwhile
            found |= {int(c) for c in (task / "children").read_text().split()}
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_killing_the_import_kills_its_workers(tmp_path):
    """SIGKILL cannot be caught, so the workers ask the kernel (PR_SET_PDEATHSIG)."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        TUNEMETER_DATA_DIR=str(tmp_path / "data"), DJANGO_SETTINGS_MODULE="tunemeter.settings"
    )
    subprocess.run([*TUNEMETER, "migrate", "-v0"], env=env, check=True, timeout=120)
    for i in range(10):
        write_audio(tmp_path / "lib" / f"{i:02d}.flac", seed=i, seconds=20, rate=48000)
    proc = subprocess.Popen(
        [*TUNEMETER, "import", str(tmp_path / "lib"), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    workers: set[int] = set()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(workers) < 2 and proc.poll() is None:
        workers = _children(proc.pid)
        time.sleep(0.005)
    assert len(workers) >= 2, "the import finished before its workers could be seen"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.05)
    survivors = [w for w in workers if _alive(w)]
    for pid in survivors:  # do not leave them behind if the test fails
        os.kill(pid, signal.SIGKILL)
    assert survivors == []
