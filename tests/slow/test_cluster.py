"""Two app nodes and a worker on PostgreSQL, Redis and S3 behind nginx: exact ledger, one encode.

Everything is real and on loopback: a fresh PostgreSQL database this test creates,
Redis (db 5), SeaweedFS, `tunemeter serve` twice, `tunemeter worker`, nginx.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.audio import write_audio, write_tags
from tests.cluster import AUDIT, LINKS, NGINX, checkout, cluster_start, postgres_available, request

pytestmark = [
    pytest.mark.skipif(not postgres_available(), reason="no PostgreSQL at 127.0.0.1:5432"),
    pytest.mark.skipif(NGINX is None, reason="nginx not installed (.ci/run installs it)"),
]


@pytest.fixture
def cluster(tmp_path, s3_server, redis_url, slow_scale):
    library = tmp_path / "library" / "Cluster Artist" / "Cluster Album"
    for i in (1, 2, 3):
        path = write_audio(library / f"0{i}.flac", seconds=20, seed=70 + i)
        write_tags(
            path,
            {
                "title": f"Song {i}",
                "artist": "Cluster Artist",
                "album": "Cluster Album",
                "tracknumber": str(i),
            },
        )
    s3_env = {**s3_server.env(), "TUNEMETER_S3_PREFIX": f"cluster-{time.time_ns()}"}
    running, setup = cluster_start(
        base=tmp_path / "cluster",
        s3_env=s3_env,
        redis_url=redis_url,
        library=tmp_path / "library",
        buyers=50 * slow_scale,
    )
    yield running, setup
    running.stop()


def test_two_nodes_keep_the_ledger_exact_and_encode_a_rendition_once(cluster):
    import json

    running, setup = cluster
    buyers, tracks = setup["buyers"], setup["tracks"]
    # Size estimates were queued by the import and run on the worker: buyers never wait.
    deadline = time.monotonic() + 240
    while "job done name=transcoding.estimates" not in running.log("worker0"):
        assert time.monotonic() < deadline, running.log("worker0")[-3000:]
        time.sleep(0.5)

    # Concurrent checkouts through the balancer, spread over both nodes.
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(
            pool.map(
                lambda ib: checkout(
                    running.balancer, ib[1], tracks[ib[0] % len(tracks)], "mp3-128", f"k{ib[0]}"
                ),
                enumerate(buyers),
            )
        )
    seconds = time.monotonic() - started
    assert [status for status, _ in results] == [201] * len(buyers), results
    upstreams = {upstream for _, upstream in results}
    assert len(upstreams) == 2, upstreams  # both nodes took orders
    audit = json.loads(running.run(script=AUDIT))
    assert audit["problems"] == [] and audit["orders"] == len(buyers)
    print(
        f"cluster checkouts: {len(buyers)} orders in {seconds:.2f} s "
        f"({len(buyers) / seconds:.1f} orders/s) across {sorted(upstreams)}"
    )
    running.run("ledger", "verify")

    # One uncached rendition asked of both nodes at once: one encoder, the same bytes.
    link = json.loads(running.run("mp3-128", script=LINKS))[0]
    barrier, answers = threading.Barrier(2), {}

    def fetch(node: str) -> None:
        barrier.wait()
        answers[node] = request(node, "GET", link)

    threads = [threading.Thread(target=fetch, args=(node,)) for node in running.nodes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    (s1, _, b1), (s2, _, b2) = answers.values()
    assert (s1, s2) == (200, 200) and b1 == b2 and b1[:3] in (b"ID3", b"\xff\xfb")
    encodes = sum(running.log(name).count("encode start") for name in ("node0", "node1", "worker0"))
    assert encodes == 1
    # And the health check sees database, bucket and broker from every node.
    for node in running.nodes:
        status, _, body = request(node, "GET", "/healthz")
        assert status == 200, body
        assert json.loads(body)["checks"] == {
            "database": "ok",
            "storage": "ok (s3)",
            "broker": "ok",
        }
