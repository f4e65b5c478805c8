"""Run the README's API walkthrough, as written, against a live server.

Only the variables the reader is told to fill in change: the server's address and the
holder's sign-in. The catalog is a tiny imported "Neon Fjord" licensed worldwide by
Nordlys Records, as on the demo store; the buyer registers in Germany.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from tests.audio import cover_jpeg, write_audio, write_tags
from tunemeter.catalog.importing.pipeline import import_run
from tunemeter.catalog.models import Release
from tunemeter.rights.models import SOUND_RECORDING, RightsHolder
from tunemeter.rights.services import deal_create, mandate_register
from tunemeter.shop.models import Order

README = Path(__file__).resolve().parents[2] / "README.md"
MARKER = "<!-- api-walkthrough -->"
SINCE = datetime(2026, 1, 1, tzinfo=UTC)


def walkthrough() -> str:
    """Return the shell block that follows the walkthrough marker in the README."""
    text = README.read_text()
    assert MARKER in text, "the README lost its API walkthrough"
    match = re.search(r"```sh\n(.*?)```", text[text.index(MARKER) :], re.S)
    assert match
    return match.group(1)


def _fill(script: str, **values: str) -> str:
    for name, value in values.items():
        script, n = re.subn(rf"^{name}=.*$", f"{name}='{value}'", script, count=1, flags=re.M)
        assert n == 1, f"the walkthrough no longer sets {name}"
    return script


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_readme_api_walkthrough_runs_as_written(live_api, tmp_path):
    root = tmp_path / "masters" / "Lumen Drive" / "Neon Fjord"
    for i in (1, 2):
        path = write_audio(root / f"0{i}.flac", seconds=1.5, seed=70 + i)
        write_tags(
            path,
            {"title": f"Aurora {i}", "artist": "Lumen Drive", "album": "Neon Fjord",
             "tracknumber": str(i)},
            cover=cover_jpeg(),
        )  # fmt: skip
    import_run(root=tmp_path / "masters", workers=1)
    release = Release.objects.get(title="Neon Fjord")
    label = RightsHolder.objects.create(kind="label", name="Nordlys Records")
    mandate_register(
        holder=label, right_type=SOUND_RECORDING, territories="Worldwide", starts_at=SINCE
    )
    deal_create(
        licensor=label, release=release, territories="Worldwide", starts_at=SINCE,
        sr_share_bps=7000,
    )  # fmt: skip
    holder_user = get_user_model().objects.create_user(
        username="label@demo.example", email="label@demo.example", password="holder pass 123"
    )
    label.users.add(holder_user)

    script = _fill(
        walkthrough(),
        S=live_api,
        HOLDER_EMAIL="label@demo.example",
        HOLDER_PASSWORD="holder pass 123",
    )
    work = tmp_path / "walk"
    work.mkdir()
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    order = Order.objects.get(customer__email="api-buyer@example.org")
    assert order.customer.profile.country.code == "DE" and order.total_minor > 0
    assert '"status": "paid"' in result.stdout
    assert (work / "track.mp3").read_bytes()[:3] == b"ID3"
    statement = (work / "statement.csv").read_text()
    assert "Nordlys Records" in statement
    assert '"key": "DE"' in result.stdout  # sales by territory: the buyer in Germany
