"""Produce a holder's statement downloads on request: CSV (streamed), printable HTML, DSR.

Each is made by the royalties code the admin and `tunemeter statements` use, so the
portal's files are the same files, named the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from tunemeter.rights.models import RightsHolder
from tunemeter.royalties.exports import statement_csv_stream, statement_file_name, statement_html
from tunemeter.royalties.periods import Period
from tunemeter.royalties.reports import dsr_for_holder


def statement_csv(*, holder: RightsHolder, period: Period) -> tuple[str, Iterator[str]]:
    """Return the CSV statement's file name and its text in pieces (read as they are sent)."""
    return statement_file_name(holder.pk, period, "csv"), statement_csv_stream(
        holder=holder, period=period
    )


def statement_page(*, holder: RightsHolder, period: Period) -> str:
    """Return the printable HTML statement."""
    return statement_html(holder=holder, period=period)


def statement_dsr(*, holder: RightsHolder, period: Period) -> tuple[str, BinaryIO]:
    """Return the holder's DDEX DSR file for period: its name and the file, open."""
    return dsr_for_holder(holder=holder, period=period)
