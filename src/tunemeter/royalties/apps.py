"""Register the royalties app, and release escrow whenever rights registers a mandate."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from tunemeter.rights.signals import mandate_registered


class RoyaltiesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tunemeter.royalties"
    verbose_name = _("Royalties")

    def ready(self) -> None:
        from tunemeter.royalties.services import escrow_release_on_mandate

        # Services import models, which load only after every app config: import here.
        mandate_registered.connect(escrow_release_on_mandate, dispatch_uid="royalties-escrow")
