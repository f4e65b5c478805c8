"""Test the rendition cache: single flight, busy encoders, failures, eviction, crashes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.transcoding.helpers import sha256
from tunemeter import storage
from tunemeter.transcoding import cache as cache_module
from tunemeter.transcoding.cache import RenditionCache
from tunemeter.transcoding.exceptions import EncoderBusy, RenderError
from tunemeter.transcoding.models import Rendition
from tunemeter.transcoding.selectors import render_job

pytestmark = pytest.mark.django_db(transaction=True)


def test_eight_threads_asking_for_one_rendition_start_one_encoder(track_factory):
    track = track_factory(seconds=4)
    job = render_job(track_id=track.pk, format_id="mp3-320")
    cache = RenditionCache(max_encodes=2)
    results: list[bytes] = []
    barrier = threading.Barrier(8)

    def fetch() -> None:
        barrier.wait()
        results.append(b"".join(cache.open(job)))

    threads = [threading.Thread(target=fetch) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert cache.encodes_started == 1
    assert len({sha256(r) for r in results}) == 1 and len(results) == 8
    final = storage.storage_path(job.relpath)
    assert final.read_bytes() == results[0]
    record = Rendition.objects.get(key=job.key)
    assert (record.size_bytes, record.sha256) == (len(results[0]), sha256(results[0]))
    again = cache.open(job)
    assert again.cached and again.size_bytes == len(results[0]) and cache.encodes_started == 1


def _blocking_render(release: threading.Event, *, fail: bool = False):
    def fake(source, fmt, tags):
        yield b"first bytes "
        release.wait(10)
        if fail:
            raise RenderError("master went bad half-way")
        yield b"last bytes"

    return fake


def test_readers_stream_while_encoding_and_all_get_a_failure(track_factory, monkeypatch):
    track = track_factory()
    release = threading.Event()
    monkeypatch.setattr(cache_module, "render", _blocking_render(release, fail=True))
    cache = RenditionCache(max_encodes=1)
    job = render_job(track_id=track.pk, format_id="flac")
    streams = [iter(cache.open(job)), iter(cache.open(job))]
    assert [next(s) for s in streams] == [b"first bytes ", b"first bytes "]  # before the end
    release.set()
    for s in streams:
        with pytest.raises(RenderError, match="half-way"):
            list(s)
    final = storage.storage_path(job.relpath)
    assert not final.exists()
    assert not list(final.parent.glob(f"{storage.TEMP_PREFIX}*"))
    assert not Rendition.objects.filter(key=job.key).exists()
    monkeypatch.undo()
    assert b"".join(cache.open(job)).startswith(b"fLaC")  # the next request succeeds


def test_full_encoder_slots_raise_encoder_busy(track_factory, monkeypatch):
    track = track_factory()
    release = threading.Event()
    monkeypatch.setattr(cache_module, "render", _blocking_render(release))
    cache = RenditionCache(max_encodes=1)
    first = iter(cache.open(render_job(track_id=track.pk, format_id="flac")))
    next(first)
    with pytest.raises(EncoderBusy) as busy:
        cache.open(render_job(track_id=track.pk, format_id="wav"))
    assert busy.value.retry_after > 0
    # The same rendition is not "busy": it joins the running encode.
    assert (
        next(iter(cache.open(render_job(track_id=track.pk, format_id="flac")))) == b"first bytes "
    )
    release.set()
    assert b"".join(first) == b"last bytes"


def test_lru_eviction_keeps_the_budget_and_spares_files_being_read(track_factory):
    track = track_factory(seconds=2)
    cache = RenditionCache(max_encodes=1, max_bytes=10**9)
    paths = []
    for format_id in ["wav", "aiff", "flac"]:
        job = render_job(track_id=track.pk, format_id=format_id)
        b"".join(cache.open(job))
        paths.append(storage.storage_path(job.relpath))
    reading = iter(cache.open(render_job(track_id=track.pk, format_id="wav")))
    next(reading)
    for i, format_id in enumerate(["wav", "aiff", "flac"]):  # wav least recently used, flac most
        Rendition.objects.filter(key=render_job(track_id=track.pk, format_id=format_id).key).update(
            used_at=datetime(2020, 1, 1, tzinfo=UTC) + timedelta(seconds=i)
        )
    wav, aiff, flac = (p.stat().st_size for p in paths)
    cache.max_bytes = wav + flac
    cache.evict()  # the wav is oldest but being read: the aiff goes instead
    assert [p.exists() for p in paths] == [True, False, True]
    list(reading)
    cache.max_bytes = flac
    cache.evict()
    assert [p.exists() for p in paths] == [False, False, True]


def test_eviction_keeps_a_free_space_floor_whatever_the_budget(monkeypatch):
    """A nearly full disk evicts renditions even when the byte budget is not reached."""
    import shutil

    cache = RenditionCache(max_encodes=1, max_bytes=10**12)
    paths = []
    for i, name in enumerate(["old.wav", "new.aiff"]):
        path = storage.storage_root() / "renditions" / "ab" / "cd" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(bytes(1000 * (i + 1)))
        os.utime(path, (1000 + i, 1000 + i))  # the wav least recently used
        paths.append(path)
    # The disk is shared with the rest of the machine: report a fixed free space.
    monkeypatch.setattr(shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(10**9, 0, 100))
    cache.min_free_bytes = 101  # one byte short of the floor
    assert cache.evict() == 1000  # the oldest goes; that is enough
    assert [p.exists() for p in paths] == [False, True]
    cache.min_free_bytes = 0
    assert cache.evict() == 0 and paths[1].exists()


def test_reads_keep_the_cached_file_untouched_and_recency_goes_to_the_row(track_factory):
    """Reads never touch the file: nginx's validators (Last-Modified, its ETag) stay put.

    RFC 9110 §8.8.2: Last-Modified is when the representation last changed, not when
    it was last read; recency for eviction lives in the Rendition row instead.
    """
    track = track_factory(seconds=1)
    cache = RenditionCache(max_encodes=1, max_bytes=10**9)
    job = render_job(track_id=track.pk, format_id="wav")
    b"".join(cache.open(job))
    path = storage.storage_path(job.relpath)
    os.utime(path, (1000, 1000))
    Rendition.objects.filter(key=job.key).update(used_at=None)
    b"".join(cache.open(job))
    assert path.stat().st_mtime == 1000
    assert Rendition.objects.get(key=job.key).used_at is not None


KILL_SCRIPT = """
import os, sys, time
os.environ["DJANGO_SETTINGS_MODULE"] = "tunemeter.settings_test"
import django
django.setup()
from pathlib import Path
from tunemeter.transcoding import cache as cache_module
from tunemeter.transcoding.formats import FORMATS
from tunemeter.transcoding.selectors import RenderJob
from tunemeter.transcoding.source import RenderSource
from tests.transcoding.helpers import TAGS

