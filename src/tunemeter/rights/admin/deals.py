"""Deals in the admin: added through deal_create, then only end-dated or replaced."""

from __future__ import annotations

import logging

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import (
    HttpResponse,
)
from django.template import engines

from tunemeter.ledger.units import micro_format
from tunemeter.rights.admin.base import RecordAdmin, adopt, service_check
from tunemeter.rights.exceptions import RightsError
from tunemeter.rights.models import Deal
from tunemeter.rights.services import (
    TERMS_PRESETS,
    deal_create,
    deal_end,
    deal_replace,
)

logger = logging.getLogger(__name__)
# ---------------------------------------------------------------------------- deals


PRESET_CHOICES = [("", "none: the publishing terms below")] + [(p, p) for p in TERMS_PRESETS]
TERMS_NAMES = ("sr_share_bps", "sr_minimum_micro", "pub_share_bps", "pub_amount_micro")


def _terms_from(data: dict) -> dict:
    """Return deal_create's royalty-terms arguments from cleaned form data."""
    terms = {name: data.get(name) or 0 for name in TERMS_NAMES}
    terms["pub_amount_per"] = data.get("pub_amount_per") or Deal.PER_TRACK
    if data.get("preset"):
        terms["preset"] = data["preset"]
    return terms


def _check_preset(form: forms.Form, data: dict) -> None:
    if data.get("preset") and (data.get("pub_share_bps") or data.get("pub_amount_micro")):
        form.add_error("preset", "Choose a preset or give publishing terms, not both.")


class DealAddForm(forms.ModelForm):
    """A new deal, checked by deal_create itself."""

    preset = forms.ChoiceField(choices=PRESET_CHOICES, required=False)

    class Meta:
        model = Deal
        fields = [
            "licensor",
            "release",
            "track",
            "territories",
            "starts_at",
            "ends_at",
            "sr_share_bps",
            "sr_minimum_micro",
            "preset",
            "pub_share_bps",
            "pub_amount_micro",
            "pub_amount_per",
            "reference",
        ]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "licensor": data["licensor"],
            "release": data.get("release"),
            "track": data.get("track"),
            "territories": data["territories"],
            "starts_at": data["starts_at"],
            "ends_at": data.get("ends_at"),
            "reference": data.get("reference", ""),
            **_terms_from(data),
        }

    def clean(self) -> dict:
        data = super().clean()
        _check_preset(self, data)
        if not self.errors:
            service_check(lambda: deal_create(**self.service_kwargs()))
        return data


class EndDateForm(forms.Form):
    ends_at = forms.DateTimeField(
        label="Ends at (UTC)", help_text="the first moment the deal no longer covers"
    )


class ReplaceForm(forms.Form):
    starts_at = forms.DateTimeField(
        label="New terms start at (UTC)", help_text="the old deal ends at this moment"
    )
    ends_at = forms.DateTimeField(label="New terms end at (UTC)", required=False)
    sr_share_bps = forms.IntegerField(min_value=0, max_value=10_000)
    sr_minimum_micro = forms.IntegerField(min_value=0, initial=0)
    preset = forms.ChoiceField(choices=PRESET_CHOICES, required=False)
    pub_share_bps = forms.IntegerField(min_value=0, max_value=10_000, initial=0)
    pub_amount_micro = forms.IntegerField(min_value=0, initial=0)
    pub_amount_per = forms.ChoiceField(
        choices=[(Deal.PER_TRACK, "per track"), (Deal.PER_MINUTE, "per minute")]
    )
    reference = forms.CharField(max_length=200, required=False)

    def clean(self) -> dict:
        data = super().clean()
        _check_preset(self, data)
        return data


# An action's intermediate page: the form, the deals it applies to, and the action again.
_ACTION_PAGE = """{% extends "admin/base_site.html" %}
{% block content %}<div id="content-main">
<p>{{ intro }}</p>
<ul>{% for deal in deals %}<li>{{ deal }} — starts {{ deal.starts_at|date:"c" }}
{% if deal.ends_at %}, ends {{ deal.ends_at|date:"c" }}{% endif %}</li>{% endfor %}</ul>
<form method="post">{% csrf_token %}
{{ form.non_field_errors }}
<table>{{ form.as_table }}</table>
{% for deal in deals %}<input type="hidden" name="_selected_action" value="{{ deal.pk }}">
{% endfor %}<input type="hidden" name="action" value="{{ action }}">
<div class="submit-row"><input type="submit" class="default" name="apply" value="{{ submit }}">
</div></form></div>{% endblock %}"""


