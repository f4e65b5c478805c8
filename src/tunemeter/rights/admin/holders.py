"""Rights holders (with balances and statements) and mandates in the admin."""

from __future__ import annotations

import logging

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import (
    FileResponse,
    HttpResponse,
    HttpResponseBadRequest,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from tunemeter.httputil import content_disposition
from tunemeter.ledger.units import micro_format
from tunemeter.rights.admin.base import RecordAdmin, adopt
from tunemeter.rights.models import Mandate, RightsHolder
from tunemeter.rights.services import (
    mandate_register,
)
from tunemeter.royalties.balances import holder_balances

logger = logging.getLogger(__name__)
# ---------------------------------------------------------------------------- holders


def _balances_text(holder: RightsHolder, name: str) -> str:
    if not hasattr(holder, "_balances"):
        holder._balances = holder_balances(holder=holder)
    parts = [
        micro_format(values[name], currency)
        for currency, values in sorted(holder._balances.items())
        if values[name]
    ]
    return ", ".join(parts) or "–"


@admin.register(RightsHolder)
class RightsHolderAdmin(admin.ModelAdmin):
    list_display = [
        "name", "kind", "ipi", "isni", "dpid", "payable", "escrow", "statements", "created_at",
    ]  # fmt: skip
    list_filter = ["kind", "currency"]
    search_fields = ["name", "ipi", "isni", "dpid", "contact_email"]
    readonly_fields = ["payable", "escrow", "paid_out", "created_at"]
    filter_horizontal = ["users"]

    @admin.display(description="payable")
    def payable(self, obj: RightsHolder) -> str:
        return _balances_text(obj, "payable_micro")

    @admin.display(description="in escrow")
    def escrow(self, obj: RightsHolder) -> str:
        return _balances_text(obj, "escrow_micro")

    @admin.display(description="paid out")
    def paid_out(self, obj: RightsHolder) -> str:
        return _balances_text(obj, "paid_out_micro")

    @admin.display(description="statements")
    def statements(self, obj: RightsHolder) -> str:
        url = reverse("admin:rights_rightsholder_statement", args=[obj.pk])
        return format_html('<a href="{}">statements</a>', url)

    def get_urls(self):
        own = [
            path(
                "<int:holder_id>/statement/",
                self.admin_site.admin_view(self.statement_view),
                name="rights_rightsholder_statement",
            )
        ]
        return own + super().get_urls()

    def statement_view(self, request, holder_id: int):
        """Show a holder's statement for ?period= as HTML, or download it (CSV or DSR)."""
        from tunemeter.royalties.exports import statement_csv_stream, statement_html
        from tunemeter.royalties.periods import period_parse
        from tunemeter.royalties.reports import dsr_for_holder

        if not self.has_view_permission(request):
            raise PermissionDenied
        holder = get_object_or_404(RightsHolder, pk=holder_id)
        text = request.GET.get("period") or f"{timezone.now():%Y-%m}"
        try:
            period = period_parse(text)
        except ValueError as exc:
            return HttpResponseBadRequest(str(exc))
        kind = request.GET.get("format", "html")
        if kind == "csv":
            response = StreamingHttpResponse(
                statement_csv_stream(holder=holder, period=period), content_type="text/csv"
            )
            name = f"statement_{period.name}_holder{holder.pk}.csv"
        elif kind == "dsr":
            name, handle = dsr_for_holder(holder=holder, period=period)
            response = FileResponse(handle, content_type="text/tab-separated-values")
        else:
            page = statement_html(holder=holder, period=period)
            links = format_html(
                '<p style="font:13px system-ui;margin:1em 2em">Period <b>{}</b> · '
                '<a href="?period={}&amp;format=csv">CSV</a> · '
                '<a href="?period={}&amp;format=dsr">DDEX DSR</a> · '
                'another period: <form style="display:inline" method="get">'
                '<input name="period" value="{}" size="8" aria-label="period">'
                "<button>show</button></form></p>",
                period.name,
                period.name,
                period.name,
                period.name,
            )
            return HttpResponse(page.replace("<body>", "<body>" + links, 1))
        response["Content-Disposition"] = content_disposition(name)
        return response


# ---------------------------------------------------------------------------- mandates


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
