"""Test the local folder: modes another user (nginx) can read, atomic writes, the object list."""

from __future__ import annotations

import grp
import os
import stat

import pytest

from tunemeter import storage


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_stored_files_and_folders_get_the_configured_modes(settings):
    """mkstemp makes 0600 files: nginx's workers (another user) got 403 on the hand-off."""
    path = storage.store_bytes(b"abc", "renditions/ab/cd/x.wav")
    assert mode(path) == 0o644
    assert mode(path.parent) == 0o755 and mode(path.parent.parent) == 0o755
    settings.STORAGE_FILE_MODE, settings.STORAGE_DIR_MODE = 0o640, 0o750
    settings.STORAGE_GROUP = grp.getgrgid(os.getgid()).gr_name
    path = storage.store_bytes(b"abc", "renditions/ef/01/y.wav")
    assert (mode(path), mode(path.parent)) == (0o640, 0o750)
    assert path.stat().st_gid == os.getgid()


def test_a_failed_write_leaves_no_file_and_no_temp(settings):
    def broken(out):
        out.write(b"partial")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        storage._write_atomic("masters/aa/bb/m.flac", broken)
    assert list(storage.storage_root().rglob("*m.flac*")) == []
    assert list(storage.storage_root().rglob(f"{storage.TEMP_PREFIX}*")) == []


def test_objects_list_names_stored_objects_but_not_temp_files():
    storage.store_bytes(b"1234", "covers/aa/bb/c.jpg")
    storage.temp_create(storage.storage_path("covers/aa/bb/d.jpg"))
    assert dict(storage.objects_list()) == {"covers/aa/bb/c.jpg": 4}
    with pytest.raises(FileNotFoundError):
        storage.storage_local("covers/aa/bb/none.jpg")
