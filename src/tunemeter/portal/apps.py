"""Register the rights holder's portal."""

from __future__ import annotations

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "tunemeter.portal"
    label = "portal"
    verbose_name = "Rights holder portal"
