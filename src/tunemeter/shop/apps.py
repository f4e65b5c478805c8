"""Register the shop app."""

from __future__ import annotations

from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "tunemeter.shop"
    label = "shop"
    verbose_name = "Shop"
