"""Register the ops app: the top floor, which nothing imports."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "tunemeter.ops"
    label = "ops"
    verbose_name = _("Operations")
