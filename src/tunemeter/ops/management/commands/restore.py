"""Restore a backup and verify every object: `tunemeter restore SRC --yes`."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tunemeter.backups import BackupError, backup_restore


class Command(BaseCommand):
    help = "Replace the database with the backup in SRC, put back its objects, verify them all."

    def add_arguments(self, parser) -> None:
        parser.add_argument("src", type=Path, help="a folder written by `tunemeter backup`")
        parser.add_argument(
            "--yes", action="store_true", help="confirm: the current database is replaced"
        )

    def handle(self, *args, src: Path, yes: bool, **options) -> None:
        if not yes:
            raise CommandError("restore replaces the whole database: add --yes", returncode=2)
        try:
            report = backup_restore(src=src)
        except BackupError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        self.stdout.write(
            f"restored from {src}: {len(report.restored)} objects put back, "
            f"{report.verified} verified by sha256"
        )
        for relpath in report.missing:
            self.stderr.write(f"missing: {relpath}")
        for relpath in report.damaged:
            self.stderr.write(f"damaged: {relpath}")
        if not report.ok:
            sys.exit(1)
