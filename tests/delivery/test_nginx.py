"""Test the nginx hand-off with docs/nginx.conf on a real nginx (Debian's package)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.delivery.test_downloads import first_track_url, get
from tests.net import free_port, wait_port
from tunemeter import storage
from tunemeter.transcoding.selectors import render_job

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
pytestmark = pytest.mark.skipif(NGINX is None, reason="nginx not installed (.ci/run installs it)")
CONF = Path(__file__).resolve().parents[2] / "docs" / "nginx.conf"


def _worker_user() -> str:
    """Return the unprivileged user nginx's workers run as (Debian's www-data, else nobody)."""
    import pwd

    for name in ("www-data", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    pytest.skip("no unprivileged user for nginx's workers")


@pytest.fixture
def open_dir():
    """Return a folder any user may traverse (pytest's own temp folders are private)."""
    path = Path(tempfile.mkdtemp(prefix="tunemeter-nginx-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def nginx(tmp_path, open_dir, asgi_server, settings):
    """Run nginx with the shipped server block in front of the test server.

    Its workers run as an ordinary user, as in a real deployment, not as the store's.
    """
    settings.ACCEL_REDIRECT = "/protected/"
    settings.STORAGE_DIR = open_dir / "storage"
    port = free_port()
    upstream = asgi_server.removeprefix("http://")
    server_block = (
        CONF.read_text()
        .replace("127.0.0.1:8080", f"127.0.0.1:{port}")
        .replace("127.0.0.1:8000", upstream)
        .replace("/srv/tunemeter/var/storage", str(settings.STORAGE_DIR))
    )
    conf = tmp_path / "nginx.conf"
    for temp in ("body", "proxy"):
        (open_dir / temp).mkdir(mode=0o777)
        (open_dir / temp).chmod(0o777)
    conf.write_text(
        (f"user {_worker_user()};\n" if os.geteuid() == 0 else "")
        + f"daemon off;\nworker_processes 1;\npid {tmp_path}/nginx.pid;\n"
        f"error_log {tmp_path}/error.log warn;\nevents {{ worker_connections 256; }}\n"
        f"http {{\n access_log off;\n client_body_temp_path {open_dir}/body;\n"
        f" proxy_temp_path {open_dir}/proxy;\n{server_block}\n}}\n"
    )
    proc = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(tmp_path)], stderr=subprocess.PIPE)
    wait_port(port, proc)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=10)


def test_cached_renditions_are_handed_to_nginx_after_the_link_check(nginx, asgi_server, purchase):
    buyer, _, order = purchase
    url, entitlement = first_track_url(nginx, buyer)
    status, first_headers, first = get(url)  # not cached: streamed by the store through nginx
    assert status == 200 and "X-Accel-Redirect" not in first_headers
    cached = storage.storage_path(
        render_job(track_id=entitlement.track_id, format_id="wav").relpath
    )
    deadline = time.monotonic() + 10
    while not cached.exists():  # the first download's encoder publishes the file
        assert time.monotonic() < deadline
        time.sleep(0.02)
    # From now on every answer is nginx's, read by its unprivileged workers, with the
    # store's validators and headers kept.
    status, headers, body = get(url)
    assert status == 200 and body == first, (status, body[:300])
    assert headers["ETag"] == f'"{hashlib.sha256(first).hexdigest()}"'
    assert headers.get_all("Accept-Ranges") == ["bytes"]  # once, not twice
    assert headers.get_all("ETag") == [headers["ETag"]]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cache-Control"] == "private, no-transform"
    # RFC 9110 §13.1.2: If-None-Match with the store's ETag gives 304 from nginx.
    assert get(url, {"If-None-Match": headers["ETag"]})[0] == 304
    # RFC 9110 §13.1.5: an If-Range with another validator gives the whole file.
    status, _, whole = get(url, {"Range": "bytes=0-9", "If-Range": '"stale"'})
    assert status == 200 and whole == first
    assert headers["Content-Type"] == "audio/wav"
    assert "filename*=UTF-8''01%20-%20Bj%C3%B6rk" in headers["Content-Disposition"]
    assert "X-Accel-Redirect" not in headers
    status, h, part = get(url, {"Range": "bytes=10-19"})
    assert (status, part, h["Content-Range"]) == (206, body[10:20], f"bytes 10-19/{len(body)}")
    status, h, rest = get(url, {"Range": "bytes=1000-", "If-Range": headers["ETag"]})
    assert (
        status == 206
        and hashlib.sha256(body[:1000] + rest).digest() == hashlib.sha256(body).digest()
    )
    # The storage is reachable only through the hand-off, never by URL.
    assert get(nginx + "/protected/renditions/")[0] == 404
    # A forged link is refused by the store before nginx sends anything.
    assert get(url.replace("/download/t/", "/download/t/x"))[0] == 403
