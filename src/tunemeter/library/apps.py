"""Register the library app (entitlements)."""

from __future__ import annotations

from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "tunemeter.library"
    label = "library"
    verbose_name = "Library"
