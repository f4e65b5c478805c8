"""Media fuzzing: ≥ 1,000 mutated or truncated masters through import and rendering.

Valid FLAC, WAV, AIFF, M4A (ALAC) and WavPack files are truncated, bit-flipped,
header-scrambled, zero-filled and spliced. Every file is imported or rejected with a
reason; every accepted track renders or is refused cleanly, across every format.
Both runs are child processes under RLIMIT_AS (memory) and a wall-clock timeout, so a
decoder that loops or explodes fails the test instead of hanging it.
"""

from __future__ import annotations

import json
import random
import resource
import subprocess
import sys

from tests.audio import write_audio, write_tags
from tests.slow.test_crash_loop import ROOT, _env

FILES = 1000
MEMORY_BYTES = 3 * 1024**3
KINDS = {"flac": "flac", "wav": "wav", "aiff": "aiff", "m4a": "m4a", "wv": "wv"}


def _bounded() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))


def _mutate(data: bytes, rng: random.Random) -> bytes:
    buf = bytearray(data)
    how = rng.choice(["truncate", "flip", "header", "zero", "splice", "flip"])
    if how == "truncate":
        return bytes(buf[: rng.randrange(0, len(buf))])
    if how == "flip":
        for _ in range(rng.randint(1, 32)):
            buf[rng.randrange(len(buf))] ^= 1 << rng.randrange(8)
    elif how == "header":
        end = min(len(buf), rng.randint(4, 512))
        start = rng.randrange(0, end)
        buf[start:end] = rng.randbytes(end - start)
    elif how == "zero":
        start = rng.randrange(len(buf))
        buf[start : start + rng.randint(1, 4096)] = bytes(min(4096, len(buf) - start))
    else:
        a, b = sorted(rng.randrange(len(buf)) for _ in range(2))
        buf[a:a] = buf[a:b][: 1 << 16]
    return bytes(buf)


def test_fuzzed_media_is_accepted_or_refused_cleanly(tmp_path, slow_scale):
    count = FILES * slow_scale
    seeds = {}
    for kind, ext in KINDS.items():
        path = write_audio(tmp_path / "seeds" / f"seed.{ext}", kind=kind, seconds=0.3, seed=3)
        write_tags(path, {"title": "Seed", "artist": "Fuzz", "album": "Fuzz", "tracknumber": "1"})
        seeds[ext] = path.read_bytes()
    rng = random.Random(1313)
    root = tmp_path / "fuzz"
    for i in range(count):
        ext = rng.choice(sorted(seeds))
        target = root / f"{i // 50:03d}" / f"{i:05d}.{ext}"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(_mutate(seeds[ext], rng))
    data = tmp_path / "data"
    env = _env(data, None)
    report_path = tmp_path / "import.json"
    subprocess.run(
        [sys.executable, "-m", "tests.slow.fuzzsite", "import", str(root), str(report_path)],
        env=env,
        cwd=ROOT,
        check=True,
        timeout=900,
        preexec_fn=_bounded,
    )
    report = json.loads(report_path.read_text())
    outcomes = [report["rejected"], report["duplicates"], report["skipped"]]
    assert report["accepted"] + sum(map(len, outcomes)) == count  # every file has an outcome
    assert all(reason.strip() for listed in outcomes for _, reason in listed)  # with a reason
    subprocess.run(
        [sys.executable, "-m", "tests.slow.fuzzsite", "render", str(report_path)],
        env=env,
        cwd=ROOT,
        check=True,
        timeout=900,
        preexec_fn=_bounded,
    )
    render = json.loads((tmp_path / "render.json").read_text())
    assert render["ok"] + render["refused"] == 2 * len(report["tracks"])
    assert all(reason.strip() for reason in render["reasons"])
    print(
        f"\nfuzz: {count} files, {report['accepted']} accepted, {len(report['rejected'])} "
        f"rejected in {report['seconds']:.0f} s (import peak RSS {report['max_rss_kb'] // 1024}"
        f" MB); renders {render['ok']} ok, {render['refused']} refused, slowest "
        f"{render['slowest_seconds']:.2f} s, peak RSS {render['max_rss_kb'] // 1024} MB"
    )
