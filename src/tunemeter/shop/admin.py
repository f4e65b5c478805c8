"""Orders (with a refund action), entitlements and gift codes in the admin."""

from __future__ import annotations

from django.contrib import admin, messages

from tunemeter.shop.models import Entitlement, GiftCode, Order
from tunemeter.shop.services import order_refund


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["id", "customer", "total_minor", "currency", "status", "created_at"]
    list_filter = ["status", "currency"]
    search_fields = ["customer__email", "idempotency_key", "transfer_id"]
    readonly_fields = [
        "customer",
        "quote",
        "idempotency_key",
        "total_minor",
        "currency",
        "transfer_id",
        "status",
        "created_at",
    ]
    actions = ["refund"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Refund the selected orders (reverse payment, revoke downloads)")
    def refund(self, request, queryset) -> None:
        for order in queryset:
            order_refund(order=order, staff=request.user, reason=f"admin refund by {request.user}")
        messages.success(request, f"Refunded {queryset.count()} orders.")


@admin.register(Entitlement)
class EntitlementAdmin(admin.ModelAdmin):
    list_display = ["customer", "track", "format_id", "order", "revoked_at", "created_at"]
    list_filter = ["format_id"]
    search_fields = ["customer__email", "track__title"]
    raw_id_fields = ["customer", "track", "order"]


@admin.register(GiftCode)
class GiftCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "amount_minor", "currency", "redeemed_by", "redeemed_at", "created_at"]
    list_filter = ["currency"]
    search_fields = ["code"]
    readonly_fields = ["redeemed_by", "redeemed_at"]
