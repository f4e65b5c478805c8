"""Register the transcoding app."""

from __future__ import annotations

from django.apps import AppConfig


class TranscodingConfig(AppConfig):
    name = "tunemeter.transcoding"
    label = "transcoding"
    verbose_name = "Transcoding"
