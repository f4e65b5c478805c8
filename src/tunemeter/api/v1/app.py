"""Assemble /api/v1: the routers, the error shape for every failure, the docs page.

OpenAPI is at /api/v1/openapi.json; the interactive docs (/api/v1/docs) are Swagger UI
from django-ninja's bundled static files — no CDN — under a Content-Security-Policy
that allows nothing from elsewhere.
"""

from __future__ import annotations

import functools
import logging

from django.http import Http404, HttpRequest
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError
from ninja.openapi.docs import Swagger

from tunemeter.api.v1 import catalog, holders, library, shop
from tunemeter.api.v1.errors import STATUS_CODES, ApiError, error_body

logger = logging.getLogger(__name__)

# Scripts, styles, fonts, images and requests from this origin alone; no inline code
# (django-ninja's Swagger page keeps its settings in a JSON block and its start-up in a file).
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)

DESCRIPTION = """\
The store's public API. Authenticate with a personal token
(`Authorization: Bearer tm_…`, created on your account page, scopes `read`,
`purchase`, `holder`) or a signed-in session (unsafe methods then need `X-CSRFToken`).

* Errors always have the shape `{"code", "message", "detail"}`.
* Lists are cursor pages: pass `next_cursor` back as `cursor`.
* Money is integers in minor units (royalties in micro-units); `true`, `"100"`, `1e3`
  and `100.0` are refused as amounts.
* `POST /orders` and `POST /deposits` need an `Idempotency-Key` (1-100 characters): a
  replay returns the first response, the same key with another body is 422, the same key
  while the first request is still running is 409.
* A quote has at most 100 items; request bodies are at most 64 KB.
* Rate limits per token and per address: 429 with `Retry-After`.
"""


def _docs_csp(view):
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Content-Security-Policy"] = DOCS_CSP
        response["X-Content-Type-Options"] = "nosniff"
        return response

    return wrapped


api = NinjaAPI(
    title="Tunemeter API",
    version="1.0",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    docs=Swagger(settings={"validatorUrl": None, "persistAuthorization": False}),
    docs_decorator=_docs_csp,
)
api.add_router("/", catalog.router)
api.add_router("/", shop.router)
api.add_router("/", library.router)
api.add_router("/", holders.router)


def _respond(request: HttpRequest, status: int, message: str, *, code: str = "", detail=None):
    response = api.create_response(
        request, error_body(status, message, code=code, detail=detail), status=status
    )
    return response


@api.exception_handler(ApiError)
def _api_error(request, exc: ApiError):
    response = _respond(request, exc.status, exc.message, code=exc.code, detail=exc.detail)
    for name, value in exc.headers.items():
        response[name] = value
    return response


@api.exception_handler(ValidationError)
def _validation_error(request, exc: ValidationError):
    detail = [{k: v for k, v in err.items() if k in ("type", "loc", "msg")} for err in exc.errors]
    return _respond(request, 422, "the request is not valid", detail=detail)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    response = _respond(request, 401, "authentication required: a token or a session")
    response["WWW-Authenticate"] = 'Bearer realm="tunemeter"'
    return response


@api.exception_handler(AuthorizationError)
def _forbidden(request, exc):
    return _respond(request, 403, str(exc) or "forbidden")


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    return _respond(request, exc.status_code, str(exc), code=STATUS_CODES.get(exc.status_code, ""))


@api.exception_handler(Http404)
def _not_found(request, exc):
    return _respond(request, 404, "not found")


@api.exception_handler(Exception)
def _crash(request, exc):
    logger.exception("api error path=%s method=%s", request.path, request.method)
    return _respond(request, 500, "the server failed to answer; try again")
