"""Reuse the transcoding and delivery fixtures (tracks, a live server, a purchase)."""

from __future__ import annotations

from tests.delivery.conftest import asgi_server, purchase  # noqa: F401
from tests.transcoding.conftest import track_factory  # noqa: F401
