"""Test /healthz, /metrics, request ids and logs that never hold a whole token."""

from __future__ import annotations

import io
import json
import logging

import pytest

from tunemeter.observability.logs import ContextFilter, JsonFormatter, PlainFormatter, redact

pytestmark = pytest.mark.django_db

TOKEN = "eyJjIjoxLCJlIjo1fQ:1tXyZa:abcdefghijklmnopqrstuvwxyz0123456789ABCD"


def test_healthz_reports_database_storage_and_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "storage": "ok (local)", "broker": "in-process"},
    }
    assert response["Cache-Control"] == "no-store"


def test_healthz_fails_when_object_storage_is_down(client, settings):
    from tests.net import free_port

    settings.S3 = {"bucket": "b", "endpoint_url": f"http://127.0.0.1:{free_port()}"}
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"].startswith("error:")


def test_healthz_fails_when_the_broker_is_down(client, settings):
    from tests.net import free_port

    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"
    settings.JOBS_MODE = "celery"
    from tunemeter.jobs.celery import app

    app.conf.broker_url = settings.CELERY_BROKER_URL
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = ""
    assert response.status_code == 503
    assert response.json()["checks"]["broker"].startswith("error:")


def test_metrics_count_responses_for_loopback_or_a_token_only(client, settings):
    client.get("/healthz")
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    text = response.content.decode()
    assert 'tunemeter_http_requests_total{method="GET",status="200"}' in text
    assert "tunemeter_encodes_running" in text
    # Behind a proxy every client looks like loopback: a forwarded request is refused.
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 403
    settings.METRICS_TOKEN = "s3cret-token"
    assert client.get("/metrics").status_code == 403
    authorized = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert authorized.status_code == 200


def test_every_response_carries_a_request_id_and_keeps_a_sane_given_one(client):
    generated = client.get("/healthz")["X-Request-ID"]
    assert len(generated) == 16
    assert client.get("/healthz", HTTP_X_REQUEST_ID="lb-42.a")["X-Request-ID"] == "lb-42.a"
    assert client.get("/healthz", HTTP_X_REQUEST_ID="bad id\n")["X-Request-ID"] != "bad id\n"


def _emit(logger_name: str, msg: str, args, formatter) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(formatter)
    logger = logging.getLogger(logger_name)
    logger.addHandler(handler)
    logger.propagate, level = False, logger.level
    logger.setLevel(logging.INFO)
    try:
        logger.info(msg, *args)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    return stream.getvalue()


def test_uvicorn_access_lines_never_hold_a_whole_download_token():
    """uvicorn logs '%s - "%s %s HTTP/%s" %d' with the full path; the filter cuts the token."""
    path = f"/download/t/{TOKEN}/01%20-%20Song.flac?token=abcdefghijklmnop"
    line = _emit(
        "uvicorn.access",
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", path, "1.1", 200),
        PlainFormatter("%(request_id)s %(message)s"),
    )
    assert TOKEN not in line and "abcdefghijklmnop" not in line
    assert f"/download/t/{TOKEN[:8]}…/01%20-%20Song.flac" in line


def test_json_lines_carry_the_request_id_and_redacted_message():
    from tunemeter.observability.logs import request_id_var

    token = request_id_var.set("req-1")
    try:
        line = _emit("tunemeter.test", "link %s", (f"/download/z/{TOKEN}/a.zip",), JsonFormatter())
    finally:
        request_id_var.reset(token)
    entry = json.loads(line)
    assert entry["request_id"] == "req-1" and entry["level"] == "INFO"
    assert TOKEN not in entry["message"]


def test_redact_leaves_ordinary_key_value_context_alone():
    assert redact("s3 put key=renditions/ab/cd/x.wav") == "s3 put key=renditions/ab/cd/x.wav"
    assert "Bearer abcd…" in redact("Authorization: Bearer abcdefghijklmnopqrstuvwxyz")


@pytest.mark.django_db(transaction=True)
def test_orders_and_refunds_are_counted_once_committed(ledger_db, settings):
    settings.DEMO_PAYMENTS = True
    from tests.shop.factories import customer, fund, tracks
    from tunemeter.observability import metrics
    from tunemeter.pricing.services import quote_create
    from tunemeter.shop.services import order_place, order_refund

    orders, refunds = metrics.ORDERS._value.get(), metrics.REFUNDS._value.get()
    buyer, staff = customer(), customer(staff=True)
    fund(buyer, 1_000)
    quote = quote_create(customer=buyer, items=[(tracks(1)[0], "wav")])
    order = order_place(customer=buyer, quote=quote, idempotency_key="m1")
    order_place(customer=buyer, quote=quote, idempotency_key="m1")  # a replay: no new order
    order_refund(order=order, staff=staff, reason="test")
    assert metrics.ORDERS._value.get() == orders + 1
    assert metrics.REFUNDS._value.get() == refunds + 1
