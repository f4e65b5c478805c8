"""Read what a customer can download: their library, grouped by release and format."""

from __future__ import annotations

from collections import defaultdict

from tunemeter.delivery.links import release_link, track_link
from tunemeter.library.models import Entitlement


def library_rows(*, customer) -> list[dict]:
    """Return one row per release, format and order, with fresh links for its tracks and zip."""
    entitlements = (
        Entitlement.objects.filter(customer=customer, revoked_at__isnull=True)
        .select_related("track__release__artist", "track__artist", "order")
        .order_by("track__release__title", "track__disc_number", "track__position", "format_id")
    )
    groups: dict = defaultdict(list)
    for e in entitlements:
        groups[(e.track.release, e.format_id, e.order_id)].append(e)
    return [
        {
            "release": release,
            "format_id": format_id,
            "zip": release_link(
                customer_id=customer.pk,
                order_id=order_id,
                release=release,
                format_id=format_id,
                owner=customer,
            ),
            "tracks": [(e, track_link(e, owner=customer)) for e in items],
        }
        for (release, format_id, order_id), items in groups.items()
    ]
