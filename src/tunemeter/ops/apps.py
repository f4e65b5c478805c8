"""Register the ops app: the top floor, which nothing imports."""

from __future__ import annotations

from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "tunemeter.ops"
    label = "ops"
    verbose_name = "Operations"
