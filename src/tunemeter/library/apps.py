"""Register the library app (entitlements)."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LibraryConfig(AppConfig):
    name = "tunemeter.library"
    label = "library"
    verbose_name = _("Library")
