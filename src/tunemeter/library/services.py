"""Grant and revoke entitlements (checkout grants them, a refund revokes them)."""

from __future__ import annotations

import logging

from django.utils import timezone

from tunemeter.library.models import Entitlement

logger = logging.getLogger(__name__)


def entitlements_grant(*, order, lines) -> None:
    """Give the buyer the right to download every line's track in its format."""
    for line in lines:
        entitlement, created = Entitlement.objects.get_or_create(
            customer_id=order.customer_id,
            track_id=line.track_id,
            format_id=line.item.format_id,
            defaults={"order": order},
        )
        if not created and entitlement.revoked_at is not None:
            # Bought again after a refund: the right comes back with the new order.
            Entitlement.objects.filter(pk=entitlement.pk).update(revoked_at=None, order=order)


def entitlements_revoke(*, order) -> int:
    """Revoke the live entitlements an order granted; return how many were revoked."""
    revoked = Entitlement.objects.filter(order=order, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    logger.info("entitlements revoked order=%s count=%d", order.pk, revoked)
    return revoked
