"""Errors raised by transcoding."""

from __future__ import annotations

from tunemeter.transcoding.containers import FormatTooLarge
from tunemeter.transcoding.source import RenderError

__all__ = ["EncoderBusy", "FormatTooLarge", "RenderError"]


class EncoderBusy(Exception):
    """Every encoder slot is taken; try again after `retry_after` seconds."""

    def __init__(self, retry_after: int = 5) -> None:
        super().__init__(f"all encoders are busy; retry in {retry_after} s")
        self.retry_after = retry_after
