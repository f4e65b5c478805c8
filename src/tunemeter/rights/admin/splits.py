"""Splits (edited whole, through split_set) and takedowns in the admin."""

from __future__ import annotations

import logging

from django import forms
from django.contrib import admin, messages

from tunemeter.rights.admin.base import RecordAdmin, adopt, service_check
from tunemeter.rights.exceptions import RightsError
from tunemeter.rights.models import RightsHolder, Split, Takedown
from tunemeter.rights.services import (
    split_set,
    takedown_confirm,
    takedown_create,
    takedown_lift,
)

logger = logging.getLogger(__name__)
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
    list_display = [
        "id", "subject", "territories", "effective_at", "ends_at", "status", "holder",
        "requested_by",
    ]  # fmt: skip
    list_filter = ["effective_at", "confirmed_at", "ends_at"]
    actions = ["confirm", "lift"]
    list_select_related = ["release", "track", "holder", "requested_by"]
    search_fields = ["release__title", "track__title", "track__isrc", "holder__name", "reason"]
    autocomplete_fields = ["holder"]
    raw_id_fields = ["release", "track"]
    date_hierarchy = "effective_at"

    @admin.display(description="release or track")
    def subject(self, obj: Takedown) -> str:
        return f"track {obj.track}" if obj.track_id else str(obj.release)

    @admin.display(description="status")
    def status(self, obj: Takedown) -> str:
        if obj.ends_at:
            return f"lifted from {obj.ends_at:%Y-%m-%d %H:%M} UTC ({obj.lift_reason})"
        return "in force" if obj.confirmed_at else "requested: awaiting confirmation"

    @admin.action(description="Confirm the selected takedown requests (from now on)")
    def confirm(self, request, queryset) -> None:
        for takedown in queryset:
            takedown_confirm(takedown=takedown, confirmed_by=request.user)
        self.message_user(request, f"{queryset.count()} takedowns in force.")

    @admin.action(description="Lift the selected takedowns from now on (the past stays)")
    def lift(self, request, queryset) -> None:
        reason = f"lifted by staff {request.user.get_username()}"
        for takedown in queryset:
            try:
                takedown_lift(takedown=takedown, lifted_by=request.user, reason=reason)
            except RightsError as exc:
                self.message_user(request, str(exc), level=messages.ERROR)
                return
        self.message_user(request, f"{queryset.count()} takedowns lifted from now on.")

    def save_model(self, request, obj: Takedown, form: TakedownForm, change: bool) -> None:
        takedown = takedown_create(**form.service_kwargs(requested_by=request.user))
        adopt(obj, takedown)
        logger.info("admin takedown staff=%s takedown=%s", request.user.pk, takedown.pk)
