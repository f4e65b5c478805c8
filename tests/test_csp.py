"""Test the Content-Security-Policy: on every page, no 'unsafe-inline' for scripts."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from django.test import Client

from tunemeter.csp import content_security_policy

pytestmark = pytest.mark.django_db


def _policy(response) -> dict[str, str]:
    return dict(
        (part.strip().split(" ", 1) + [""])[:2]
        for part in response["Content-Security-Policy"].split(";")
    )


@pytest.mark.parametrize("path", ["/", "/search/?q=x", "/account/login/", "/account/register/"])
def test_every_page_has_a_policy_without_unsafe_inline(path):
    """CSP Level 3 (W3C): inline scripts run only when their hash is listed."""
    response = Client().get(path)
    policy = _policy(response)
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-inline'" not in policy["style-src"]
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
    for body in re.findall(rb"<script(?![^>]*src=)[^>]*>(.*?)</script>", response.content, re.S):
        digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
        assert f"'sha256-{digest}'" in policy["script-src"]


def test_inline_styles_are_allowed_by_hash_and_the_admin_keeps_its_style_attributes():
    page = b"<html><style>p{color:red}</style><script src='/a.js'></script></html>"
    policy = content_security_policy(page)
    digest = base64.b64encode(hashlib.sha256(b"p{color:red}").digest()).decode()
    assert f"style-src 'self' 'sha256-{digest}'" in policy and "script-src 'self'" in policy
    assert "style-src 'self' 'unsafe-inline'" in content_security_policy(page, admin=True)


def test_non_html_responses_may_run_nothing():
    response = Client().get("/api/formats")
    assert response["Content-Security-Policy"].startswith("default-src 'none'")
