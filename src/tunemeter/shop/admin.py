"""Orders (with a refund action, showing their entitlements), gift codes and card top-ups
in the admin."""

from __future__ import annotations

import logging

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db.models import QuerySet

from tunemeter.ledger.admin import ReadOnly, money_column
from tunemeter.library.admin import EntitlementInline, TimestampSetFilter
from tunemeter.shop.models import CardTopUp, GiftCode, Order, WebhookEvent
from tunemeter.shop.services import order_refund

logger = logging.getLogger(__name__)


class RefundActionForm(ActionForm):
    """The changelist's action bar, with the reason a refund is recorded with."""

    reason = forms.CharField(
        required=False,
        max_length=200,
        label="Reason (for refunds)",
        widget=forms.TextInput(attrs={"placeholder": "why these orders are refunded"}),
    )


class RedeemedFilter(TimestampSetFilter):
    field, labels = "redeemed_at", ("redeemed", "not redeemed")


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["id", "customer", "total", "status", "created_at"]
    total = money_column("total_minor", "total")
    list_filter = ["status", "currency", "created_at"]
    list_select_related = ["customer"]
    search_fields = ["id", "customer__email", "idempotency_key", "transfer_id"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "customer",
        "quote",
        "idempotency_key",
        "total",
        "transfer_id",
        "status",
        "created_at",
    ]
    inlines = [EntitlementInline]
    action_form = RefundActionForm
    actions = ["refund"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # An order is a record of a payment: a refund reverses it, nothing deletes it.
        return False

    @admin.action(description="Refund selected orders (reverse payment, revoke downloads)")
    def refund(self, request, queryset: QuerySet[Order]) -> None:
        reason = request.POST.get("reason", "").strip()
        if not reason:
            messages.error(request, "Give a reason for the refund; nothing was refunded.")
            return
        refunded = skipped = 0
        for order in queryset.order_by("pk"):
            if order.status == Order.REFUNDED:
                skipped += 1
                continue
            order_refund(order=order, staff=request.user, reason=reason)
            refunded += 1
        logger.info(
            "admin refund staff=%s refunded=%s skipped=%s", request.user.pk, refunded, skipped
        )
        text = f"Refunded {refunded} order{'s' if refunded != 1 else ''}."
        if skipped:
            text += f" {skipped} already refunded, left as they were."
        messages.success(request, text)


@admin.register(GiftCode)
class GiftCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "amount", "redeemed_by", "redeemed_at", "created_at"]
    amount = money_column("amount_minor", "amount")
    list_filter = [RedeemedFilter, "currency", "created_at"]
    list_select_related = ["redeemed_by"]
    search_fields = ["code", "redeemed_by__email"]
    readonly_fields = ["redeemed_by", "redeemed_at"]

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        # A redeemed code has become a ledger transfer: its value is history.
        if obj is not None and obj.redeemed_at is not None:
            return ["code", "amount_minor", "currency", *self.readonly_fields]
        return list(self.readonly_fields)

    def has_delete_permission(self, request, obj=None) -> bool:
        return obj is None or obj.redeemed_at is None


@admin.register(CardTopUp)
class CardTopUpAdmin(ReadOnly):
    """Card top-ups as the webhooks left them: money moves only through the ledger."""

    list_display = [
        "payment_intent_id", "customer", "amount_minor", "currency", "status",
        "refunded_minor", "disputed_minor", "card_country", "created_at",
    ]  # fmt: skip
    list_filter = ["status", "currency"]
    list_select_related = ["customer"]
    search_fields = ["payment_intent_id", "customer__email"]


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnly):
    list_display = ["event_id", "type", "outcome", "received_at"]
    list_filter = ["type"]
    search_fields = ["event_id", "outcome"]
