"""Test temp-file ownership: only provably dead owners' temp files are swept (issue 13 point 8)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tunemeter import storage

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="process start times need /proc"
)


def _temp_of(pid: int, started: int | None, root: Path) -> Path:
    path = root / "renditions" / "ab" / f"{storage.TEMP_PREFIX}{storage._HOST}.{pid}.{started}.x1"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"in progress")
    return path


def test_a_live_processes_temp_file_survives_a_sweep_and_a_dead_ones_goes(storage_dir):
    """Two servers (or a server and an import) on one data dir: only the dead owner's go."""
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        alive = _temp_of(other.pid, storage._start_ticks(other.pid), storage_dir)
        reused = _temp_of(other.pid, storage._start_ticks(other.pid) - 1, storage_dir)
        mine = Path(storage.store_bytes(b"x", "masters/aa/bb/x.bin")).parent / (
            storage.temp_prefix() + "y"
        )
        mine.write_bytes(b"mine")
        assert storage.sweep_temp_files() == 1  # the pid was reused: its owner is dead
        assert alive.exists() and mine.exists() and not reused.exists()
    finally:
        other.kill()
        other.wait()
    assert storage.sweep_temp_files() == 1 and not alive.exists() and mine.exists()


def test_importing_an_empty_folder_leaves_a_running_encode_alone(storage_dir, tmp_path, db):
    """Issue 11 point 5: `tunemeter import` swept a live server's in-progress encodes."""
    from tunemeter.catalog.importing.pipeline import import_run

    server = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        encoding = _temp_of(server.pid, storage._start_ticks(server.pid), storage_dir)
        (tmp_path / "empty").mkdir()
        import_run(root=tmp_path / "empty", workers=1)
        assert encoding.exists()
    finally:
        server.kill()
        server.wait()


def test_temp_files_name_their_owner():
    name = storage.temp_prefix() + "abc"
    assert storage.temp_owner_alive(name)
    assert not storage.temp_owner_alive(f"{storage.TEMP_PREFIX}{storage._HOST}.999999999.5.x")
