"""Test the `tunemeter` command as a user runs it: help, import exit codes, serving HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.audio import cover_jpeg, write_audio, write_tags
from tests.net import free_port

TUNEMETER = [sys.executable, "-m", "tunemeter.cli"]


@pytest.fixture
def env(tmp_path):
    """Run the command against its own embedded SQLite store in a temp data dir."""
    environ = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    environ.update(
        TUNEMETER_DATA_DIR=str(tmp_path / "data"), DJANGO_SETTINGS_MODULE="tunemeter.settings"
    )
    run(["migrate", "-v0"], environ)
    return environ


def run(args: list[str], environ: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*TUNEMETER, *args], env=environ, capture_output=True, text=True, timeout=120
    )


def library(root: Path) -> Path:
    for i in (1, 2):
        path = write_audio(root / "Björk" / "Homogenic" / f"0{i}.flac", seed=i, seconds=0.3)
        write_tags(
            path,
            {"title": f"Jóga {i}", "artist": "Björk", "album": "Homogenic", "tracknumber": str(i)},
            cover=cover_jpeg(),
        )
    return root


def test_help_lists_the_store_commands():
    result = subprocess.run([*TUNEMETER, "--help"], capture_output=True, text=True, check=True)
    for command in ("serve", "import", "demo", "createsuperuser", "migrate"):
        assert f"  {command}" in result.stdout


def test_import_exit_codes(tmp_path, env):
    assert run(["import"], env).returncode == 2
    missing = run(["import", str(tmp_path / "nowhere")], env)
    assert missing.returncode == 2 and "no such file" in missing.stderr

    lib = library(tmp_path / "lib")
    dry = run(["import", str(lib), "--dry-run"], env)
    assert dry.returncode == 0, dry.stderr
    assert "would be imported: 2" in dry.stdout

    ok = run(["import", str(lib)], env)
    assert ok.returncode == 0, ok.stderr
    assert (
        "imported: 2  updated: 0  unchanged: 0  duplicates: 0  skipped: 0  rejected: 0" in ok.stdout
    )

    (lib / "broken.flac").write_bytes(b"fLaC" + b"\0" * 100)
    bad = run(["import", str(lib)], env)
    assert bad.returncode == 1
    assert "unchanged: 2  duplicates: 0  skipped: 0  rejected: 1" in bad.stdout
    assert "rejected " + str(lib / "broken.flac") in bad.stdout


def _get(url: str) -> tuple[int, bytes, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read(), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as err:
        return err.code, err.read(), err.headers.get("Content-Type", "")


def test_serve_answers_over_real_http(tmp_path, env):
    assert run(["import", str(library(tmp_path / "lib"))], env).returncode == 0
    port = free_port()
    server = subprocess.Popen(
        [*TUNEMETER, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, body, _ = _get(base + "/")
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.1)
        assert status == 200 and "Homogenic" in body.decode()
        status, body, _ = _get(base + "/search/?q=bjork+jo")
        assert status == 200 and "Jóga 1" in body.decode()
        status, body, ctype = _get(base + "/releases/1/cover")
        assert (status, ctype, body) == (200, "image/jpeg", cover_jpeg())
        status, body, ctype = _get(base + "/static/storefront/store.css")
        assert status == 200 and "text/css" in ctype
        assert _get(base + "/releases/999/")[0] == 404
    finally:
        server.terminate()
        server.wait(timeout=10)
