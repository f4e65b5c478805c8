"""Send a Content-Security-Policy on every page, with no 'unsafe-inline' for scripts.

The policy allows only the store's own origin. Inline <script> and <style> blocks
that a page does contain (a one-line "js" class switch, the printable statement's
styles, the admin's data blocks) are allowed by their SHA-256 hashes, computed from
the page as sent, so they can change without the policy going stale. The admin also
uses style="" attributes, so it alone keeps 'unsafe-inline' for styles.
"""

from __future__ import annotations

import base64
import hashlib
import re

from django.http import HttpRequest, HttpResponse

_INLINE = re.compile(
    rb"<(script|style)(?![^>]*\bsrc=)[^>]*>(.*?)</\1\s*>", re.IGNORECASE | re.DOTALL
)
_FIXED = (
    "default-src 'self'; img-src 'self' data:; media-src 'self'; connect-src 'self'; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def _hash(body: bytes) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode() + "'"


def content_security_policy(html: bytes, *, admin: bool = False) -> str:
    """Return the policy for one HTML page: the fixed rules plus its inline blocks' hashes."""
    hashes: dict[str, list[str]] = {"script": [], "style": []}
    for tag, body in _INLINE.findall(html):
        hashes[tag.decode().lower()].append(_hash(body))
    scripts = " ".join(["'self'", *sorted(set(hashes["script"]))])
    styles = (
        "'self' 'unsafe-inline'" if admin else " ".join(["'self'", *sorted(set(hashes["style"]))])
    )
    return f"{_FIXED}; script-src {scripts}; style-src {styles}"


class ContentSecurityPolicyMiddleware:
    """Add the Content-Security-Policy header to every HTML response."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" in response:
            return response
        if response.streaming or not response.get("Content-Type", "").startswith("text/html"):
            # Downloads, JSON, media: nothing to run, nothing to frame.
            response["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'"
            return response
        response["Content-Security-Policy"] = content_security_policy(
            response.content, admin=request.path.startswith("/admin/")
        )
        return response
