"""Test the first run's output: every step announced with progress, logins last in a box."""

from __future__ import annotations

import io
import socket
import stat

import pytest
from django.core.management import call_command

from tunemeter.ops.management.firstrun import announce_when_live, logins_path


@pytest.mark.usefixtures("ledger_db")
def test_the_first_run_says_every_step_and_prints_the_logins_once_the_store_answers():
    out = io.StringIO()
    call_command("demo", "--if-empty", "--defer-logins", "--scale", "0.01", stdout=out)
    text = out.getvalue()
    for step in ("[1/4] generating", "[2/4] importing", "[3/4] measuring", "[4/4] licensing"):
        assert step in text, text
    # Loudness is measured while importing now: step 3 finds little or nothing left.
    assert "25/25 tracks" in text and "25/25 files" in text and "done in" in text
    # No password before the URL is live: they wait in a private file.
    path = logins_path()
    assert "@demo.example" not in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        shown = io.StringIO()
        announce_when_live(host="127.0.0.1", port=port, out=shown, timeout=10).join(15)
    boxed = shown.getvalue()
    assert f"Tunemeter is live: http://127.0.0.1:{port}/" in boxed
    assert boxed.count("@demo.example") == 3 and boxed.strip().startswith("+---")
    assert boxed.index("is live") < boxed.index("@demo.example")
    assert not path.exists()  # shown only this once
