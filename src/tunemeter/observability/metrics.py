"""Count what the store does, for Prometheus: requests, encodes, cache, orders, refunds, errors.

With several server processes on one node set PROMETHEUS_MULTIPROC_DIR (see
docs/deploy.md): prometheus-client then sums every process's counters.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    generate_latest,
    multiprocess,
)

REQUESTS = Counter(
    "tunemeter_http_requests_total", "HTTP responses by method and status", ["method", "status"]
)
ERRORS = Counter("tunemeter_errors_total", "Unhandled exceptions in requests and jobs", ["where"])
ENCODES_RUNNING = Gauge(
    "tunemeter_encodes_running", "Encoders running in this process", multiprocess_mode="livesum"
)
ENCODES_QUEUED = Gauge(
    "tunemeter_encodes_waiting",
    "Requests waiting for another node's or process's encode",
    multiprocess_mode="livesum",
)
ENCODES = Counter("tunemeter_encodes_total", "Encodes finished", ["result"])
CACHE = Counter("tunemeter_cache_requests_total", "Rendition cache lookups", ["result"])
CACHE_BYTES = Counter("tunemeter_cache_bytes_sent_total", "Bytes of cached renditions sent")
ORDERS = Counter("tunemeter_orders_total", "Orders placed")
REFUNDS = Counter("tunemeter_refunds_total", "Orders refunded")
JOBS = Counter("tunemeter_jobs_total", "Background jobs run", ["name", "result"])


def metrics_render() -> tuple[bytes, str]:
    """Return the exposition text of every metric (all processes when multiprocess)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    from prometheus_client import REGISTRY

    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
