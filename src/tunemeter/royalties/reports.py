"""Export DDEX DSR flat files (one multi-territory report per holder and period), and a
whole period: statements and DSR files written at the same time on two cores.
"""

from __future__ import annotations

import io
import itertools
import logging
import multiprocessing
import operator
import os
import tempfile
from collections.abc import Iterable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import connections
from django.db.models import Count
from django.utils import timezone

from tunemeter.catalog.models import Release, Track
from tunemeter.rights.models import RightsHolder
from tunemeter.royalties.dsr import (
    MULTI_TERRITORY,
    DsrHeader,
    DsrSale,
    dsr_filename,
    dsr_write,
    recipient_token,
)
from tunemeter.royalties.exports import statement_pages_write, statements_write
from tunemeter.royalties.models import RoyaltyLine
from tunemeter.royalties.periods import Period, period_parse
from tunemeter.royalties.statements import raw_rows

logger = logging.getLogger(__name__)

_GROUP = ("holder_id", "territory", "release_id", "track_id", "format_id", "paid_micro")


def dsr_usage(*, period: Period, holder_ids: list[int] | None = None) -> Iterator[tuple]:
    """Yield (*_GROUP, kind, downloads) for a period, ordered for DSR blocks.

    A download counts once per holder however many rights the holder has in it.
    """
    lines = RoyaltyLine.objects.filter(at__gte=period.start, at__lt=period.end)
    if holder_ids is not None:
        lines = lines.filter(holder_id__in=holder_ids)
    yield from raw_rows(
        lines.values(*_GROUP, "kind")
        .annotate(downloads=Count("quote_line_id", distinct=True))
        .order_by(*_GROUP, "kind")
        .values_list(*_GROUP, "kind", "downloads")
    )


def per_holder(holder_ids: list[int], stream: Iterable[tuple]) -> Iterator[tuple[int, Iterable]]:
    """Pair each holder id (ascending) with its rows from a stream ordered by holder id.

    Rows are tuples whose first item is the holder id; holders without rows get none.
    Consume each holder's rows before asking for the next holder.
    """
    groups = itertools.groupby(stream, key=operator.itemgetter(0))
    current = next(groups, None)
    for holder_id in holder_ids:
        while current is not None and current[0] < holder_id:
            current = next(groups, None)
        yield holder_id, (current[1] if current is not None and current[0] == holder_id else ())


