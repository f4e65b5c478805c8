"""Run the README's curl walkthrough, as written, against a live store."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.audio import cover_jpeg, write_audio, write_tags
from tests.delivery.conftest import asgi_server  # noqa: F401 - the live server
from tests.shop.factories import license_release
from tunemeter.catalog.importing.pipeline import import_run
from tunemeter.catalog.models import Release
from tunemeter.shop.models import Order

README = Path(__file__).resolve().parents[1] / "README.md"


def walkthrough() -> str:
    """Return the shell block under "Buying with curl"."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### Buying with curl") :]
    return re.search(r"```sh\n(.*?)```", section, re.S).group(1)


@pytest.fixture
def neon_fjord(tmp_path):
    """Import a two-track "Neon Fjord" licensed worldwide, as the demo's is."""
    root = tmp_path / "masters" / "Aurora Bay" / "Neon Fjord"
    for i in (1, 2):
        path = write_audio(root / f"0{i}.flac", seconds=1.5, seed=90 + i)
        write_tags(
            path,
            {
                "title": f"Fjord {i}",
                "artist": "Aurora Bay",
                "album": "Neon Fjord",
                "tracknumber": str(i),
            },
            cover=cover_jpeg(),
        )
    assert not import_run(root=tmp_path / "masters", workers=1).rejected
    release = Release.objects.get(title="Neon Fjord")
    license_release(release, territories="Worldwide")
    return release


@pytest.mark.skipif(shutil.which("curl") is None, reason="no curl on this machine")
def test_the_readme_curl_walkthrough_buys_and_downloads(
    asgi_server,  # noqa: F811 - the imported fixture
    neon_fjord,
    demo_payments,
    tmp_path,  # noqa: F811
):
    script = walkthrough()
    # The one change: the live server's address instead of make run's.
    script = script.replace("S=http://127.0.0.1:8000", f"S={asgi_server}", 1)
    assert f"S={asgi_server}" in script
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    order = Order.objects.get()
    assert order.customer.email == "me@example.org" and order.total_minor > 0
    with zipfile.ZipFile(tmp_path / "album.zip") as album:
        assert sum(name.endswith(".mp3") for name in album.namelist()) == 2
