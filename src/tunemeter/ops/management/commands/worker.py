"""Run a Celery worker for the store's background jobs: `tunemeter worker [--concurrency N]`."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tunemeter import jobs
from tunemeter.jobs.celery import app


class Command(BaseCommand):
    help = "Run a background-job worker (Celery; needs CELERY_BROKER_URL or REDIS_URL)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--concurrency", type=int, default=1, help="jobs at once")
        parser.add_argument("--pool", default="prefork", choices=["prefork", "solo", "threads"])
        parser.add_argument("--hostname", default="", help="worker name (default: celery@host)")

    def handle(self, *args, concurrency: int, pool: str, hostname: str, **options) -> None:
        if not settings.CELERY_BROKER_URL:
            raise CommandError(
                "no broker: set REDIS_URL (or CELERY_BROKER_URL); without one, jobs run "
                "inside `tunemeter serve` and no worker is needed",
                returncode=2,
            )
        jobs.jobs_discover()  # the registry, before the worker forks
        argv = [
            "worker",
            f"--concurrency={concurrency}",
            f"--pool={pool}",
            "--loglevel=INFO",
            f"--queues={settings.CELERY_TASK_DEFAULT_QUEUE}",
            "--without-gossip",
            "--without-mingle",
        ]
        if hostname:
            argv.append(f"--hostname={hostname}")
        app.worker_main(argv)
