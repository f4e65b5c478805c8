"""Slow down password guessing per account, wherever the guesses come from.

django-axes locks a (username, address) pair after AXES_FAILURE_LIMIT failures. On
top of that, every account's failures are summed over all addresses: past
SIGNIN_SLOWDOWN_AFTER of them each further attempt must wait twice as long as the
last (capped at SIGNIN_SLOWDOWN_MAX_SECONDS) after the latest failure, so changing
address buys an attacker nothing. Nothing locks a whole address: a school or an
office behind one NAT is never shut out by one of its members. Only the account's
own successful sign-in clears its failures.
"""

from __future__ import annotations

import logging
import math

from axes.models import AccessAttempt
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Max, Sum
from django.utils import timezone

logger = logging.getLogger(__name__)


def signin_wait_seconds(*, username: str) -> int:
    """Return how long the account must wait before its next sign-in attempt (0: now)."""
    if not username:
        return 0
    found = AccessAttempt.objects.filter(username__iexact=username).aggregate(
        failures=Sum("failures_since_start"), last=Max("attempt_time")
    )
    failures, last = found["failures"] or 0, found["last"]
    excess = failures - settings.SIGNIN_SLOWDOWN_AFTER
    if excess < 0 or last is None:
        return 0
    delay = min(2.0**excess, settings.SIGNIN_SLOWDOWN_MAX_SECONDS)
    waited = (timezone.now() - last).total_seconds()
    return max(0, math.ceil(delay - waited))


def signin_failures_clear(*, username: str) -> int:
    """Forget an account's failed sign-ins from every address (after its own success)."""
    deleted, _ = AccessAttempt.objects.filter(username__iexact=username).delete()
    return deleted


class SigninSlowdownBackend:
    """Refuse, without checking the password, an attempt made before the account's wait ends."""

    def authenticate(self, request, username: str | None = None, password=None, **kwargs):
        wait = signin_wait_seconds(username=username or "")
        if wait and request is not None:
            logger.warning("sign-in slowed down wait_seconds=%d", wait)
            # Axes neither counts this attempt nor extends anything; its middleware
            # answers 429 with the "too many attempts" page.
            request.axes_locked_out = True
            raise PermissionDenied("sign-in attempts for this account are slowed down")
        return None


def registration_allowed(*, address: str) -> bool:
    """Count a registration attempt from an address; False past REGISTRATION_PER_HOUR.

    The form says when an email is taken, so attempts are throttled: checking many
    addresses for accounts takes hours, not seconds.
    """
    key = f"registration-attempts:{address}"
    cache.add(key, 0, timeout=3600)
    try:
        attempts = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=3600)
        attempts = 1
    return attempts <= settings.REGISTRATION_PER_HOUR


def on_user_logged_in(sender, request, user, **kwargs) -> None:
    """Clear the signed-in account's failures: only its own success may do that."""
    signin_failures_clear(username=user.get_username())
