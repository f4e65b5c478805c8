"""Answer URLs under /api/v1/ that no route matches, in the API's error shape."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from tunemeter.api.v1.errors import error_response


@csrf_exempt
def not_found(request: HttpRequest) -> HttpResponse:
    """Return 404 for an unknown API path."""
    return error_response(404, "no such endpoint")
