"""Run localstripe (a stateful fake of Stripe's API) on a free loopback port, and sign
webhook events exactly as Stripe does (docs.stripe.com/webhooks#verify-manually):
`Stripe-Signature: t=<unix time>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import subprocess
import sys
import tempfile
import time

from tests.net import free_port, wait_port

WEBHOOK_SECRET = "whsec_tunemeter_test_secret"
SECRET_KEY = "sk_test_tunemeter"
_serial = itertools.count(1)


def localstripe_start() -> tuple[subprocess.Popen, str]:
    """Start localstripe; return the process and its API base URL."""
    port = free_port()
    proc = subprocess.Popen(
        # localstripe's own entry point listens on every interface: serve it on loopback.
        [sys.executable, "-m", "tunemeter.ops.localstripe", "serve", "--port", str(port)],
        cwd=tempfile.gettempdir(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_port(port, proc)
    return proc, f"http://127.0.0.1:{port}"


def sign(payload: bytes, *, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    """Return a Stripe-Signature header for payload, signed at `at` (now by default)."""
    at = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{at}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"


def event(kind: str, obj: dict, **extra) -> bytes:
    """Return an event's raw body as Stripe sends it (test mode)."""
    body = {
        "id": f"evt_test_{next(_serial)}_{int(time.time() * 1000)}",
        "object": "event",
        "api_version": "2024-06-20",
        "created": int(time.time()),
        "livemode": False,
        "type": kind,
        "data": {"object": obj},
        **extra,
    }
    return json.dumps(body).encode()
