"""Answer /healthz (database, storage, broker) and /metrics (Prometheus exposition)."""

from __future__ import annotations

import hmac
import logging

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_safe

from tunemeter import storage
from tunemeter.jobs import broker_check
from tunemeter.observability.metrics import metrics_render

logger = logging.getLogger(__name__)


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _storage() -> str:
    storage.storage_root()
    storage.backend().check()
    return f"ok ({storage.backend().name})"


@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """Return 200 when the database, storage and job broker answer, else 503 naming the failure."""
    checks, healthy = {}, True
    for name, probe in (("database", _database), ("storage", _storage), ("broker", broker_check)):
        try:
            checks[name] = probe()
        except Exception as exc:  # noqa: BLE001 - any failure is the answer
            healthy = False
            checks[name] = f"error: {type(exc).__name__}"
            logger.warning("health check failed check=%s error=%s", name, exc)
    response = JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503
    )
    response["Cache-Control"] = "no-store"
    return response


def _metrics_allowed(request: HttpRequest) -> bool:
    """Allow a bearer of METRICS_TOKEN, or (no token set) a direct loopback client only."""
    if settings.METRICS_TOKEN:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        return hmac.compare_digest(given.encode(), settings.METRICS_TOKEN.encode())
    forwarded = request.headers.get("X-Forwarded-For") or request.headers.get("X-Real-IP")
    return not forwarded and request.META.get("REMOTE_ADDR") in {"127.0.0.1", "::1"}


@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    """Return every metric in Prometheus text format (403 to anyone not allowed)."""
    if not _metrics_allowed(request):
        return HttpResponse("Forbidden", status=403, content_type="text/plain")
    body, content_type = metrics_render()
    response = HttpResponse(body, content_type=content_type)
    response["Cache-Control"] = "no-store"
    return response
