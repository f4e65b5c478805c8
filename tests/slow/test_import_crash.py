"""Crash loop for `tunemeter import`: SIGKILLed mid-run 30 times, then run to the end.

Every stored file is whole (its content hash is its name) at every point; at the end
the track count is exact, every stored master belongs to a track, and no temp file
is left behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

from tests.audio import write_audio, write_tags

ROOT = Path(__file__).resolve().parents[2]
TUNEMETER = str(Path(sys.executable).with_name("tunemeter"))
TRACKS = 12
COUNT_SCRIPT = """
import django, json
django.setup()
from tunemeter.catalog.models import Master, Track
print(json.dumps({"tracks": Track.objects.count(),
                  "paths": sorted(Master.objects.values_list("storage_path", flat=True))}))
"""


def _whole_files(storage: Path) -> list[Path]:
    """Return the stored files under final names, each checked against its content hash."""
    finals = []
    for path in storage.rglob("*"):
        if path.is_file() and not path.name.startswith(".tmp-"):
            if path.parts[-4] in ("masters", "covers"):
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                assert digest == path.stem, f"{path} is not whole"
            finals.append(path)
    return finals


def test_import_killed_mid_run(tmp_path, slow_scale):
    cycles = 30 * slow_scale
    folder = tmp_path / "masters" / "Killed Artist" / "Interrupted"
    for i in range(TRACKS):
        path = write_audio(folder / f"{i + 1:02d}.flac", seconds=2.0, seed=100 + i)
        write_tags(
            path,
            {
                "title": f"Take {i}",
                "artist": "Killed Artist",
                "album": "Interrupted",
                "tracknumber": str(i + 1),
            },
        )
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TUNEMETER_", "DJANGO_"))}
    env.update(
        TUNEMETER_DATA_DIR=str(data),
        TUNEMETER_LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="tunemeter.settings",
    )
    subprocess.run([TUNEMETER, "migrate", "-v0"], env=env, check=True, timeout=300)
    rng = random.Random(11)
    storage = data / "storage"
    for _ in range(cycles):
        run = subprocess.Popen(
            [TUNEMETER, "import", str(tmp_path / "masters")],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            run.wait(timeout=rng.uniform(0.5, 4.0))
        except subprocess.TimeoutExpired:
            pass
        finally:
            with contextlib.suppress(ProcessLookupError):  # it may have ended by itself
                os.killpg(run.pid, signal.SIGKILL)  # the command and its worker processes
            run.wait(timeout=30)
        _whole_files(storage)
    subprocess.run(
        [TUNEMETER, "import", str(tmp_path / "masters")],
        env=env,
        check=True,
        timeout=600,
        stdout=subprocess.DEVNULL,
    )
    counted = subprocess.run(
        [sys.executable, "-c", COUNT_SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    import json

    found = json.loads(counted.stdout.strip().splitlines()[-1])
    assert found["tracks"] == TRACKS
    finals = _whole_files(storage)
    masters = sorted(str(p.relative_to(storage)) for p in finals if "masters" in p.parts)
    assert masters == found["paths"]  # no orphaned master, none missing
    assert not list(storage.rglob(".tmp-*"))  # the dead runs' temp files were swept
    print(f"\nimport crash loop: {cycles} kills, {TRACKS} tracks, {len(finals)} stored files")
