"""Register the transcoding app."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TranscodingConfig(AppConfig):
    name = "tunemeter.transcoding"
    label = "transcoding"
    verbose_name = _("Transcoding")
