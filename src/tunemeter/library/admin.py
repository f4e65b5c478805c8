"""Entitlements in the admin: staff only look (orders grant them, refunds revoke them)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet

from tunemeter.library.models import Entitlement


class TimestampSetFilter(admin.SimpleListFilter):
    """Filter rows by whether a timestamp field is set (redeemed, revoked)."""

    title = "state"
    parameter_name = "state"
    field = ""
    labels = ("", "")

    def lookups(self, request, model_admin):
        return [("yes", self.labels[0]), ("no", self.labels[1])]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        if self.value() in ("yes", "no"):
            return queryset.filter(**{f"{self.field}__isnull": self.value() == "no"})
        return queryset


class RevokedFilter(TimestampSetFilter):
    field, labels = "revoked_at", ("revoked", "active")


class EntitlementInline(admin.TabularInline):
    model = Entitlement
    fields = ["track", "format_id", "revoked_at", "created_at"]
    readonly_fields = fields
    can_delete = False
    extra = 0

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Entitlement)
class EntitlementAdmin(admin.ModelAdmin):
    list_display = [
        "customer",
        "track",
        "release",
        "format_id",
        "order",
        "revoked_at",
        "created_at",
    ]
    list_filter = [RevokedFilter, "format_id", "created_at"]
    list_select_related = ["customer", "track__release", "order"]
    search_fields = ["customer__email", "track__title", "track__release__title", "track__isrc"]

    @admin.display(description="release", ordering="track__release__title")
    def release(self, obj: Entitlement) -> str:
        return obj.track.release.title

    # Entitlements come from paid orders and refunds revoke them: staff only look.
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
