"""Expose the ASGI application for uvicorn."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tunemeter.settings")
django_application = get_asgi_application()

from tunemeter.bodylimit import BodyLimit  # noqa: E402 - needs the settings configured above

application = BodyLimit(django_application)
