"""Test the OpenAPI document and the docs page: local static files, a strict CSP."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

pytestmark = pytest.mark.django_db


def test_openapi_describes_auth_errors_and_bounds():
    schema = Client().get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.1")
    schemes = schema["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} >= {"http", "apiKey"}
    quote_in = schema["components"]["schemas"]["QuoteIn"]
    assert quote_in["properties"]["items"]["maxItems"] == 100
    assert schema["components"]["schemas"]["DepositIn"]["additionalProperties"] is False
    orders = schema["paths"]["/api/v1/orders"]["post"]
    assert any(p["name"] == "Idempotency-Key" and p["required"] for p in orders["parameters"])
    assert {"402", "409", "422", "429"} <= set(orders["responses"])


def test_the_docs_page_loads_only_local_files_under_a_strict_csp():
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src 'self';" in csp
    assert "http" not in csp  # no other origin is allowed anything
    html = response.content.decode()
    assert not re.search(r"(src|href)=\"(https?:)?//", html), "nothing from another origin"
    assert "<script>" not in html.replace('<script type="application/json"', "")
    for asset in re.findall(r"/static/(ninja/[\w.-]+)", html):
        assert finders.find(asset), asset
    served = Client().get("/static/ninja/swagger-ui-bundle.js")
    assert served.status_code == 200
    served.close()
