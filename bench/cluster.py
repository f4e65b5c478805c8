"""Benchmark a cluster: one node against two, on PostgreSQL, Redis and S3 behind nginx.

For each size (1 app node + 1 worker, then 2 app nodes + 2 workers) it starts a fresh
cluster with tests/cluster.py (a new PostgreSQL database, SeaweedFS, Redis db 5) and
measures, through nginx:

- orders_per_s: concurrent API checkouts (quote + order), one buyer each;
- download_mb_s: concurrent downloads of renditions already cached on the nodes;
- renders_per_s: uncached renditions encoded by the workers (warm jobs on Celery);
- errors: requests or jobs that failed.

    python bench/cluster.py [--buyers 40] [--downloads 40] [--renders 12] [--json] [--save]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from _common import bench_arguments, bench_finish

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402
from tests.audio import write_audio, write_tags  # noqa: E402
from tests.cluster import LINKS, checkout, cluster_start, request  # noqa: E402
from tests.s3server import s3_start  # noqa: E402

RENDERS = """
import json, sys, time
import django
django.setup()
from tunemeter.catalog.models import Track
from tunemeter.jobs import job_enqueue
from tunemeter.transcoding.models import Rendition
formats = sys.argv[1].split(",")
tracks = list(Track.objects.order_by("pk").values_list("pk", flat=True))
before = Rendition.objects.count()
started = time.monotonic()
for format_id in formats:
    for track_id in tracks:
        job_enqueue("transcoding.warm", track_ids=[track_id], format_id=format_id)
want = before + len(formats) * len(tracks)
deadline = started + 600
while Rendition.objects.count() < want and time.monotonic() < deadline:
    time.sleep(0.1)
done = Rendition.objects.count() - before
print(json.dumps({"renders": done, "seconds": time.monotonic() - started,
                  "errors": len(formats) * len(tracks) - done}))
"""

RENDER_FORMATS = ["mp3-320", "opus-160", "aac-256", "flac"]


def library(root: Path, tracks: int, seconds: float) -> Path:
    album = root / "library" / "Bench Artist" / "Bench Album"
    for i in range(1, tracks + 1):
        path = write_audio(album / f"{i:02d}.flac", seconds=seconds, seed=200 + i)
        write_tags(
            path,
            {
                "title": f"Bench {i}",
                "artist": "Bench Artist",
                "album": "Bench Album",
                "tracknumber": str(i),
            },
        )
    return root / "library"


def measure(nodes: int, args, base: Path, s3_env: dict, redis_url: str) -> dict:
    redis.Redis.from_url(redis_url).flushdb()
    cluster, setup = cluster_start(
        base=base / f"nodes{nodes}",
        s3_env={**s3_env, "TUNEMETER_S3_PREFIX": f"bench{nodes}"},
        redis_url=redis_url,
        library=args.library,
        nodes=nodes,
        workers=nodes,
        buyers=args.buyers,
    )
    try:
        buyers, tracks = setup["buyers"], setup["tracks"]
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=32) as pool:
            results = list(
                pool.map(
                    lambda ib: checkout(
                        cluster.balancer, ib[1], tracks[ib[0] % len(tracks)], "wav", f"b{ib[0]}"
                    ),
                    enumerate(buyers),
                )
            )
        orders_s = time.monotonic() - started
        errors = sum(1 for status, _ in results if status != 201)
        links = json.loads(cluster.run("wav", script=LINKS))
        for node in cluster.nodes:  # cache every bought track on every node
            for link in links[: len(tracks)]:
                request(node, "GET", link)
        picks = [links[i % len(links)] for i in range(args.downloads)]
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=16) as pool:
            got = list(pool.map(lambda link: request(cluster.balancer, "GET", link), picks))
        download_s = time.monotonic() - started
        errors += sum(1 for status, _, _ in got if status != 200)
        megabytes = sum(len(body) for _, _, body in got) / 1e6
        renders = json.loads(cluster.run(",".join(RENDER_FORMATS), script=RENDERS, timeout=900))
        errors += renders["errors"]
        return {
            "orders_per_s": round(len(buyers) / orders_s, 2),
            "download_mb_s": round(megabytes / download_s, 1),
            "renders_per_s": round(renders["renders"] / renders["seconds"], 2),
            "errors": errors,
        }
    finally:
        cluster.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buyers", type=int, default=40)
    parser.add_argument("--downloads", type=int, default=40)
    parser.add_argument("--tracks", type=int, default=3)
    parser.add_argument("--seconds-per-track", type=float, default=30)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/5")
    bench_arguments(parser)
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="tunemeter-cluster-bench-"))
    args.library = library(base, args.tracks, args.seconds_per_track)
    s3 = s3_start(base / "seaweedfs")
    try:
        results = {f"nodes_{n}": measure(n, args, base, s3.env(), args.redis_url) for n in (1, 2)}
    finally:
        s3.stop()
    for name, row in results.items():
        print(name, " ".join(f"{k}={v}" for k, v in row.items()))
    bench_finish("cluster", results, args)


if __name__ == "__main__":
    main()
