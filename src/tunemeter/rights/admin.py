"""Rights in the admin: holders, mandates, deals, splits and takedowns, written through services.

Mandates, deals and takedowns are records: staff add them (through the services, so a
new mandate releases escrow and a deal is checked as the services check it) and then
only look. A deal changes only by the actions "End-date…" and "Replace with new terms…".
A split is edited as a whole (all co-owners of one right) and saved through `split_set`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import (
    FileResponse,
    HttpResponse,
    HttpResponseBadRequest,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404
from django.template import engines
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from tunemeter.ledger.units import micro_format
from tunemeter.rights.exceptions import RightsError
from tunemeter.rights.models import Deal, Mandate, RightsHolder, Split, Takedown
from tunemeter.rights.services import (
    TERMS_PRESETS,
    deal_create,
    deal_end,
    deal_replace,
    mandate_register,
    split_set,
    takedown_create,
)
from tunemeter.royalties.balances import holder_balances

logger = logging.getLogger(__name__)


class _Undo(Exception):
    """Raised inside a savepoint to undo a service call made only to check it."""


def service_check(call: Callable[[], object], errors: tuple[type[Exception], ...] = ()) -> None:
    """Run a service call in a savepoint and undo it; raise its refusal as a form error.

    Forms check with the service itself, so the admin shows exactly the service's rules
    (never a copy of them) as form errors; the real call happens when the form is saved.
    """
    try:
        with transaction.atomic():
            call()
            raise _Undo
    except _Undo:
        return
    except ValidationError as exc:
        raise forms.ValidationError(exc.messages) from None
    except (RightsError, *errors) as exc:
        raise forms.ValidationError(str(exc)) from None


def adopt(obj, saved) -> None:
    """Make the admin's unsaved form instance stand for the row a service saved."""
    for field in saved._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding = False


class RecordAdmin(admin.ModelAdmin):
    """Rows staff add through a service and afterwards only look at."""

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            # A recorded row is shown, every field read-only; its add form never applies.
            kwargs.update(form=forms.ModelForm, fields=[])
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is not None:
            return [f.name for f in self.model._meta.concrete_fields if f.name != "id"]
        return super().get_fields(request, obj)


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
        response["Content-Disposition"] = f'attachment; filename="{name}"'
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


# ---------------------------------------------------------------------------- splits

SPLIT_SLOTS = 10


def _slot_fields() -> dict[str, forms.Field]:
    fields: dict[str, forms.Field] = {}
    for i in range(1, SPLIT_SLOTS + 1):
        fields[f"holder_{i}"] = forms.ModelChoiceField(
            RightsHolder.objects.all(), required=False, label=f"co-owner {i}"
        )
        fields[f"share_bps_{i}"] = forms.IntegerField(
            required=False, min_value=1, max_value=10_000, label=f"share {i} (bps)"
        )
    return fields


# The co-owner slots, declared on a form class so the admin knows them as form fields.
SplitSlots = type("SplitSlots", (forms.Form,), _slot_fields())


