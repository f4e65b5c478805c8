"""Test the restore drill: backup, wipe, restore: an identical ledger, every object verified."""

from __future__ import annotations

import shutil
import sqlite3
import time

import pytest
from django.core.management import call_command
from django.db import connection

from tests.delivery.conftest import purchase  # noqa: F401 - the fixture
from tunemeter import storage
from tunemeter.backups import file_sha256
from tunemeter.ledger.models import Account, Entry, Transfer
from tunemeter.ledger.selectors import ledger_verify
from tunemeter.transcoding.services import rendition_open


def ledger_snapshot() -> tuple:
    return (
        list(Transfer.objects.order_by("pk").values_list()),
        list(Entry.objects.order_by("pk").values_list()),
        list(Account.objects.order_by("pk").values_list()),
    )


def database_wipe() -> None:
    """Drop everything: tables, rows, triggers (a lost disk)."""
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        empty = sqlite3.connect(":memory:")
        empty.backup(connection.connection)
        empty.close()
    else:
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    connection.close()


def make_rendition(order) -> str:
    entitlement = order.entitlements.order_by("pk").first()
    stream = rendition_open(track_id=entitlement.track_id, format_id="mp3-128")
    b"".join(stream)
    stream.close()
    deadline = time.monotonic() + 10
    while not stream.path.exists():  # the encoder publishes just after the last byte
        assert time.monotonic() < deadline
        time.sleep(0.02)
    return stream.path


@pytest.fixture(params=["local", "s3"])
def where(request):
    """Store objects in the local folder, or in a real S3 bucket."""
    if request.param == "s3":
        request.getfixturevalue("s3")
    return request.param


def test_restore_drill_gives_an_identical_ledger_and_verifies_every_object(
    where, ledger_db, request, tmp_path, capsys
):
    _, _, order = request.getfixturevalue("purchase")
    make_rendition(order)
    before = ledger_snapshot()
    objects = dict(storage.objects_list())
    assert any(p.startswith("masters/") for p in objects), objects
    assert any(p.startswith("renditions/") for p in objects)
    call_command("backup", str(tmp_path / "bk"))
    database_wipe()
    with pytest.raises(Exception):  # noqa: B017 - the tables are gone
        Transfer.objects.count()
    for relpath in objects:
        storage.object_delete(relpath)
    shutil.rmtree(storage.storage_root())
    assert dict(storage.objects_list()) == {}

    call_command("restore", str(tmp_path / "bk"), "--yes")
    out = capsys.readouterr().out
    assert f"{len(objects)} objects put back, {len(objects)} verified by sha256" in out
    assert ledger_snapshot() == before
    assert ledger_verify() == []
    assert dict(storage.objects_list()) == objects
    shas = {relpath: file_sha256(storage.storage_local(relpath)) for relpath in objects}
    masters = [p for p in objects if p.startswith("masters/")]
    assert all(shas[p] in p for p in masters)  # content-addressed names, bytes intact
    # A damaged object is found and replaced by the next restore.
    master = next(p for p in objects if p.startswith("masters/"))
    storage.object_delete(master)
    storage.store_bytes(b"bit rot", master)
    call_command("restore", str(tmp_path / "bk"), "--yes")
    assert "1 objects put back" in capsys.readouterr().out
    assert storage.storage_local(master).read_bytes() != b"bit rot"


def test_a_damaged_backup_is_refused_or_reported(ledger_db, request, tmp_path):
    request.getfixturevalue("purchase")
    call_command("backup", str(tmp_path / "bk"))
    db_file = next((tmp_path / "bk").glob("database.*"))
    with pytest.raises(SystemExit) as exit_info:
        copy = next((tmp_path / "bk" / "objects").rglob("*.flac"))
        copy.write_bytes(b"damaged")
        relpath = copy.relative_to(tmp_path / "bk" / "objects").as_posix()
        storage.object_delete(relpath)
        call_command("restore", str(tmp_path / "bk"), "--yes")
    assert exit_info.value.code == 1
    db_file.write_bytes(db_file.read_bytes() + b"x")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="damaged"):
        call_command("restore", str(tmp_path / "bk"), "--yes")
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(tmp_path / "bk"))
