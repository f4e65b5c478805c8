"""Back up and restore the store: the database plus every stored object, with a sha256 manifest.

A backup is a folder: `database.sqlite3` (SQLite's online backup API: a consistent copy
while the store runs) or `database.pgdump` (pg_dump's custom format), `objects/` (a copy
of every stored object: masters, covers, reports, renditions) and `manifest.json`
(each object's path, size and sha256; the database file's sha256). Restoring loads the
database, puts back every object missing or damaged, then reads every object in the
manifest and checks its sha256.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.db import connection

from tunemeter import storage

logger = logging.getLogger(__name__)

MANIFEST = "manifest.json"
FORMAT_VERSION = 1


class BackupError(Exception):
    """The backup cannot be made or restored (the message says why)."""


@dataclass
class RestoreReport:
    """What a restore did: objects put back, verified, missing or damaged."""

    restored: list[str] = field(default_factory=list)
    verified: int = 0
    missing: list[str] = field(default_factory=list)
    damaged: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Return True when every object in the manifest is back with its sha256."""
        return not self.missing and not self.damaged


def file_sha256(path: Path) -> str:
    """Return the hex sha256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _pg_env_args() -> tuple[dict, list[str]]:
    """Return the environment and connection arguments for pg_dump/pg_restore."""
    db = connection.settings_dict
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    args = ["-h", db.get("HOST") or "127.0.0.1", "-p", str(db.get("PORT") or 5432)]
    if db.get("USER"):
        args += ["-U", db["USER"]]
    return env, args + ["-d", db["NAME"]]


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} not found: install PostgreSQL's client tools (postgresql-client)"
        )
    return path


def _database_dump(dest: Path) -> Path:
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        out = dest / "database.sqlite3"
        target = sqlite3.connect(out)
        try:
            connection.connection.backup(target)  # consistent while others write
        finally:
            target.close()
        return out
    if connection.vendor == "postgresql":
        out = dest / "database.pgdump"
        env, args = _pg_env_args()
        subprocess.run(
            [_tool("pg_dump"), "--format=custom", "--no-owner", "-f", str(out), *args],
            env=env,
            check=True,
        )
        return out
    raise BackupError(f"no backup for a {connection.vendor} database")


def backup_create(*, dest: Path) -> dict:
    """Write a backup into the empty or new folder dest; return its manifest."""
    if dest.exists() and any(dest.iterdir()):
        raise BackupError(f"{dest} is not empty")
    (dest / "objects").mkdir(parents=True, exist_ok=True)
    database = _database_dump(dest)
    objects = []
    for relpath, _size in storage.objects_list():
        local = storage.storage_local(relpath)
        copy = dest / "objects" / relpath
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(local, copy)
        objects.append(
            {"path": relpath, "size_bytes": copy.stat().st_size, "sha256": file_sha256(copy)}
        )
    manifest = {
        "format": FORMAT_VERSION,
        "created_at": datetime.now(tz=UTC).isoformat(),
        "database": {
            "vendor": connection.vendor,
            "file": database.name,
            "sha256": file_sha256(database),
        },
        "storage": storage.backend().name,
        "objects": objects,
    }
    (dest / MANIFEST).write_text(json.dumps(manifest, indent=1))
    logger.info("backup written dest=%s objects=%d", dest, len(objects))
    return manifest


def manifest_read(src: Path) -> dict:
    """Return a backup's manifest, checking its database file against its sha256."""
    try:
        manifest = json.loads((src / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{src}: no readable {MANIFEST}: {exc}") from exc
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"{src}: unknown backup format {manifest.get('format')!r}")
    database = src / manifest["database"]["file"]
    if not database.exists() or file_sha256(database) != manifest["database"]["sha256"]:
        raise BackupError(f"{database}: missing or damaged (sha256 differs from the manifest)")
    return manifest


def _database_load(src: Path, manifest: dict) -> None:
    vendor = manifest["database"]["vendor"]
    if vendor != connection.vendor:
        raise BackupError(f"a {vendor} backup cannot be restored into {connection.vendor}")
    database = src / manifest["database"]["file"]
    connection.ensure_connection()
    if vendor == "sqlite":
        source = sqlite3.connect(database)
        try:
            source.backup(connection.connection)  # replaces every page, schema included
        finally:
            source.close()
        return
    env, args = _pg_env_args()
    subprocess.run(
        [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction"]
        + args
        + [str(database)],
        env=env,
        check=True,
    )


def backup_restore(*, src: Path) -> RestoreReport:
    """Restore the database and the objects of the backup in src, then verify every object."""
    manifest = manifest_read(src)
    _database_load(src, manifest)
    connection.close()  # reopen on the restored database
    report = RestoreReport()
    for item in manifest["objects"]:
        relpath, expected = item["path"], item["sha256"]
        try:
            intact = file_sha256(storage.storage_local(relpath)) == expected
        except FileNotFoundError:
            intact = False
        if not intact:
            copy = src / "objects" / relpath
            if not copy.exists() or file_sha256(copy) != expected:
                report.missing.append(relpath)
                continue
            storage.object_delete(relpath)  # a damaged copy is replaced, not kept
            storage.store_copy(copy, relpath)
            report.restored.append(relpath)
        if file_sha256(storage.storage_local(relpath)) == expected:
            report.verified += 1
        else:
            report.damaged.append(relpath)
    logger.info(
        "backup restored src=%s restored=%d verified=%d missing=%d damaged=%d",
        src,
        len(report.restored),
        report.verified,
        len(report.missing),
        len(report.damaged),
    )
    return report
