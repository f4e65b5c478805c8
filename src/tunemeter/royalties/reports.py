"""Export DDEX DSR flat files: one multi-territory report per holder and period."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from tunemeter.catalog.models import Release, Track
from tunemeter.rights.models import RightsHolder
from tunemeter.royalties.dsr import MULTI_TERRITORY, DsrHeader, DsrSale, dsr_filename, dsr_write
from tunemeter.royalties.exports import per_holder
from tunemeter.royalties.models import RoyaltyLine
from tunemeter.royalties.periods import Period

logger = logging.getLogger(__name__)

_GROUP = ("holder_id", "territory", "release_id", "track_id", "format_id", "paid_micro")


def dsr_usage(*, period: Period, holder_ids: list[int] | None = None) -> Iterator[tuple]:
    """Yield (*_GROUP, kind, downloads) for a period, ordered for DSR blocks.

    A download counts once per holder however many rights the holder has in it.
    """
    lines = RoyaltyLine.objects.filter(at__gte=period.start, at__lt=period.end)
    if holder_ids is not None:
        lines = lines.filter(holder_id__in=holder_ids)
    yield from (
        lines.values(*_GROUP, "kind")
        .annotate(downloads=Count("quote_line_id", distinct=True))
        .order_by(*_GROUP, "kind")
        .values_list(*_GROUP, "kind", "downloads")
        .iterator(chunk_size=5000)
    )


class _Catalog:
    """Release and track details, fetched once per id."""

    def __init__(self) -> None:
        self.releases: dict[int, tuple] = {}
        self.tracks: dict[int, tuple] = {}

    def release(self, pk: int) -> tuple:
        if pk not in self.releases:
            r = Release.objects.select_related("artist").get(pk=pk)
            self.releases[pk] = (r.upc, r.title, r.artist.name, r.label)
        return self.releases[pk]

    def track(self, pk: int) -> tuple:
        if pk not in self.tracks:
            t = Track.objects.select_related("artist").get(pk=pk)
            self.tracks[pk] = (t.isrc, t.title, t.artist.name, t.length_ms // 1000, t.composer)
        return self.tracks[pk]


def dsr_sales(rows: Iterable[tuple], catalog: _Catalog) -> Iterator[DsrSale]:
    """Turn one holder's usage rows into DSR sale rows (sales and returns merged)."""
    pending = None
    for _holder, territory, release_id, track_id, fmt, paid, kind, downloads in rows:
        key = (territory, release_id, track_id, fmt, paid)
        if pending is not None and pending[0] != key:
            yield _sale(*pending, catalog)
            pending = None
        if pending is None:
            pending = [key, 0, 0]
        pending[1 if kind == RoyaltyLine.SALE else 2] += downloads
    if pending is not None:
        yield _sale(*pending, catalog)


def _sale(key, sales: int, returns: int, catalog: _Catalog) -> DsrSale:
    territory, release_id, track_id, fmt, paid = key
    upc, release_title, release_artist, label = catalog.release(release_id)
    isrc, title, artist, seconds, composer = catalog.track(track_id)
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
        composer=composer,
    )


def dsr_header(*, holder: RightsHolder, period: Period, created_at=None) -> DsrHeader:
    """Return the DSR header of a holder's report for a period."""
    created_at = created_at or timezone.now()
    return DsrHeader(
        sender_party_id=settings.DDEX_PARTY_ID,
        sender_name=settings.STORE_NAME,
        recipient_name=holder.name,
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
    catalog = _Catalog()
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
