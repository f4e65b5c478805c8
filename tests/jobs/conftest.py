"""Reuse the transcoding fixtures (tracks made from generated masters)."""

from __future__ import annotations

from tests.transcoding.conftest import track_factory  # noqa: F401
