"""Test object storage on a real S3 server (SeaweedFS): atomic uploads, read-through, downloads."""

from __future__ import annotations

import hashlib

import pytest

from tests.delivery.test_downloads import first_track_url, get
from tunemeter import storage
from tunemeter.transcoding import cache as cache_module
from tunemeter.transcoding.cache import RenditionCache
from tunemeter.transcoding.exceptions import RenderError
from tunemeter.transcoding.selectors import render_job


def keys(backend, prefix: str = "") -> dict[str, int]:
    return dict(backend.keys(prefix))


def test_an_object_goes_to_the_bucket_and_reads_back_through_the_local_cache(s3):
    data = b"master bytes " * 1000
    relpath = storage.content_relpath("masters", hashlib.sha256(data).hexdigest(), "flac")
    local = storage.store_bytes(data, relpath)
    assert keys(s3) == {relpath: len(data)}
    local.unlink()  # another node, or this one after eviction: only the bucket has it
    assert storage.object_exists(relpath)
    assert storage.storage_local(relpath).read_bytes() == data
    storage.object_delete(relpath)
    assert keys(s3) == {} and not storage.object_exists(relpath)
    with pytest.raises(FileNotFoundError):
        storage.storage_local(relpath)


def test_a_failed_multipart_upload_leaves_no_object_and_no_open_upload(s3, tmp_path, monkeypatch):
    """A multipart upload is completed only when every part arrived (S3 CompleteMultipartUpload)."""
    big = tmp_path / "big.bin"
    big.write_bytes(bytes(range(256)) * (40_000 * 2))  # 20 MB: three parts
    client = s3.client
    real = client.upload_part
    calls = []

    def fail_second(**kwargs):
        calls.append(kwargs["PartNumber"])
        if len(calls) == 2:
            raise OSError("connection reset mid-upload")
        return real(**kwargs)

    monkeypatch.setattr(client, "upload_part", fail_second)
    with pytest.raises(Exception, match="connection reset"):
        storage.store_copy(big, "masters/aa/bb/big.flac")
    monkeypatch.setattr(client, "upload_part", real)
    assert len(calls) >= 2
    assert keys(s3) == {}
    assert not storage.storage_path("masters/aa/bb/big.flac").exists()
    uploads = client.list_multipart_uploads(Bucket=s3.bucket, Prefix=s3.prefix).get("Uploads", [])
    assert uploads == []
    storage.store_copy(big, "masters/aa/bb/big.flac")  # a retry completes
    assert keys(s3) == {"masters/aa/bb/big.flac": big.stat().st_size}


@pytest.mark.django_db(transaction=True)
def test_a_failed_encode_leaves_nothing_under_the_final_key(s3, track_factory, monkeypatch):
    track = track_factory(seconds=1)
    storage.storage_path(track.master.storage_path).unlink()  # masters read through too
    job = render_job(track_id=track.pk, format_id="wav")

    def broken(source, fmt, tags):
        yield b"RIFF" + b"\0" * 100_000
        raise RenderError("encoder crashed")

    monkeypatch.setattr(cache_module, "render", broken)
    cache = RenditionCache(max_encodes=1)
    with pytest.raises(RenderError):
        b"".join(cache.open(job))
    assert job.relpath not in keys(s3, "renditions")
    assert not storage.storage_path(job.relpath).exists()
    monkeypatch.undo()
    data = b"".join(cache.open(job))
    assert keys(s3, "renditions") == {job.relpath: len(data)}


def test_downloads_read_renditions_through_from_the_bucket_with_the_store_etag(
    s3, asgi_server, purchase
):
    buyer, _, _ = purchase
    url, entitlement = first_track_url(asgi_server, buyer)
    status, _, first = get(url)
    assert status == 200
    job = render_job(track_id=entitlement.track_id, format_id="wav")
    for _ in range(200):  # the encoder publishes (bucket, then local name) after the last byte
        if storage.storage_path(job.relpath).exists():
            break
        import time

        time.sleep(0.05)
    storage.storage_path(job.relpath).unlink()  # this node's copy gone: the bucket has it
    status, headers, again = get(url, {"Range": "bytes=100-"})
    assert status == 206 and again == first[100:]
    assert headers["ETag"] == f'"{hashlib.sha256(first).hexdigest()}"'
    assert "filename*=UTF-8''01%20-%20Bj%C3%B6rk" in headers["Content-Disposition"]


def test_presigned_downloads_keep_range_and_file_name(s3, asgi_server, purchase, settings):
    settings.S3_DOWNLOADS = "presigned"
    buyer, _, _ = purchase
    url, entitlement = first_track_url(asgi_server, buyer)
    _, _, first = get(url)  # encoded by the store, published to the bucket
    job = render_job(track_id=entitlement.track_id, format_id="wav")
    import time

    for _ in range(100):
        if job.relpath in keys(s3, "renditions"):
            break
        time.sleep(0.05)
    status, headers, _ = get(url)
    assert status == 302 and headers["Location"].startswith(s3_endpoint(s3))
    assert headers["X-Content-SHA256"] == hashlib.sha256(first).hexdigest()
    status, h, part = get(headers["Location"], {"Range": "bytes=10-19"})
    assert (status, part) == (206, first[10:20])
    assert "filename*=UTF-8''01%20-%20Bj%C3%B6rk" in h["Content-Disposition"]
    assert h["Content-Type"] == "audio/wav"


def s3_endpoint(backend) -> str:
    return backend._options["endpoint_url"]


def test_with_the_s3_server_down_a_download_fails_whole_and_succeeds_once_it_is_back(
    s3, s3_server, asgi_server, purchase
):
    """Never a short 200: an object this node must read through is fetched whole first."""
    import time

    buyer, _, _ = purchase
    url, entitlement = first_track_url(asgi_server, buyer)
    _, _, first = get(url)
    job = render_job(track_id=entitlement.track_id, format_id="wav")
    for _ in range(200):  # published to the bucket first, then renamed into place here
        if storage.storage_path(job.relpath).exists():
            break
        time.sleep(0.05)
    storage.storage_path(job.relpath).unlink()  # only the bucket has it now
    s3_server.stop()
    try:
        status, _, body = get(url)
        assert status >= 500 and body != first
        assert not storage.storage_path(job.relpath).exists()  # no partial local copy
    finally:
        s3_server.restart()
    status, _, again = get(url)
    assert status == 200 and again == first
    status, _, rest = get(url, {"Range": f"bytes={len(first) // 2}-"})
    assert status == 206 and first[: len(first) // 2] + rest == first
