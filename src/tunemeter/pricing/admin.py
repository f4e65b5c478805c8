"""Edit rates and discounts in the admin; show quotes read-only."""

from __future__ import annotations

from django.contrib import admin

from tunemeter.pricing.models import FormatRate, Quote, QuoteItem, ReleaseDiscount
from tunemeter.transcoding.formats import FORMATS


@admin.register(FormatRate)
class FormatRateAdmin(admin.ModelAdmin):
    list_display = ["format_id", "label", "rate_minor_per_mb", "updated_at"]
    ordering = ["format_id"]

    @admin.display(description="format")
    def label(self, obj: FormatRate) -> str:
        fmt = FORMATS.get(obj.format_id)
        return fmt.label if fmt else "unknown format"


@admin.register(ReleaseDiscount)
class ReleaseDiscountAdmin(admin.ModelAdmin):
    list_display = ["release", "percent"]
    raw_id_fields = ["release"]
    search_fields = ["release__title"]


class QuoteItemInline(admin.TabularInline):
    model = QuoteItem
    can_delete = False
    extra = 0
    fields = [
        "track",
        "release",
        "format_id",
        "size_bytes",
        "exact",
        "price_minor",
        "owned",
        "available",
    ]
    readonly_fields = fields


@admin.register(Quote)
class QuoteAdmin(admin.ModelAdmin):
    list_display = ["id", "customer", "total_minor", "currency", "created_at", "expires_at"]
    readonly_fields = [
        "customer",
        "currency",
        "territory",
        "total_minor",
        "created_at",
        "expires_at",
    ]
    inlines = [QuoteItemInline]

    def has_add_permission(self, request) -> bool:
        return False
