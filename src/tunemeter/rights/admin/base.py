"""Share the rights admin's helpers: run a service as a form check, adopt what it saved,
and read-only records."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction

from tunemeter.rights.exceptions import RightsError

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
