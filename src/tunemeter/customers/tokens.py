"""Create, revoke and check personal API tokens (hashed at rest, shown once).

A token is `tm_` + 8 visible characters + `_` + 32 bytes of URL-safe randomness. Its
entropy makes a plain SHA-256 digest safe to store (no slow hash needed: nothing to
brute-force), and lets a request find its token by one indexed lookup.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from tunemeter.customers.models import ApiToken

logger = logging.getLogger(__name__)

# last_used_at is written at most this often per token: a busy token is not a write per request.
LAST_USED_RESOLUTION = timedelta(seconds=60)
MAX_TOKENS_PER_USER = 20


class TokenError(ValueError):
    """A token request that cannot be honoured (unknown scope, too many tokens)."""


@dataclass(frozen=True)
class NewToken:
    """A token just created: `secret` is the only copy of the token there will ever be."""

    token: ApiToken
    secret: str


def token_digest(secret: str) -> str:
    """Return the stored form of a token."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def token_create(*, user, name: str, scopes: list[str] | tuple[str, ...]) -> NewToken:
    """Create a token for user with the given scopes; return it with its secret (shown once)."""
    wanted = sorted(set(scopes))
    if not wanted:
        raise TokenError("choose at least one scope")
    unknown = [s for s in wanted if s not in ApiToken.SCOPES]
    if unknown:
        raise TokenError(f"unknown scope {unknown[0]!r}")
    name = name.strip()[:100] or "token"
    with transaction.atomic():
        live = ApiToken.objects.filter(user=user, revoked_at__isnull=True).count()
        if live >= MAX_TOKENS_PER_USER:
            raise TokenError(f"at most {MAX_TOKENS_PER_USER} live tokens; revoke one first")
        visible = secrets.token_hex(4)
        secret = f"tm_{visible}_{secrets.token_urlsafe(32)}"
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=f"tm_{visible}",
            digest=token_digest(secret),
            scopes=" ".join(wanted),
        )
    logger.info("api token created user=%s token=%s scopes=%s", user.pk, token.pk, token.scopes)
    return NewToken(token, secret)


def token_revoke(*, user, token_id: int) -> bool:
    """Revoke one of user's tokens; return False when user has no such live token."""
    revoked = ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if revoked:
        logger.info("api token revoked user=%s token=%s", user.pk, token_id)
    return bool(revoked)


def token_authenticate(*, secret: str) -> ApiToken | None:
    """Return the live token for a secret (recording its use), or None.

    Revoked tokens and users who can no longer sign in get None.
    """
    if not secret.startswith("tm_") or len(secret) > 100:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
