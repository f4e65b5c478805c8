"""Register the customers app."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "tunemeter.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from tunemeter.customers.signin import on_user_logged_in

        user_logged_in.connect(on_user_logged_in, dispatch_uid="customers.signin_failures_clear")
