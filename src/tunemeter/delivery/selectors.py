"""Read what a customer can download: their library, one entry per release."""

from __future__ import annotations

from collections import defaultdict

from tunemeter.delivery.links import release_link, track_link
from tunemeter.library.models import Entitlement
from tunemeter.transcoding.formats import FORMATS


def library_rows(*, customer) -> list[dict]:
    """Return one row per release: its tracks with every format owned, and fresh links.

    Each track lists the formats the customer owns it in, each with its own link. A zip
    is offered per order and format only when it holds more than one track, and called
    the whole release only when it holds every track. `whole_formats` are the formats
    the whole release is owned in (it then upgrades as a release); `other_format` is
    the first format not yet owned, the "get in another format" picker's first choice.
    """
    entitlements = (
        Entitlement.objects.filter(customer=customer, revoked_at__isnull=True)
        .select_related("track__release__artist", "track__artist", "order")
        .order_by("track__release__title", "track__disc_number", "track__position", "format_id")
    )
    releases: dict = {}
    tracks: dict = defaultdict(dict)
    orders: dict = defaultdict(list)
    for e in entitlements:
        release = e.track.release
        releases.setdefault(release.pk, release)
        tracks[release.pk].setdefault(e.track.pk, (e.track, []))[1].append(
            (e.format_id, track_link(e, owner=customer))
        )
        orders[(release.pk, e.format_id, e.order_id)].append(e)
    rows = []
    for release_id, release in releases.items():
        total = release.tracks.count()
        owned_tracks = list(tracks[release_id].values())
        zips = [
            {
                "format_id": format_id,
                "count": len(items),
                "whole": len(items) == total,
                "link": release_link(
                    customer_id=customer.pk,
                    order_id=order_id,
                    release=release,
                    format_id=format_id,
                    owner=customer,
                ),
            }
            for (rid, format_id, order_id), items in orders.items()
            if rid == release_id and len(items) > 1
        ]
        by_format: dict[str, int] = defaultdict(int)
        for _, formats in owned_tracks:
            for format_id, _link in formats:
                by_format[format_id] += 1
        whole_formats = [f for f, n in by_format.items() if n == total]
        owned_everywhere = {f for f, n in by_format.items() if n == len(owned_tracks)}
        rows.append(
            {
                "release": release,
                "tracks": owned_tracks,
                "zips": zips,
                "whole": bool(whole_formats),
                "other_format": next((f for f in FORMATS if f not in owned_everywhere), None),
            }
        )
    return rows
