"""Import deals and splits: `tunemeter rights import-csv FILE` and `import-ern FILE`.

Exit status: 0 when the file was imported (or would be, with --dry-run), 1 when any
row was refused (nothing is written then), 2 on bad usage.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tunemeter.rights.importing import (
    ImportRefused,
    ImportReport,
    rights_csv_import,
    rights_ern_import,
)
from tunemeter.rights.importing.common import MAX_CSV_BYTES, MAX_XML_BYTES
from tunemeter.rights.models import Deal, RightsHolder
from tunemeter.rights.services import TERMS_PRESETS


def _opened_regular(file: Path):
    """Open file for reading without blocking on a FIFO (refused by the caller's check)."""
    fd = os.open(file, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    return os.fdopen(fd, "rb")


class Command(BaseCommand):
    help = (
        "Rights tools. import-csv FILE: deals and splits in the documented CSV format; "
        "import-ern FILE: PayAsYouGoModel/PermanentDownload deals of a DDEX ERN 4 message "
        "(royalty terms from the options). Both are all or nothing; --dry-run writes nothing."
    )

    def add_arguments(self, parser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        csv_parser = actions.add_parser(
            "import-csv", help="import deals and splits from a CSV file (docs/rights-csv.md)"
        )
        csv_parser.add_argument("file", type=Path)
        csv_parser.add_argument("--dry-run", action="store_true", help="check, write nothing")

        ern = actions.add_parser(
            "import-ern",
            help="import the download deals of a DDEX ERN 4 message; ERN carries no "
            "royalty terms, so give them here",
        )
        ern.add_argument("file", type=Path)
        ern.add_argument("--dry-run", action="store_true", help="check, write nothing")
        ern.add_argument(
            "--sr-share-bps",
            type=int,
            required=True,
            help="sound recording share of net revenue, basis points (7000 = 70%%)",
        )
        ern.add_argument("--sr-minimum-micro", type=int, default=0, help="minimum per track")
        ern.add_argument("--preset", choices=sorted(TERMS_PRESETS), help="publishing terms preset")
        ern.add_argument("--pub-share-bps", type=int, default=0)
        ern.add_argument("--pub-amount-micro", type=int, default=0)
        ern.add_argument(
            "--pub-amount-per", choices=[Deal.PER_TRACK, Deal.PER_MINUTE], default="track"
        )
        ern.add_argument("--licensor", default="", help="licensor's name (default: the sender)")
        ern.add_argument("--licensor-dpid", default="", help="licensor's DDEX party id")
        ern.add_argument(
            "--licensor-kind",
            default="label",
            choices=[kind for kind, _ in RightsHolder.KINDS],
            help="kind of a licensor created by the import",
        )

    def handle(self, *args, action: str, file: Path, dry_run: bool, **options) -> None:
        data = self._read(file, MAX_CSV_BYTES if action == "import-csv" else MAX_XML_BYTES)
        try:
            if action == "import-csv":
                try:
                    text = data.decode("utf-8-sig")
                except UnicodeDecodeError:
                    raise ImportRefused("the file is not UTF-8 text") from None
                report = rights_csv_import(text=text, dry_run=dry_run)
            else:
                if options["preset"] and (options["pub_share_bps"] or options["pub_amount_micro"]):
                    raise CommandError("give --preset or publishing terms, not both", returncode=2)
                report = rights_ern_import(
                    data=data,
                    sr_share_bps=options["sr_share_bps"],
                    sr_minimum_micro=options["sr_minimum_micro"],
                    preset=options["preset"],
                    pub_share_bps=options["pub_share_bps"],
                    pub_amount_micro=options["pub_amount_micro"],
                    pub_amount_per=options["pub_amount_per"],
                    licensor_name=options["licensor"],
                    licensor_dpid=options["licensor_dpid"],
                    licensor_kind=options["licensor_kind"],
                    dry_run=dry_run,
                )
        except ImportRefused as exc:
            raise CommandError(f"{file}: {exc}", returncode=1) from None
        self._print(report, file)
        if not report.ok:
            raise CommandError(f"{file}: {report.summary()}", returncode=1)

    def _read(self, file: Path, limit: int) -> bytes:
        """Read a regular file of at most limit bytes; check before reading, not after."""
        try:
            # Stat before opening: opening a FIFO would wait for a writer.
            with _opened_regular(file) as handle:
                info = os.fstat(handle.fileno())
                if not stat.S_ISREG(info.st_mode):
                    raise CommandError(
                        f"{file}: not a regular file (a FIFO, device or folder is refused)",
                        returncode=2,
                    )
                if info.st_size > limit:
                    raise CommandError(
                        f"{file}: {info.st_size} bytes is larger than {limit}", returncode=1
                    )
                data = handle.read(limit + 1)
        except OSError as exc:
            raise CommandError(f"{file}: {exc.strerror or exc}", returncode=2) from None
        if len(data) > limit:  # grew while read
            raise CommandError(f"{file}: larger than {limit} bytes", returncode=1)
        return data

    def _print(self, report: ImportReport, file: Path) -> None:
        for action in report.actions:
            self.stdout.write(action)
        for note in report.notes:
            self.stdout.write(f"note: {note}")
        for line, message in report.errors:
            self.stderr.write(f"{file}:{line}: {message}")
        if report.ok:
            self.stdout.write(report.summary())