@admin.register(Deal)
class DealAdmin(RecordAdmin):
    form = DealAddForm
    list_display = [
        "id",
        "subject",
        "licensor",
        "territories",
        "starts_at",
        "ends_at",
        "sr_share_bps",
        "publishing",
        "supersedes",
    ]
    list_filter = ["starts_at", "ends_at", "pub_amount_per"]
    list_select_related = ["licensor", "release", "track", "supersedes"]
    search_fields = [
        "licensor__name",
        "licensor__dpid",
        "release__title",
        "release__upc",
        "track__title",
        "track__isrc",
        "reference",
        "territories",
    ]
    autocomplete_fields = ["licensor"]
    raw_id_fields = ["release", "track"]
    date_hierarchy = "starts_at"
    actions = ["end_date", "replace"]

    @admin.display(description="release or track")
    def subject(self, obj: Deal) -> str:
        return f"track {obj.track}" if obj.track_id else str(obj.release)

    @admin.display(description="publishing")
    def publishing(self, obj: Deal) -> str:
        parts = []
        if obj.pub_share_bps:
            parts.append(f"{obj.pub_share_bps / 100:.2f}%")
        if obj.pub_amount_micro:
            parts.append(f"{micro_format(obj.pub_amount_micro)}/{obj.pub_amount_per}")
        return " or ".join(parts) or "–"

    def save_model(self, request, obj: Deal, form: DealAddForm, change: bool) -> None:
        deal = deal_create(**form.service_kwargs())
        adopt(obj, deal)
        logger.info("admin deal created staff=%s deal=%s", request.user.pk, deal.pk)

    def _action_page(self, request, *, form, deals, action, intro, submit) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": submit,
            "form": form,
            "deals": deals,
            "action": action,
            "intro": intro,
            "submit": submit,
            "opts": self.model._meta,
        }
        page = engines["django"].from_string(_ACTION_PAGE)
        return HttpResponse(page.render(context, request))

    @admin.action(description="End-date…")
    def end_date(self, request, queryset: QuerySet[Deal]):
        deals = list(queryset.select_related("licensor", "release", "track").order_by("pk"))
        form = EndDateForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            ends_at = form.cleaned_data["ends_at"]
            try:
                with transaction.atomic():
                    for deal in deals:
                        current = deal
                        deal_end(deal=deal, ends_at=ends_at)
            except RightsError as exc:
                form.add_error("ends_at", f"Deal {current.pk}: {exc}. No deal was changed.")
            else:
                logger.info(
                    "admin deals ended staff=%s deals=%s at=%s",
                    request.user.pk,
                    [d.pk for d in deals],
                    ends_at.isoformat(),
                )
                messages.success(request, f"End-dated {len(deals)} deal(s) at {ends_at}.")
                return None
        return self._action_page(
            request,
            form=form,
            deals=deals,
            action="end_date",
            intro="These deals will end at the moment you give (a deal already ending "
            "earlier keeps its end). Deals are never edited otherwise.",
            submit="End-date deals",
        )

    @admin.action(description="Replace with new terms…")
    def replace(self, request, queryset: QuerySet[Deal]):
        deals = list(queryset.select_related("licensor", "release", "track"))
        if len(deals) != 1:
            messages.error(request, "Select exactly one deal to replace.")
            return None
        (deal,) = deals
        initial = {name: getattr(deal, name) for name in (*TERMS_NAMES, "pub_amount_per")}
        initial["reference"] = deal.reference
        form = ReplaceForm(request.POST if "apply" in request.POST else None, initial=initial)
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            try:
                new = deal_replace(
                    deal=deal,
                    starts_at=data["starts_at"],
                    ends_at=data.get("ends_at"),
                    reference=data.get("reference", ""),
                    **_terms_from(data),
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            except RightsError as exc:
                form.add_error(None, str(exc))
            else:
                logger.info(
                    "admin deal replaced staff=%s old=%s new=%s", request.user.pk, deal.pk, new.pk
                )
                messages.success(
                    request, f"Deal {deal.pk} ends at {data['starts_at']}; deal {new.pk} "
                    "supersedes it with the new terms."
                )  # fmt: skip
                return None
        return self._action_page(
            request,
            form=form,
            deals=deals,
            action="replace",
            intro="The deal ends when the new terms start; the new terms become a new deal "
            "that supersedes it (same release or track, licensor and territories).",
            submit="Replace with new terms",
        )
