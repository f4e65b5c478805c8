"""Register the shop app."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShopConfig(AppConfig):
    name = "tunemeter.shop"
    label = "shop"
    verbose_name = _("Shop")
