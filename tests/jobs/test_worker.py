"""Test jobs on a real Celery worker (Redis broker): a worker SIGKILLed mid-job, then the retry."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery import Celery
from django.db import connection

from tunemeter import storage
from tunemeter.transcoding.models import Rendition
from tunemeter.transcoding.services import rendition_job

pytestmark = pytest.mark.django_db(transaction=True)


def database_url() -> str:
    """Return the test database as a DATABASE_URL the worker process can use."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def worker_start(env: dict, log: Path) -> subprocess.Popen:
    """Start `tunemeter worker` (one process, solo pool) in its own process group."""
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "tunemeter"), "worker", "--pool=solo"],
        env=env,
        stdout=open(log, "ab"),  # noqa: SIM115 - the child keeps it
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def worker_ready(proc: subprocess.Popen, log: Path, count: int = 1) -> None:
    """Wait until the count-th worker logged that it is ready (a cold start takes a while)."""
    deadline = time.monotonic() + 180
    while log.read_text(errors="replace").count(" ready.") < count:
        assert proc.poll() is None, log.read_text()[-3000:]
        assert time.monotonic() < deadline, "the worker never got ready: " + log.read_text()
        time.sleep(0.1)


def temp_files(root: Path) -> list[Path]:
    return [p for p in root.rglob(f"{storage.TEMP_PREFIX}*") if p.stat().st_size > 0]


def test_a_worker_killed_mid_job_leaves_no_partial_object_and_the_retry_completes(
    track_factory, s3, s3_server, redis_url, settings, tmp_path
):
    """Celery runs the job at least once: acks_late + reject_on_worker_lost requeue it."""
    track = track_factory(seconds=90)
    storage.storage_path(track.master.storage_path).unlink()  # the worker reads it through
    job = rendition_job(track_id=track.pk, format_id="flac")  # loudness measured, as the worker
    env = {
        **os.environ,
        **s3_server.env(),
        "TUNEMETER_S3_PREFIX": settings.S3["prefix"],
        "DJANGO_SETTINGS_MODULE": "tunemeter.settings",
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis_url,
        "TUNEMETER_JOBS_MODE": "",
        "TUNEMETER_DATA_DIR": str(tmp_path / "worker-data"),
        "TUNEMETER_STORAGE_DIR": str(settings.STORAGE_DIR),
        "TUNEMETER_JOB_VISIBILITY_SECONDS": "2",
        "TUNEMETER_ENCODE_LOCK_TTL_SECONDS": "2",
        "TUNEMETER_JOB_QUEUE": f"test-{os.getpid()}",
    }
    log = tmp_path / "worker.log"
    first = worker_start(env, log)
    try:
        worker_ready(first, log)
        client = Celery("test-client", broker=redis_url)
        client.send_task(
            "transcoding.warm",
            kwargs={"track_ids": [track.pk], "format_id": "flac"},
            queue=env["TUNEMETER_JOB_QUEUE"],
        )
        renditions = Path(settings.STORAGE_DIR) / "renditions"
        deadline = time.monotonic() + 120
        while not (renditions.exists() and temp_files(renditions)):
            assert first.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, (
                f"the encode never started: {sorted(Path(settings.STORAGE_DIR).rglob('*'))} "
                + log.read_text()[-1500:]
            )
            time.sleep(0.01)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        # Killed mid-encode: nothing under the final name, key or row; a temp file at most.
        assert not storage.storage_path(job.relpath).exists()
        assert dict(s3.keys("renditions")) == {}
        assert not Rendition.objects.filter(key=job.key).exists()
        second = worker_start(env, log)
        try:
            deadline = time.monotonic() + 120
            while not Rendition.objects.filter(key=job.key).exists():
                assert second.poll() is None, log.read_text()[-3000:]
                assert time.monotonic() < deadline, "no retry: " + log.read_text()[-3000:]
                time.sleep(0.2)
        finally:
            os.killpg(second.pid, signal.SIGTERM)
            second.wait(timeout=30)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    record = Rendition.objects.get(key=job.key)
    assert dict(s3.keys("renditions")) == {job.relpath: record.size_bytes}
    data = storage.storage_path(job.relpath).read_bytes()
    import hashlib

    assert hashlib.sha256(data).hexdigest() == record.sha256
    assert data[:4] == b"fLaC"
