"""Authenticate API requests: a personal token (Bearer) with scopes, or a session with CSRF.

A request naming a token gets exactly that token's rights: an unknown or revoked token is
401 (never a silent fall-back to the session or to anonymous), a token without the
operation's scope is 403. Sessions are the user's own browser and carry every scope, but
their unsafe requests need the CSRF token (Django's check).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security.apikey import APIKeyCookie
from ninja.security.http import HttpBearer
from ninja.utils import check_csrf

from tunemeter.api.v1.errors import ApiError
from tunemeter.customers.tokens import token_authenticate


class Anonymous:
    """The caller of a public operation who gave no credentials."""

    is_authenticated = False
    pk = None

    def __bool__(self) -> bool:  # ninja keeps the first truthy auth result
        return True


ANONYMOUS = Anonymous()


def bearer_secret(request: HttpRequest) -> str | None:
    """Return the token of an `Authorization: Bearer` header, or None."""
    value = request.headers.get("Authorization", "")
    scheme, _, secret = value.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return secret.strip()


class TokenAuth(HttpBearer):
    """A personal API token, which must carry `scope` (None: any scope will do)."""

    def __init__(self, scope: str | None) -> None:
        self.scope = scope
        super().__init__()

    def __call__(self, request: HttpRequest) -> Any:
        # Not HttpBearer.__call__: it logs a malformed header whole in DEBUG, token included.
        if "Authorization" not in request.headers:
            return None
        secret = bearer_secret(request)
        if secret is None:
            raise ApiError(401, "use `Authorization: Bearer <token>`", code="unauthorized")
        return self.authenticate(request, secret)

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = token_authenticate(secret=token)
        if found is None:
            raise ApiError(401, "this token is unknown or revoked", code="invalid_token")
        request.api_token = found
        if self.scope is not None and self.scope not in found.scope_set:
            raise ApiError(
                403, f"this token lacks the {self.scope!r} scope", code="insufficient_scope"
            )
        return found.user


class SessionAuth(APIKeyCookie):
    """The signed-in browser session; unsafe methods need Django's CSRF token."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=False)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if not key or not request.user.is_authenticated:
            return None
        if check_csrf(request) is not None:
            raise ApiError(403, "CSRF check failed: send the X-CSRFToken header", code="csrf")
        request.api_token = None
        return request.user


def optional_anonymous(request: HttpRequest) -> Any:
    """Let a public operation run without credentials."""
    request.api_token = None
    return ANONYMOUS


def scoped(scope: str) -> list:
    """Return the auth chain of an operation needing `scope`."""
    return [TokenAuth(scope), SessionAuth()]


def public() -> list:
    """Return the auth chain of a public operation (credentials, when given, must be valid)."""
    return [TokenAuth(None), SessionAuth(), optional_anonymous]


def customer_of(request: HttpRequest):
    """Return the calling user, or None for an anonymous caller."""
    user = getattr(request, "auth", None)
    return user if getattr(user, "is_authenticated", False) else None
