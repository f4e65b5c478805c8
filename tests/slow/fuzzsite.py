"""Run the fuzzed media through a throw-away store, in a child process with bounded memory.

`python -m tests.slow.fuzzsite import ROOT OUT` imports a folder and writes what was
accepted and rejected (with reasons); `render OUT` renders the accepted tracks in
every format and writes each outcome. TUNEMETER_DATA_DIR names the store.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path


def _import(root: Path, out: Path) -> None:
    from django.core.management import call_command

    from tunemeter.catalog.importing.pipeline import import_run
    from tunemeter.catalog.models import Track

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    report = import_run(root=root, workers=2)
    out.write_text(
        json.dumps(
            {
                "accepted": len(report.imported) + len(report.updated) + len(report.unchanged),
                "rejected": [[str(p), reason] for p, reason in report.rejected],
                # A mutation that leaves the audio intact is a duplicate of another file,
                # which the importer lists (with its reason) rather than imports twice.
                "duplicates": [[str(p), reason] for p, reason in report.duplicates],
                "skipped": [[str(p), reason] for p, reason in report.skipped],
                "tracks": list(Track.objects.values_list("pk", flat=True)),
                "seconds": time.perf_counter() - started,
                "max_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            }
        )
    )


def _render(out: Path) -> None:
    from tunemeter.transcoding.cache import RenditionCache
    from tunemeter.transcoding.exceptions import RenderError
    from tunemeter.transcoding.formats import FORMATS
    from tunemeter.transcoding.services import rendition_job

    report = json.loads(out.read_text())
    cache = RenditionCache(max_encodes=1, max_bytes=10**12)
    outcomes = {"ok": 0, "refused": 0, "reasons": [], "slowest_seconds": 0.0}
    formats = sorted(FORMATS)
    for i, track_id in enumerate(report["tracks"]):
        # Every format over the set: two per track, rotating.
        for format_id in (formats[i % len(formats)], formats[(i + 7) % len(formats)]):
            started = time.perf_counter()
            try:
                job = rendition_job(track_id=track_id, format_id=format_id)
                size = sum(len(c) for c in cache.open(job))
                outcomes["ok" if size > 0 else "refused"] += 1
            except (RenderError, ValueError, OSError) as exc:
                outcomes["refused"] += 1
                outcomes["reasons"].append(str(exc)[:200] or type(exc).__name__)
            outcomes["slowest_seconds"] = max(
                outcomes["slowest_seconds"], time.perf_counter() - started
            )
    outcomes["max_rss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    (out.parent / "render.json").write_text(json.dumps(outcomes))


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tunemeter.settings")
    import django

    django.setup()
    if sys.argv[1] == "import":
        _import(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        _render(Path(sys.argv[2]))


if __name__ == "__main__":
    main()
