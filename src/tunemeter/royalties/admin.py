"""Royalties in the admin: royalty lines and escrow releases to look at, payouts to record.

Lines and releases come from checkouts, refunds and mandates: staff only look. A payout
is recorded through `payout_record` (never more than the payable balance; its refusal is
shown on the form) and is read-only afterwards.
"""

from __future__ import annotations

import logging

from django import forms
from django.conf import settings
from django.contrib import admin

from tunemeter.ledger.admin import ReadOnly
from tunemeter.ledger.units import micro_format, minor_format
from tunemeter.rights.admin import RecordAdmin, adopt, service_check
from tunemeter.royalties import holders_admin  # noqa: F401 - re-registers holders with money
from tunemeter.royalties.exceptions import RoyaltiesError
from tunemeter.royalties.models import EscrowRelease, Payout, RoyaltyLine
from tunemeter.royalties.services import payout_record

logger = logging.getLogger(__name__)


@admin.register(RoyaltyLine)
class RoyaltyLineAdmin(ReadOnly):
    list_display = [
        "id",
        "kind",
        "at",
        "holder",
        "track",
        "territory",
        "format_id",
        "right_type",
        "rate",
        "share",
        "amount",
        "escrowed",
        "escrow_release",
        "order",
    ]
    list_filter = [
        "kind",
        "escrowed",
        "right_type",
        "territory",
        ("holder", admin.RelatedOnlyFieldListFilter),
        "currency",
        "format_id",
    ]
    list_select_related = ["holder", "track", "order", "escrow_release"]
    search_fields = [
        "holder__name",
        "track__title",
        "track__isrc",
        "release__title",
        "release__upc",
        "transfer_id",
    ]
    date_hierarchy = "at"

    @admin.display(description="share", ordering="share_bps")
    def share(self, obj: RoyaltyLine) -> str:
        return f"{obj.share_bps / 100:.2f}%"

    @admin.display(description="amount", ordering="amount_micro")
    def amount(self, obj: RoyaltyLine) -> str:
        return micro_format(obj.amount_micro, obj.currency)


class ReleasedLineInline(admin.TabularInline):
    model = RoyaltyLine
    fk_name = "escrow_release"
    fields = ["kind", "at", "track", "territory", "right_type", "amount_micro", "order"]
    readonly_fields = fields
    can_delete = False
    extra = 0
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(EscrowRelease)
class EscrowReleaseAdmin(ReadOnly):
    list_display = ["id", "at", "holder", "mandate", "amount", "transfer_id"]
    list_filter = [("holder", admin.RelatedOnlyFieldListFilter), "currency"]
    list_select_related = ["holder", "mandate__holder"]
    search_fields = ["holder__name", "transfer_id"]
    date_hierarchy = "at"
    inlines = [ReleasedLineInline]

    @admin.display(description="amount", ordering="amount_micro")
    def amount(self, obj: EscrowRelease) -> str:
        return micro_format(obj.amount_micro, obj.currency)


class PayoutForm(forms.ModelForm):
    """A payout to record; payout_record itself decides whether the balance allows it."""

    staff = None  # the signed-in user, set per request by PayoutAdmin.get_form

    class Meta:
        model = Payout
        fields = ["holder", "amount_minor", "currency", "reference"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "currency" in self.fields:
            self.fields["currency"].initial = settings.STORE_CURRENCY

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "holder": data["holder"],
            "amount_minor": data["amount_minor"],
            "reference": data["reference"],
            "currency": data["currency"].upper(),
            "staff": self.staff,
        }

    def clean(self) -> dict:
        data = super().clean()
        if not self.errors:
            service_check(
                lambda: payout_record(**self.service_kwargs()),
                errors=(RoyaltiesError, PermissionError),
            )
        return data


@admin.register(Payout)
class PayoutAdmin(RecordAdmin):
    form = PayoutForm
    list_display = ["id", "paid_at", "holder", "amount", "reference", "recorded_by"]
    list_filter = [("holder", admin.RelatedOnlyFieldListFilter), "currency"]
    list_select_related = ["holder", "recorded_by"]
    search_fields = ["holder__name", "reference", "transfer_id"]
    autocomplete_fields = ["holder"]
    date_hierarchy = "paid_at"

    @admin.display(description="amount", ordering="amount_minor")
    def amount(self, obj: Payout) -> str:
        return minor_format(obj.amount_minor, obj.currency)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"staff": request.user})

    def save_model(self, request, obj: Payout, form: PayoutForm, change: bool) -> None:
        payout = payout_record(**form.service_kwargs())
        adopt(obj, payout)
        logger.info(
            "admin payout staff=%s holder=%s amount_minor=%d",
            request.user.pk,
            payout.holder_id,
            payout.amount_minor,
        )
