"""Read the library: what a customer owns."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import QuerySet

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


def entitlements_live(
    *, customer, release_id: int | None = None, format_id: str | None = None
) -> QuerySet[Entitlement]:
    """Return the customer's live entitlements with track, release and artist."""
    qs = Entitlement.objects.filter(customer=customer, revoked_at__isnull=True).select_related(
        "track__release", "track__artist"
    )
    if release_id is not None:
        qs = qs.filter(track__release_id=release_id)
    if format_id:
        qs = qs.filter(format_id=format_id)
    return qs
