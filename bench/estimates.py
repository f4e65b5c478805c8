"""Measure the signed error of sampled size estimates against the delivered size.

Generates demo tracks of realistic length (2–6 min, three styles; not timed), estimates
each format's size as a quote does, renders the real file, and prints the signed error
(estimate − delivered) / delivered per format: mean, worst over, worst under.

    python bench/estimates.py [--tracks 8] [--formats flac,alac] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from _common import print_rows, store_setup

STYLES = ("synthpop", "ambient", "jazz")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=int, default=8)
    parser.add_argument("--formats", default="flac,alac")
    parser.add_argument("--json", action="store_true", help="print one JSON object last")
    args = parser.parse_args()
    formats = args.formats.split(",")
    errors: dict[str, list[float]] = {f: [] for f in formats}
    with tempfile.TemporaryDirectory(prefix="tunemeter-bench-") as tmp:
        tmp_path = Path(tmp)
        store_setup(tmp_path / "data")
        from tunemeter.catalog.importing.probe import Limits, probe, probe_header
        from tunemeter.ops.demo import demo_track
        from tunemeter.transcoding.formats import FORMATS
        from tunemeter.transcoding.render import render
        from tunemeter.transcoding.selectors import RenderJob
        from tunemeter.transcoding.sizing import estimate_size
        from tunemeter.transcoding.source import RenderSource
        from tunemeter.transcoding.tagging import RenditionTags

        limits = Limits(max_seconds=14400, max_sample_rate=384000, max_channels=8)
        tags = RenditionTags(
            title="Bench",
            artist="Bench",
            album="Bench",
            albumartist="Bench",
            track=1,
            track_total=1,
            disc=1,
            disc_total=1,
        )
        for i in range(args.tracks):
            seconds = 120 + (i * 37) % 241  # 2 to 6 minutes
            style = STYLES[i % len(STYLES)]
            path = demo_track(dest=tmp_path / f"{i}.flac", seconds=seconds, style=style, seed=i)
            audio = probe(path, header=probe_header(path, limits=limits), limits=limits)
            source = RenderSource(
                path=path,
                container="flac",
                sample_rate=audio.sample_rate,
                channels=audio.channels,
                bit_depth=audio.bit_depth,
                length_samples=audio.length_samples,
                pcm_md5=bytes.fromhex(audio.pcm_md5) if audio.pcm_md5 else None,
            )
            for format_id in formats:
                job = RenderJob(0, 0, FORMATS[format_id], source, tags, "")
                estimate = estimate_size(job)
                delivered = sum(len(chunk) for chunk in render(source, job.fmt, tags))
                error = (estimate - delivered) / delivered * 100
                errors[format_id].append(error)
                print(f"{style} {seconds} s {format_id}: {error:+.2f}%", file=sys.stderr)
    rows = []
    result = {}
    for format_id, values in errors.items():
        mean = sum(values) / len(values)
        result[format_id] = {
            "mean_percent": round(mean, 2),
            "max_over_percent": round(max(values), 2),
            "max_under_percent": round(min(values), 2),
        }
        rows.append(
            (
                format_id,
                f"mean {mean:+.2f}%, worst over {max(values):+.2f}%, "
                f"worst under {min(values):+.2f}% ({len(values)} tracks)",
            )
        )
    print_rows(rows)
    if args.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
