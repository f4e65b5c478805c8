"""Edit rates and discounts in the admin; show quotes read-only."""

from __future__ import annotations

from django.contrib import admin

from tunemeter.ledger.admin import money_column
from tunemeter.pricing.models import FormatRate, Quote, QuoteItem, ReleaseDiscount
from tunemeter.transcoding.formats import FORMATS


@admin.register(FormatRate)
class FormatRateAdmin(admin.ModelAdmin):
    list_display = ["format_id", "label", "rate_minor_per_mb", "updated_at"]
    # Rates are one number each: staff change them straight from the list.
    list_editable = ["rate_minor_per_mb"]
    search_fields = ["format_id"]
    ordering = ["format_id"]

    @admin.display(description="format")
    def label(self, obj: FormatRate) -> str:
        fmt = FORMATS.get(obj.format_id)
        return fmt.label if fmt else "unknown format"


@admin.register(ReleaseDiscount)
class ReleaseDiscountAdmin(admin.ModelAdmin):
    list_display = ["release", "artist", "percent"]
    list_filter = ["percent"]
    list_select_related = ["release__artist"]
    raw_id_fields = ["release"]
    search_fields = ["release__title", "release__artist__name", "release__upc"]

    @admin.display(description="artist", ordering="release__artist__name")
    def artist(self, obj: ReleaseDiscount) -> str:
        return obj.release.artist.name


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
        "discount",
        "credit",
        "price",
        "owned",
        "available",
        "unavailable_reason",
        "floor_minor",
        "raised_minor",
        "covered_by",
    ]
    readonly_fields = fields
    discount = money_column("discount_minor", "discount")
    credit = money_column("credit_minor", "credit for formats already paid")
    price = money_column("price_minor", "price")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Quote)
class QuoteAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "customer",
        "territory",
        "total",
        "created_at",
        "expires_at",
    ]
    total = money_column("total_minor", "total")
    list_filter = ["currency", "territory", "created_at"]
    list_select_related = ["customer"]
    search_fields = ["id", "customer__email"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "customer",
        "currency",
        "territory",
        "total",
        "created_at",
        "expires_at",
    ]
    inlines = [QuoteItemInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        # A quote's prices are what the customer saw: they are never edited.
        return False