class _Catalog:
    """Release and track details of a period's sales, fetched in two queries."""

    def __init__(self, *, period: Period, holder_ids: list[int] | None = None) -> None:
        sold = RoyaltyLine.objects.filter(at__gte=period.start, at__lt=period.end)
        if holder_ids is not None:
            sold = sold.filter(holder_id__in=holder_ids)
        self.releases = {
            pk: (upc, title, artist, label)
            for pk, upc, title, artist, label in Release.objects.filter(
                pk__in=sold.values("release_id")
            ).values_list("pk", "upc", "title", "artist__name", "label")
        }
        self.tracks = {
            pk: (isrc, title, artist, length_ms // 1000, tuple(composers or ()))
            for pk, isrc, title, artist, length_ms, composers in Track.objects.filter(
                pk__in=sold.values("track_id")
            ).values_list("pk", "isrc", "title", "artist__name", "length_ms", "composers")
        }

    def release(self, pk: int) -> tuple:
        return self.releases[pk]

    def track(self, pk: int) -> tuple:
        return self.tracks[pk]


def dsr_sales(rows: Iterable[tuple], catalog: _Catalog) -> Iterator[DsrSale]:
    """Turn one holder's usage rows into DSR sale rows (sales and returns merged)."""
    pending: list[Any] | None = None
    for _holder, territory, release_id, track_id, fmt, paid, kind, downloads in rows:
        key = (territory, release_id, track_id, fmt, paid)
        if pending is not None and pending[0] != key:
            yield _sale(pending[0], pending[1], pending[2], catalog)
            pending = None
        if pending is None:
            pending = [key, 0, 0]
        pending[1 if kind == RoyaltyLine.SALE else 2] += downloads
    if pending is not None:
        yield _sale(pending[0], pending[1], pending[2], catalog)


def _sale(key, sales: int, returns: int, catalog: _Catalog) -> DsrSale:
    territory, release_id, track_id, fmt, paid = key
    upc, release_title, release_artist, label = catalog.release(release_id)
    isrc, title, artist, seconds, composers = catalog.track(track_id)
    return DsrSale(
        territory=territory,
        dsp_release_id=str(release_id),
        upc=upc,
        release_title=release_title,
        release_artist=release_artist,
        label=label,
        dsp_resource_id=str(track_id),
        isrc=isrc,
        track_title=title,
        track_artist=artist,
        duration_seconds=seconds,
        format=fmt,
        sales_units=sales,
        return_units=returns,
        unit_price_micro=paid,
        composers=composers,
    )


def dsr_header(*, holder: RightsHolder, period: Period, created_at=None) -> DsrHeader:
    """Return the DSR header of a holder's report for a period."""
    created_at = created_at or timezone.now()
    return DsrHeader(
        sender_party_id=settings.DDEX_PARTY_ID,
        sender_name=settings.STORE_NAME,
        # Without a DPID the name is the file name's MessageRecipient, so both carry the
        # same ASCII form (DSR Part 1 8.1); a name with no Latin letters uses the holder id.
        recipient_name=holder.name
        if holder.dpid
        else (recipient_token(holder.name) or f"Holder-{holder.pk}"),
        recipient_party_id=holder.dpid,
        service_description=settings.DDEX_SERVICE_DESCRIPTION,
        usage_start=period.start.date(),
        usage_end=(period.end - timedelta(days=1)).date(),
        territory=MULTI_TERRITORY,
        currency=settings.STORE_CURRENCY,
        message_id=f"{period.name}-{holder.pk}-{created_at:%Y%m%dT%H%M%S}",
        created_at=created_at,
    )


def dsr_export(*, period: Period, out_dir: Path, holder_ids: list[int] | None = None) -> list[Path]:
    """Write a DSR file per holder for a period into out_dir; return the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    holders = (
        RightsHolder.objects.in_bulk(holder_ids) if holder_ids else RightsHolder.objects.in_bulk()
    )
    catalog = _Catalog(period=period, holder_ids=holder_ids)
    now = timezone.now()
    written = []
    for holder_id, rows in per_holder(
        sorted(holders), dsr_usage(period=period, holder_ids=holder_ids)
    ):
        header = dsr_header(holder=holders[holder_id], period=period, created_at=now)
        path = out_dir / dsr_filename(header=header)
        with path.open("w", encoding="utf-8", newline="") as out:
            dsr_write(header=header, rows=dsr_sales(rows, catalog), out=out)
        written.append(path)
    logger.info("dsr exported period=%s holders=%d dir=%s", period.name, len(written), out_dir)
    return written


def dsr_for_holder(*, holder: RightsHolder, period: Period) -> tuple[str, IO[bytes]]:
    """Write one holder's DSR file for a period (a download); return its name and the file.

    The file is spooled: kept in memory while small, on disk past a megabyte, rewound.
    """
    header = dsr_header(holder=holder, period=period)
    spool = tempfile.SpooledTemporaryFile(max_size=1 << 20)  # noqa: SIM115 - returned open
    text = io.TextIOWrapper(spool, encoding="utf-8", newline="")
    usage = dsr_usage(period=period, holder_ids=[holder.pk])
    catalog = _Catalog(period=period, holder_ids=[holder.pk])
    dsr_write(header=header, rows=dsr_sales(usage, catalog), out=text)
    text.flush()
    text.detach()  # keep the spool open when the wrapper goes
    spool.seek(0)
    return dsr_filename(header=header), spool


def _export_job(job: tuple[str, str, str, list[int]]) -> list[str]:
    """Run one export job in a worker process; return the paths written."""
    kind, period_name, out_dir, holder_ids = job
    export = {"statements": statements_write, "pages": statement_pages_write, "dsr": dsr_export}[
        kind
    ]
    paths = export(period=period_parse(period_name), out_dir=Path(out_dir), holder_ids=holder_ids)
    connections.close_all()
    return [str(p) for p in paths]


def period_export(
    *,
    period: Period,
    out_dir: Path,
    holder_ids: list[int] | None = None,
    dsr: bool = True,
    pages: bool = False,
    workers: int | None = None,
) -> list[Path]:
    """Write a period's CSV statements, DSR files and (if asked) HTML pages on every core.

    Holders are dealt into one group per core; each group's statements, its DSR
    files and its pages are separate jobs for a pool of forked processes, each
    reading the period's lines for its own holders.
    """
    ids = holder_ids or list(RightsHolder.objects.order_by("pk").values_list("pk", flat=True))
    workers = max(1, min(workers or os.cpu_count() or 1, len(ids)))
    groups = [sorted(ids[i::workers]) for i in range(workers)]
    kinds = ["statements"] + (["dsr"] if dsr else []) + (["pages"] if pages else [])
    jobs = [(kind, period.name, str(out_dir), group) for kind in kinds for group in groups]
    out_dir.mkdir(parents=True, exist_ok=True)
    if workers == 1:
        return [Path(p) for job in jobs for p in _export_job(job)]
    # Forked children must not share this process's database connections.
    connections.close_all()
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        written = [Path(p) for paths in pool.imap_unordered(_export_job, jobs) for p in paths]
    logger.info("period exported period=%s files=%d workers=%d", period.name, len(written), workers)
    return sorted(written)