class SplitForm(forms.ModelForm, SplitSlots):
    """All co-owners of one right of a track (or a release's default), saved by split_set."""

    class Meta:
        model = Split
        fields = ["release", "track", "right_type"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            current = Split.objects.filter(
                release_id=self.instance.release_id,
                track_id=self.instance.track_id,
                right_type=self.instance.right_type,
            ).order_by("-share_bps", "holder_id")
            for i, split in enumerate(current, start=1):
                self.initial.setdefault(f"holder_{i}", split.holder_id)
                self.initial.setdefault(f"share_bps_{i}", split.share_bps)

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        shares = [
            (data[f"holder_{i}"], data[f"share_bps_{i}"])
            for i in range(1, SPLIT_SLOTS + 1)
            if data.get(f"holder_{i}") is not None
        ]
        if self.instance.pk:  # subject and right are read-only once a split exists
            release, track = self.instance.release, self.instance.track
            right_type = self.instance.right_type
        else:
            release, track = data.get("release"), data.get("track")
            right_type = data.get("right_type")
        return {"right_type": right_type, "shares": shares, "release": release, "track": track}

    def clean(self) -> dict:
        data = super().clean()
        for i in range(1, SPLIT_SLOTS + 1):
            if (data.get(f"holder_{i}") is None) != (data.get(f"share_bps_{i}") is None):
                self.add_error(f"share_bps_{i}", "Give both the co-owner and the share.")
        if not self.errors:
            service_check(lambda: split_set(**self.service_kwargs()))
        return data


@admin.register(Split)
class SplitAdmin(admin.ModelAdmin):
    form = SplitForm
    list_display = ["subject", "right_type", "holder", "share"]
    list_filter = ["right_type"]
    list_select_related = ["holder", "release", "track__release"]
    search_fields = [
        "holder__name",
        "release__title",
        "release__upc",
        "track__title",
        "track__isrc",
    ]
    raw_id_fields = ["release", "track"]
    ordering = ["release_id", "track_id", "right_type", "-share_bps"]

    def get_fieldsets(self, request, obj=None):
        slots = [(f"holder_{i}", f"share_bps_{i}") for i in range(1, SPLIT_SLOTS + 1)]
        return [
            (None, {"fields": ["release", "track", "right_type"]}),
            (
                "Co-owners (shares in basis points, summing to exactly 10,000)",
                {"fields": slots},
            ),
        ]

    def get_readonly_fields(self, request, obj=None):
        # A split is replaced as a whole for its subject and right; moving it is a new split.
        return ["release", "track", "right_type"] if obj is not None else []

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="release or track")
    def subject(self, obj: Split) -> str:
        return f"track {obj.track} ({obj.track.release})" if obj.track_id else str(obj.release)

    @admin.display(description="share", ordering="share_bps")
    def share(self, obj: Split) -> str:
        return f"{obj.share_bps / 100:.2f}%"

    def save_model(self, request, obj: Split, form: SplitForm, change: bool) -> None:
        kwargs = form.service_kwargs()
        splits = split_set(**kwargs)
        first = Split.objects.get(
            right_type=kwargs["right_type"],
            holder=splits[0].holder,
            release=kwargs["release"],
            track=kwargs["track"],
        )
        adopt(obj, first)
        logger.info(
            "admin split set staff=%s right=%s holders=%d",
            request.user.pk,
            kwargs["right_type"],
            len(splits),
        )


# ---------------------------------------------------------------------------- takedowns


class TakedownForm(forms.ModelForm):
    class Meta:
        model = Takedown
        fields = ["release", "track", "territories", "effective_at", "holder", "reason"]

    def service_kwargs(self, requested_by=None) -> dict:
        return {**self.cleaned_data, "requested_by": requested_by}

    def clean(self) -> dict:
        data = super().clean()
        if not self.errors:
            service_check(lambda: takedown_create(**self.service_kwargs()))
        return data


@admin.register(Takedown)
class TakedownAdmin(RecordAdmin):
    form = TakedownForm
    list_display = ["id", "subject", "territories", "effective_at", "holder", "requested_by"]
    list_filter = ["effective_at"]
    list_select_related = ["release", "track", "holder", "requested_by"]
    search_fields = ["release__title", "track__title", "track__isrc", "holder__name", "reason"]
    autocomplete_fields = ["holder"]
    raw_id_fields = ["release", "track"]
    date_hierarchy = "effective_at"

    @admin.display(description="release or track")
    def subject(self, obj: Takedown) -> str:
        return f"track {obj.track}" if obj.track_id else str(obj.release)

    def save_model(self, request, obj: Takedown, form: TakedownForm, change: bool) -> None:
        takedown = takedown_create(**form.service_kwargs(requested_by=request.user))
        adopt(obj, takedown)
        logger.info("admin takedown staff=%s takedown=%s", request.user.pk, takedown.pk)
