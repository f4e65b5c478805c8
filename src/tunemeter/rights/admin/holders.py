"""Rights holders and mandates in the admin (royalties adds holders' money and statements)."""

from __future__ import annotations

import logging

from django.contrib import admin, messages

from tunemeter.ledger.units import micro_format
from tunemeter.rights.admin.base import RecordAdmin, adopt
from tunemeter.rights.models import Mandate, RightsHolder
from tunemeter.rights.services import mandate_register

logger = logging.getLogger(__name__)
# ---------------------------------------------------------------------------- holders


@admin.register(RightsHolder)
class RightsHolderAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "ipi", "isni", "dpid", "created_at"]
    list_filter = ["kind", "currency"]
    search_fields = ["name", "ipi", "isni", "dpid", "contact_email"]
    readonly_fields = ["created_at"]
    filter_horizontal = ["users"]


@admin.register(Mandate)
class MandateAdmin(RecordAdmin):
    list_display = ["holder", "right_type", "territories", "starts_at", "ends_at", "reference"]
    list_filter = ["right_type", "starts_at"]
    list_select_related = ["holder"]
    search_fields = ["holder__name", "holder__dpid", "reference", "territories"]
    autocomplete_fields = ["holder"]
    fields = ["holder", "right_type", "territories", "starts_at", "ends_at", "reference"]

    def save_model(self, request, obj: Mandate, form, change: bool) -> None:
        mandate = mandate_register(
            holder=obj.holder,
            right_type=obj.right_type,
            territories=obj.territories,
            starts_at=obj.starts_at,
            ends_at=obj.ends_at,
            reference=obj.reference,
        )
        adopt(obj, mandate)
        released = list(mandate.releases.all())
        for release in released:
            messages.info(
                request,
                f"Released {micro_format(release.amount_micro, release.currency)} "
                f"from escrow to {mandate.holder}.",
            )
        logger.info("admin mandate staff=%s mandate=%s", request.user.pk, mandate.pk)
