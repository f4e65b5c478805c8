"""Back up the database and every stored object: `tunemeter backup DEST`."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tunemeter.backups import BackupError, backup_create


class Command(BaseCommand):
    help = "Write a backup (database + objects + sha256 manifest) into the new folder DEST."

    def add_arguments(self, parser) -> None:
        parser.add_argument("dest", type=Path, help="a new or empty folder")

    def handle(self, *args, dest: Path, **options) -> None:
        try:
            manifest = backup_create(dest=dest)
        except BackupError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        size = sum(o["size_bytes"] for o in manifest["objects"])
        self.stdout.write(
            f"backup {dest}: {manifest['database']['vendor']} database, "
            f"{len(manifest['objects'])} objects ({size:,} bytes)"
        )