def slow(source, fmt, tags):
    yield b"x" * 100_000
    print("encoding", flush=True)
    time.sleep(60)
    yield b"never"

cache_module.render = slow
source = RenderSource(path=Path("unused"), container="flac", sample_rate=44100, channels=2,
                      bit_depth=16, length_samples=44100)
job = RenderJob(track_id=1, master_id=1, fmt=FORMATS["flac"], source=source, tags=TAGS,
                key="k" * 64)
for chunk in cache_module.RenditionCache(max_encodes=1).open(job):
    pass
"""


def test_a_process_killed_mid_encode_leaves_no_final_file(tmp_path):
    storage_dir = tmp_path / "killed-storage"
    env = {**os.environ, "TUNEMETER_STORAGE_DIR": str(storage_dir), "PYTHONPATH": os.getcwd()}
    proc = subprocess.Popen(
        [sys.executable, "-c", KILL_SCRIPT], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline().strip() == "encoding"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        proc.kill()
    files = [p for p in storage_dir.rglob("*") if p.is_file()]
    assert files and all(p.name.startswith(storage.TEMP_PREFIX) for p in files)
    assert not list(storage_dir.rglob("k" * 64 + ".flac"))
    time.sleep(0)


def test_temp_leftovers_without_an_owner_are_swept_once_a_day_old(settings, tmp_path):
    leftover = Path(settings.STORAGE_DIR) / "renditions" / "ab" / "cd" / f"{storage.TEMP_PREFIX}x"
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b"partial")
    assert storage.sweep_temp_files() == 0 and leftover.exists()  # might be in use
    old = time.time() - storage.UNOWNED_TEMP_MAX_AGE_SECONDS - 60
    os.utime(leftover, (old, old))
    assert storage.sweep_temp_files() == 1 and not leftover.exists()


def test_a_failed_encode_start_gives_its_slot_back(track_factory, monkeypatch):
    import tempfile as tempfile_module

    track = track_factory()
    cache = RenditionCache(max_encodes=1)
    job = render_job(track_id=track.pk, format_id="wav")
    real = tempfile_module.mkstemp

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(storage.tempfile, "mkstemp", disk_full)
    with pytest.raises(OSError, match="No space"):
        cache.open(job)
    monkeypatch.setattr(storage.tempfile, "mkstemp", real)
    assert b"".join(cache.open(job))[:4] == b"RIFF"  # not EncoderBusy: the slot came back


def test_eviction_cannot_pull_a_cached_file_from_under_an_open_stream(track_factory):
    track = track_factory()
    cache = RenditionCache(max_encodes=1)
    job = render_job(track_id=track.pk, format_id="wav")
    data = b"".join(cache.open(job))
    stream = cache.open(job)
    assert stream.cached and stream.size_bytes == len(data)
    cache.max_bytes = 0
    cache.evict()
    assert not storage.storage_path(job.relpath).exists()
    assert b"".join(stream) == data  # opened before the eviction: still readable
    stream.close()
