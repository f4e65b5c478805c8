"""Rights holders' money in the admin: balances (payable, in escrow, paid out) and statements.

The rights app registers holders; royalties, which computes their money, re-registers
the same admin with these columns and the statement page added.
"""

from __future__ import annotations

from django.contrib import admin
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
from tunemeter.rights.admin.holders import RightsHolderAdmin
from tunemeter.rights.models import RightsHolder
from tunemeter.royalties.balances import holder_balances
from tunemeter.royalties.exports import statement_csv_stream, statement_html
from tunemeter.royalties.periods import period_parse
from tunemeter.royalties.reports import dsr_for_holder


def _balances_text(holder: RightsHolder, name: str) -> str:
    # Computed once per row: three columns read the same balances.
    cached = vars(holder)
    if "_balances" not in cached:
        cached["_balances"] = holder_balances(holder=holder)
    parts = [
        micro_format(values[name], currency)
        for currency, values in sorted(cached["_balances"].items())
        if values[name]
    ]
    return ", ".join(parts) or "–"


class HolderMoneyAdmin(RightsHolderAdmin):
    list_display = [
        "name", "kind", "ipi", "isni", "dpid", "payable", "escrow", "statements", "created_at",
    ]  # fmt: skip
    readonly_fields = ["payable", "escrow", "paid_out", "created_at"]

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


admin.site.unregister(RightsHolder)
admin.site.register(RightsHolder, HolderMoneyAdmin)
