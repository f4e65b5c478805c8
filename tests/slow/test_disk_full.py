"""Disk full: import, render and download with writes capped by RLIMIT_FSIZE.

Mounting a small filesystem needs privileges a CI runner may lack; RLIMIT_FSIZE makes
every write past the cap fail with EFBIG (Python ignores SIGXFSZ), as a full disk
would. Under the cap: clear failures, reads still served, nothing partial under a
final name, no temp file left; with the cap lifted everything recovers.
"""

from __future__ import annotations

import http.client
import json
import resource
import sqlite3
import subprocess
import sys

from tests.audio import write_audio, write_tags
from tests.net import free_port, wait_port
from tests.slow.test_crash_loop import ROOT, TUNEMETER, _env
from tests.slow.test_import_crash import COUNT_SCRIPT, _whole_files

CAP_BYTES = 50_000


def _capped() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (CAP_BYTES, CAP_BYTES))


def _get(port: int, path: str) -> tuple[int, bytes, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read(), dict(response.headers)
    finally:
        conn.close()


def _serve(env: dict, port: int, *, capped: bool) -> subprocess.Popen:
    server = subprocess.Popen(
        [TUNEMETER, "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=_capped if capped else None,
    )
    wait_port(port, server, timeout=60)
    return server


def test_disk_full_then_recovery(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    env = _env(data, None)
    site_file = tmp_path / "site.json"
    subprocess.run(
        [sys.executable, "-m", "tests.slow.site", "setup", str(site_file)],
        env=env,
        cwd=ROOT,
        check=True,
        timeout=300,
    )
    site = json.loads(site_file.read_text())
    storage = data / "storage"
    link = site["buyers"][0]["link"]
    port = free_port()

    # Download and render while the disk is "full": an aborted transfer, nothing cached.
    server = _serve(env, port, capped=True)
    try:
        assert _get(port, "/")[0] == 200  # reads keep working
        try:
            status, body, headers = _get(port, link)
            complete = status == 200 and len(body) == int(headers.get("Content-Length", -1))
        except (http.client.HTTPException, OSError):
            complete = False
        assert not complete  # never a short file passed off as complete
    finally:
        server.terminate()
        server.wait(timeout=30)
    renditions = [p for p in _whole_files(storage) if "renditions" in p.parts]
    assert renditions == [] and not list(storage.rglob(".tmp-*"))

    # Import while the disk is "full": refused, nothing partial, nothing left over.
    masters = tmp_path / "more" / "Full Disk" / "Later"
    path = write_audio(masters / "01.flac", seconds=3.0, seed=77)
    write_tags(path, {"title": "Late", "artist": "Full Disk", "album": "Later", "tracknumber": "1"})
    capped = subprocess.run(
        [TUNEMETER, "import", str(tmp_path / "more"), "--workers", "1"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=_capped,
    )
    assert "rejected: 1" in capped.stdout and "Traceback" not in capped.stderr  # a clear refusal
    _whole_files(storage)
    assert not list(storage.rglob(".tmp-*"))
    with sqlite3.connect(data / "tunemeter.sqlite3") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    # Space is back: the import completes, the download is whole and cached.
    subprocess.run(
        [TUNEMETER, "import", str(tmp_path / "more"), "--workers", "1"],
        env=env,
        cwd=ROOT,
        check=True,
        timeout=300,
        stdout=subprocess.DEVNULL,
    )
    counted = subprocess.run(
        [sys.executable, "-c", COUNT_SCRIPT],
        env={**env, "DJANGO_SETTINGS_MODULE": "tunemeter.settings"},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert json.loads(counted.stdout.strip().splitlines()[-1])["tracks"] == 4
    server = _serve(env, port, capped=False)
    try:
        status, body, headers = _get(port, link)
        assert status == 200 and len(body) == int(headers["Content-Length"])
    finally:
        server.terminate()
        server.wait(timeout=30)
    verify = subprocess.run([TUNEMETER, "ledger", "verify"], env=env, cwd=ROOT, timeout=120)
    assert verify.returncode == 0
