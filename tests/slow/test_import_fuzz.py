"""Fuzz the importer: mutated masters of every container, each accepted or rejected with a
reason a label can act on, within a time bound, and the whole folder imported in one run.

Fixed seed, so a failure reproduces: `pytest --slow tests/slow/test_import_fuzz.py`.
"""

from __future__ import annotations

import random
import re
import struct
import time
from pathlib import Path

import pytest

from tests.audio import write_audio, write_tags
from tunemeter.catalog.importing.examine import Examined, Job, Rejected, Unchanged, examine
from tunemeter.catalog.importing.pipeline import import_run
from tunemeter.catalog.importing.probe import Limits
from tunemeter.catalog.importing.scan import scan

pytestmark = pytest.mark.django_db(transaction=True)

SEED = 20261129
FILES = 320
SECONDS_PER_FILE = 10.0  # generous: these files hold under a second of audio
LIMITS = Limits(max_seconds=4 * 3600, max_sample_rate=384_000, max_channels=8)
KINDS = [("flac", "flac"), ("wav", "wav"), ("aiff", "aiff"), ("m4a", "m4a"), ("wv", "wv")]
# Text that belongs to a traceback, not to a sentence for a label.
INTERNAL = re.compile(
    r"Traceback|Errno|struct\.error|Error:|Exception|object has no attribute|invalid literal|"
    r"unpack requires|index out of range|NoneType|\bat 0x",
)


def _seeds(folder: Path) -> list[tuple[bytes, str]]:
    seeds = []
    for i, (kind, ext) in enumerate(KINDS):
        path = write_audio(folder / f"seed{i}.{ext}", kind=kind, seconds=0.4, seed=i)
        write_tags(path, {"title": f"Seed {i}", "artist": "Fuzz", "album": "Seeds"})
        seeds.append((path.read_bytes(), ext))
    return seeds


def _mutate(data: bytes, rng: random.Random) -> bytes:
    """Return data with one to three mutations a damaged or hostile file might carry."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 3)):
        how = rng.randrange(7)
        if how == 0 and out:  # flip bytes, mostly in the headers
            for _ in range(rng.randint(1, 8)):
                pos = rng.randrange(min(len(out), 4096 if rng.random() < 0.7 else len(out)))
                out[pos] ^= 1 << rng.randrange(8)
        elif how == 1:  # truncate
            del out[rng.randrange(max(1, len(out))) :]
        elif how == 2 and len(out) > 16:  # a size field to 0, 0xFFFFFFFF or huge
            pos = rng.randrange(0, min(len(out) - 4, 256))
            value = rng.choice([0, 0xFFFFFFFF, 0x7FFFFFFF, rng.getrandbits(32)])
            out[pos : pos + 4] = struct.pack("<I", value)
        elif how == 3:  # insert random bytes
            pos = rng.randrange(len(out) + 1)
            out[pos:pos] = rng.randbytes(rng.randint(1, 2048))
        elif how == 4:  # an ID3v2 tag in front
            size = rng.randint(0, 70_000)
            syncsafe = bytes([(size >> s) & 0x7F for s in (21, 14, 7, 0)])
            out[0:0] = b"ID3\x04\x00\x00" + syncsafe + bytes(size)
        elif how == 5 and len(out) > 64:  # zero a region
            pos = rng.randrange(len(out) - 32)
            out[pos : pos + rng.randint(1, 512)] = bytes(min(512, len(out) - pos))
        else:  # duplicate a region (repeated chunks, frames)
            pos = rng.randrange(max(1, len(out)))
            out[pos:pos] = out[pos : pos + rng.randint(1, 4096)]
    return bytes(out)


def test_mutated_masters_are_each_accepted_or_rejected_with_a_reason(tmp_path, slow_scale):
    rng = random.Random(SEED)
    seeds = _seeds(tmp_path / "seeds")
    lib = tmp_path / "lib"
    lib.mkdir()
    for n in range(FILES * slow_scale):
        data, ext = rng.choice(seeds)
        if rng.random() < 0.1:  # sometimes the name says another format
            ext = rng.choice(KINDS)[1]
        (lib / f"{n:04d}.{ext}").write_bytes(_mutate(data, rng))
    candidates = scan(lib).candidates
    assert len(candidates) == FILES * slow_scale
    outcomes = {"accepted": 0, "rejected": 0}
    for candidate in candidates:
        started = time.perf_counter()
        result = examine(Job(candidate=candidate, limits=LIMITS, dry_run=True))
        took = time.perf_counter() - started
        assert took < SECONDS_PER_FILE, f"{candidate.path.name} took {took:.1f} s"
        if isinstance(result, Rejected):
            outcomes["rejected"] += 1
            assert result.reason and not INTERNAL.search(result.reason), (
                candidate.path.name,
                result.reason,
            )
        else:
            assert isinstance(result, Examined | Unchanged)
            outcomes["accepted"] += 1
    assert outcomes["accepted"] > 0 and outcomes["rejected"] > 0, outcomes
    # The whole folder in one run: every file accounted for once, nothing raised.
    report = import_run(root=lib, workers=2)
    accounted = (
        [p for p in report.imported]
        + report.updated
        + report.unchanged
        + [p for p, _ in report.duplicates]
        + [p for p, _ in report.rejected]
    )
    assert sorted(p.name for p in accounted) == sorted(c.path.name for c in candidates)
    assert not report.stopped
    again = import_run(root=lib, workers=2)
    assert (again.imported, again.updated) == ([], [])
