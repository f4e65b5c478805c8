"""Run background jobs: on Celery workers when a broker is configured, in-process otherwise.

Each app declares its jobs in `<app>/tasks.py` with `@job("app.name")`; callers
enqueue by name (`job_enqueue("transcoding.estimates_release", release_id=3)`), so a
lower app can ask for work an upper app defines without importing it. Jobs must be
idempotent: Celery runs them at least once (acknowledged after they ran, so a worker
killed mid-job leaves the job queued for another worker), and every job's writes are
atomic or content-addressed.

Modes (settings.JOBS_MODE): "celery" (a broker URL is set), "thread" (a background
thread in this process: `make run` needs nothing) or "inline" (at once, in the caller;
the tests' mode).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections, transaction
from django.utils.module_loading import autodiscover_modules

from tunemeter.observability import metrics

logger = logging.getLogger(__name__)

_registry: dict[str, Callable[..., object]] = {}
_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()
_discovered = False


def job(name: str, *, max_retries: int = 5) -> Callable[[Callable], Callable]:
    """Register fn as the job `name` (a Celery task of that name too)."""

    def register(fn: Callable) -> Callable:
        from tunemeter.jobs.celery import app

        _registry[name] = fn
        app.task(
            name=name,
            autoretry_for=(Exception,),
            retry_backoff=True,
            retry_backoff_max=300,
            max_retries=max_retries,
        )(_instrumented(name, fn))
        return fn

    return register


def _instrumented(name: str, fn: Callable) -> Callable:
    """Wrap fn to log, count and time each run."""

    def run(**kwargs):
        started = time.perf_counter()
        try:
            result = fn(**kwargs)
        except Exception:
            metrics.JOBS.labels(name=name, result="failed").inc()
            metrics.ERRORS.labels(where="job").inc()
            logger.exception("job failed name=%s args=%s", name, kwargs)
            raise
        metrics.JOBS.labels(name=name, result="done").inc()
        logger.info(
            "job done name=%s args=%s seconds=%.2f", name, kwargs, time.perf_counter() - started
        )
        return result

    run.__name__ = fn.__name__
    run.__doc__ = fn.__doc__
    return run


def jobs_mode() -> str:
    """Return how jobs run here: celery, thread or inline."""
    mode = getattr(settings, "JOBS_MODE", "")
    if mode:
        return mode
    return "celery" if settings.CELERY_BROKER_URL else "thread"


def jobs_discover() -> None:
    """Import every app's tasks module once, registering its jobs."""
    global _discovered
    if not _discovered:
        autodiscover_modules("tasks")
        _discovered = True


def job_run(name: str, **kwargs) -> object:
    """Run the job `name` now, in this thread (workers and inline mode call this)."""
    jobs_discover()
    return _instrumented(name, _registry[name])(**kwargs)


def _in_thread(name: str, kwargs: dict) -> None:
    try:
        job_run(name, **kwargs)
    except Exception:  # noqa: BLE001 - logged and counted by _instrumented
        pass
    finally:
        close_old_connections()
        from django.db import connection

        connection.close()


def job_enqueue(name: str, **kwargs) -> None:
    """Queue the job `name` once the current transaction commits (at once outside one)."""
    jobs_discover()
    if name not in _registry:
        raise KeyError(f"no job named {name!r}")
    mode = jobs_mode()

    def send() -> None:
        if mode == "celery":
            from tunemeter.jobs.celery import app

            app.send_task(name, kwargs=kwargs)
        elif mode == "inline":
            job_run(name, **kwargs)
        else:
            global _executor
            with _executor_lock:
                if _executor is None:
                    _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="job")
                _executor.submit(_in_thread, name, kwargs)
        logger.info("job queued name=%s mode=%s args=%s", name, mode, kwargs)

    transaction.on_commit(send)


def jobs_drain(timeout: float = 60.0) -> None:
    """Wait until this process's background jobs have run (thread mode; for commands)."""
    global _executor
    with _executor_lock:
        executor, _executor = _executor, None
    if executor is not None:
        executor.shutdown(wait=True)


def broker_check() -> str:
    """Return "in-process" or "ok" when the broker answers; raise when it does not."""
    if jobs_mode() != "celery":
        return "in-process"
    from tunemeter.jobs.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=3)
    return "ok"
