"""The Celery application: settings from Django (CELERY_*), jobs from `<app>/tasks.py`."""

from __future__ import annotations

from celery import Celery

app = Celery("tunemeter")
app.config_from_object("django.conf:settings", namespace="CELERY")


@app.on_after_finalize.connect
def _discover(sender, **kwargs) -> None:
    """Import every app's tasks module so the worker knows each job by name."""
    from tunemeter.jobs import jobs_discover

    jobs_discover()
