"""Watch the running store: request ids and structured logs, Prometheus metrics, /healthz."""
