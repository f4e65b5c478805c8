"""Make money-moving operations safe to retry: one Idempotency-Key, one effect, one answer.

The first request with a key records itself as running, runs, and stores its answer.
A replay (same user, operation, key and body) gets the stored answer, status included;
the same key with another body is refused (422); the same key while the first request
still runs is a conflict (409) — the client retries later and then gets the replay.
A request that crashed (5xx) stores nothing, so its key can be tried again. A record
left running by a process that died is taken over after `STALE_AFTER`.
(draft-ietf-httpapi-idempotency-key-header, sections 2 and 2.7.)
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from tunemeter.api.models import IdempotentRequest
from tunemeter.api.v1.errors import ApiError

logger = logging.getLogger(__name__)

MAX_KEY_LENGTH = 100
STALE_AFTER = timedelta(minutes=5)


def body_digest(payload: dict) -> str:
    """Return the digest of a request's parsed body (key order and spacing do not matter)."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_key(key: str) -> str:
    """Return the key, or refuse one that could not be stored whole (truncating merges keys)."""
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise ApiError(
            422,
            f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable characters",
            code="invalid_idempotency_key",
        )
    return key


def _claim(*, user, operation: str, key: str, digest: str) -> IdempotentRequest | None:
    """Record this request as running; return the earlier record when the key was used."""
    try:
        with transaction.atomic():
            IdempotentRequest.objects.create(
                user=user, operation=operation, key=key, body_sha256=digest
            )
        return None
    except IntegrityError:
        pass
    record = IdempotentRequest.objects.get(user=user, operation=operation, key=key)
    if (
        record.state == IdempotentRequest.RUNNING
        and record.body_sha256 == digest
        and record.created_at < timezone.now() - STALE_AFTER
    ):
        # Its process died mid-request; whoever bumps created_at first takes it over.
        taken = IdempotentRequest.objects.filter(
            pk=record.pk, state=IdempotentRequest.RUNNING, created_at=record.created_at
        ).update(created_at=timezone.now())
        if taken:
            return None
    return record


def idempotent(
    *, user, operation: str, key: str, payload: dict, run: Callable[[], tuple[int, dict]]
) -> tuple[int, dict]:
    """Run `run` once per (user, operation, key); return its (status, body) or the stored one."""
    key = check_key(key)
    digest = body_digest(payload)
    earlier = _claim(user=user, operation=operation, key=key, digest=digest)
    if earlier is not None:
        if earlier.body_sha256 != digest:
            raise ApiError(
                422,
                "this Idempotency-Key was used with a different request body",
                code="idempotency_key_reused",
            )
        if earlier.state == IdempotentRequest.RUNNING:
            raise ApiError(
                409,
                "a request with this Idempotency-Key is still being processed; retry shortly",
                code="idempotency_in_progress",
                headers={"Retry-After": "1"},
            )
        logger.info("idempotent replay operation=%s user=%s", operation, user.pk)
        return earlier.status_code, earlier.response_body
    try:
        status, body = run()
    except ApiError as exc:
        if exc.status >= 500:
            _forget(user=user, operation=operation, key=key)
            raise
        status, body = exc.status, {"code": exc.code, "message": exc.message, "detail": exc.detail}
    except BaseException:
        _forget(user=user, operation=operation, key=key)
        raise
    body = json.loads(json.dumps(body, default=str))
    IdempotentRequest.objects.filter(user=user, operation=operation, key=key).update(
        state=IdempotentRequest.DONE,
        status_code=status,
        response_body=body,
        finished_at=timezone.now(),
    )
    return status, body


def _forget(*, user, operation: str, key: str) -> None:
    """Drop a running record whose request failed, so the key can be retried."""
    IdempotentRequest.objects.filter(
        user=user, operation=operation, key=key, state=IdempotentRequest.RUNNING
    ).delete()
