"""Read the library: what a customer owns."""

from __future__ import annotations

from collections import defaultdict

from tunemeter.library.models import Entitlement


def owned_formats(*, customer, track_ids: list[int]) -> dict[int, set[str]]:
    """Return, per track id, the formats the customer holds a live entitlement to."""
    owned: dict[int, set[str]] = defaultdict(set)
    rows = Entitlement.objects.filter(
        customer=customer, track_id__in=track_ids, revoked_at__isnull=True
    ).values_list("track_id", "format_id")
    for track_id, format_id in rows:
        owned[track_id].add(format_id)
    return owned
