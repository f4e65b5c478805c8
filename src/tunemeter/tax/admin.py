"""Show tax lines in the admin, read-only: they are written with the ledger's transfers."""

from __future__ import annotations

from django.contrib import admin

from tunemeter.ledger.admin import ReadOnly
from tunemeter.tax.models import TaxLine


@admin.register(TaxLine)
class TaxLineAdmin(ReadOnly):
    list_display = ["at", "kind", "reference", "country", "rate_bps", "net_minor", "tax_minor"]
    list_filter = ["kind", "country"]
    search_fields = ["reference", "transfer_id"]
