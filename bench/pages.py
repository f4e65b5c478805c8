"""Benchmark the store's pages at catalog sizes of 1k, 10k and 100k tracks.

For each size, a fresh SQLite store gets generated catalog rows (no audio: artists
with ten-track releases, genres, masters' metadata, the search index), then each
page type is requested through Django's full request stack in this process (no
network: the figure is server time) — home, artist, release, genre, search and
search-as-you-type (the partial results the search box fetches per keystroke) —
after a warm-up, --requests times each on pages spread over the catalog. It
reports p50/p99 server time and the number of SQL queries per page: that number
must not grow with the catalog.

    python bench/pages.py [--sizes 1000,10000,100000] [--requests 50] [--json] [--save]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import bench_arguments, bench_finish, master_fields

WORDS = [
    "neon",
    "fjord",
    "tide",
    "water",
    "rooms",
    "glass",
    "river",
    "night",
    "static",
    "bloom",
    "echo",
    "amber",
    "north",
    "salt",
    "velvet",
    "paper",
    "moon",
    "iron",
    "cedar",
    "signal",
    "harbor",
    "winter",
    "drift",
    "lumen",
    "orbit",
    "hollow",
    "quiet",
]


def generate(tracks: int, seed: int = 7) -> None:
    """Insert a catalog of `tracks` tracks (ten per release) and index it for search."""
    from django.db import transaction

    from tunemeter.catalog.models import Artist, Genre, Master, Release, Track
    from tunemeter.catalog.search import search_index_rebuild

    rng = random.Random(seed)

    def name(n: int) -> str:
        return " ".join(rng.choice(WORDS).title() for _ in range(n))

    releases_n = max(1, tracks // 10)
    artists_n = max(1, releases_n // 3)
    with transaction.atomic():
        genres = Genre.objects.bulk_create(Genre(name=f"{w.title()} Music") for w in WORDS[:20])
        artists = Artist.objects.bulk_create(
            Artist(name=f"{name(2)} {i}", sort_name="") for i in range(artists_n)
        )
        releases = Release.objects.bulk_create(
            # Loudness as the importer would have measured it: these masters have no audio.
            Release(
                title=f"{name(3)} {i}",
                artist=artists[i % artists_n],
                release_date="2025",
                loudness_lufs=-14.0,
                true_peak=0.9,
            )
            for i in range(releases_n)
        )
        Release.genres.through.objects.bulk_create(
            Release.genres.through(release_id=r.pk, genre_id=genres[i % len(genres)].pk)
            for i, r in enumerate(releases)
        )
        lengths = [180_000 + (i % 120) * 1000 for i in range(tracks)]
        masters = Master.objects.bulk_create(
            (Master(**master_fields(i + 1, seconds=ms / 1000)) for i, ms in enumerate(lengths)),
            batch_size=5000,
        )
        batch: list[Track] = []
        for i in range(tracks):
            release = releases[i // 10]
            batch.append(
                Track(
                    release=release,
                    master=masters[i],
                    position=i % 10 + 1,
                    title=f"{name(2)} {i}",
                    artist_id=release.artist_id,
                    length_ms=lengths[i],
                    loudness_lufs=-14.0,
                    true_peak=0.9,
                )
            )
        Track.objects.bulk_create(batch, batch_size=5000)
    search_index_rebuild()


def measure(size: int, requests: int, tmp: Path) -> dict:
    """Build a store of `size` tracks in a subprocess-free fresh database; time its pages."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from tunemeter.catalog.models import Artist, Genre, Release, Track

    started = time.perf_counter()
    generate(size)
    built = time.perf_counter() - started
    rng = random.Random(size)
    artists = list(Artist.objects.values_list("pk", flat=True))
    releases = list(Release.objects.values_list("pk", flat=True))
    genres = list(Genre.objects.values_list("pk", flat=True))
    titles = list(Track.objects.values_list("title", flat=True)[:2000])

    def typed() -> str:
        word = rng.choice(titles).split()[0].lower()
        return word[: rng.randint(2, len(word))]

    pages = {
        "home": lambda: "/",
        "artist": lambda: f"/artists/{rng.choice(artists)}/",
        "release": lambda: f"/releases/{rng.choice(releases)}/",
        "genre": lambda: f"/genres/{rng.choice(genres)}/",
        "search": lambda: f"/search/?q={rng.choice(titles).split()[0]}",
        "search_as_you_type": lambda: f"/search/?q={typed()}&partial=1",
    }
    client = Client(SERVER_NAME="127.0.0.1")
    out: dict[str, dict] = {}
    for page, url in pages.items():
        for _ in range(5):  # warm-up: templates, caches, prepared statements
            client.get(url())
        times, queries = [], []
        for _ in range(requests):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(url())
                times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{page}: HTTP {response.status_code}")
            queries.append(len(captured.captured_queries))
        times.sort()
        out[page] = {
            "p50_ms": round(times[len(times) // 2], 1),
            "p99_ms": round(times[min(len(times) - 1, round(0.99 * (len(times) - 1)))], 1),
            "queries_max": max(queries),
        }
    return {"build_seconds": round(built, 1), "pages": out}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)  # one size, in a child
    bench_arguments(parser)
    args = parser.parse_args()
    if args.size:
        # A child process per size: a fresh Django, database and store each time.
        import json

        with tempfile.TemporaryDirectory(prefix="tunemeter-bench-") as tmp:
            from _common import store_setup

            store_setup(Path(tmp) / "data")
            print(json.dumps(measure(args.size, args.requests, Path(tmp))))
        return

    import json

    sizes = [int(s) for s in args.sizes.split(",")]
    result: dict = {"requests": args.requests, "sizes": {}}
    for size in sizes:
        print(f"catalog of {size} tracks…", file=sys.stderr)
        done = subprocess.run(
            [sys.executable, __file__, "--size", str(size), "--requests", str(args.requests)],
            capture_output=True,
            text=True,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "tunemeter.settings"},
        )
        if done.returncode:
            raise SystemExit(done.stderr[-3000:])
        result["sizes"][str(size)] = json.loads(done.stdout.strip().splitlines()[-1])

    largest = result["sizes"][str(max(sizes))]["pages"]
    result["p99_ms_max_largest"] = max(p["p99_ms"] for p in largest.values())
    result["queries_constant"] = all(
        len({result["sizes"][str(s)]["pages"][page]["queries_max"] for s in sizes}) == 1
        for page in largest
    )
    header = f"{'page':20}" + "".join(f"{s:>24,}" for s in sizes)
    print(header + "   (p50 / p99 ms, queries)")
    for page in largest:
        cells = []
        for s in sizes:
            row = result["sizes"][str(s)]["pages"][page]
            cells.append(f"{row['p50_ms']:>8} /{row['p99_ms']:>7}, {row['queries_max']:>3}q")
        print(f"{page:20}" + "".join(f"{c:>24}" for c in cells))
    print(
        f"p99 at {max(sizes):,} tracks: {result['p99_ms_max_largest']} ms (goal ≤ 50); "
        f"queries constant in catalog size: {result['queries_constant']}"
    )
    bench_finish("pages", result, args)


if __name__ == "__main__":
    main()
