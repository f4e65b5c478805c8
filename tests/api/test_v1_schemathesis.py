"""Fuzz /api/v1 with Schemathesis against the live schema of a running server.

Every operation, positive and negative data, with a token carrying every scope: no 5xx,
no status code, content type, header or body the OpenAPI document does not declare
(OpenAPI 3.1, "Responses Object"). The stateful phase follows the declared links
(OpenAPI 3.1, "Link Object"): quote → get the quote, quote → order → get the order.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.shop.factories import customer, fund, tracks
from tunemeter.api.v1.app import api
from tunemeter.customers.tokens import token_create
from tunemeter.pricing.services import quote_create
from tunemeter.rights.models import Deal
from tunemeter.shop.services import order_place

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    ]
)


def _st() -> str:
    found = Path(sys.executable).with_name("st")
    return str(found) if found.exists() else shutil.which("st") or "st"


def test_every_operation_conforms_to_the_live_schema(live_api, settings, tmp_path):
    settings.API_RATE_PER_ADDRESS = settings.API_RATE_PER_TOKEN = 10**6
    t1, t2 = tracks(2)
    user = customer()
    Deal.objects.get(release=t1.release).licensor.users.add(user)
    fund(user, 10_000)
    order_place(
        customer=user, quote=quote_create(customer=user, items=[(t1, "wav")]), idempotency_key="o"
    )
    secret = token_create(user=user, name="fuzz", scopes=["read", "purchase", "holder"]).secret
    result = subprocess.run(
        [
            _st(),
            "run",
            f"{live_api}/api/v1/openapi.json",
            "--checks",
            CHECKS,
            "--header",
            f"Authorization: Bearer {secret}",
            "--max-examples",
            os.environ.get("TUNEMETER_FUZZ_EXAMPLES", "12"),
            "--phases",
            "examples,coverage,fuzzing,stateful",
            "--seed",
            "19",
            "--workers",
            "2",
            "--no-color",
            "--generation-database",
            "none",
            "--request-timeout",
            "60",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
        env={**os.environ, "SCHEMATHESIS_TELEMETRY": "false"},
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-8000:]
    n = sum(len(item) for item in api.get_openapi_schema()["paths"].values())
    assert f"{n} selected / {n} total" in result.stdout, result.stdout[-3000:]
    assert f"Tested: {n}" in result.stdout, result.stdout[-3000:]
    assert "✅  Stateful" in result.stdout, result.stdout[-3000:]
