"""Keep objects in an S3-compatible bucket (boto3): multipart uploads, presigned links."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

logger = logging.getLogger(__name__)

# Files past this go up in parts; the object appears only when the upload completes.
MULTIPART_THRESHOLD_BYTES = 8 * 1024 * 1024


class S3Backend:
    """Objects in one bucket under an optional key prefix."""

    name = "s3"

    def __init__(
        self,
        *,
        bucket: str,
        endpoint_url: str = "",
        access_key_id: str = "",
        secret_access_key: str = "",
        region: str = "",
        prefix: str = "",
        presign_seconds: int = 300,
    ) -> None:
        self.bucket, self.prefix = bucket, prefix.strip("/")
        self.presign_seconds = presign_seconds
        self._options = {
            "endpoint_url": endpoint_url or None,
            "aws_access_key_id": access_key_id or None,
            "aws_secret_access_key": secret_access_key or None,
            "region_name": region or None,
        }
        self._local = threading.local()

    @property
    def client(self):
        """Return this thread's boto3 client (clients are not shared across threads)."""
        client = getattr(self._local, "client", None)
        if client is None:
            import boto3
            from botocore.config import Config

            client = boto3.session.Session().client(
                "s3",
                config=Config(
                    signature_version="s3v4",
                    s3={"addressing_style": "path"},
                    retries={"max_attempts": 3, "mode": "standard"},
                    connect_timeout=5,
                    read_timeout=30,
                ),
                **self._options,
            )
            self._local.client = client
        return client

    def key(self, relpath: str) -> str:
        """Return the bucket key of an object."""
        return f"{self.prefix}/{relpath}" if self.prefix else relpath

    def publish(self, relpath: str, path: Path) -> None:
        """Upload the complete file; large files go in parts completed only at the end.

        boto3's transfer manager aborts the multipart upload when any part fails, so a
        failed upload leaves no object under the key.
        """
        from boto3.s3.transfer import TransferConfig

        self.client.upload_file(
            str(path),
            self.bucket,
            self.key(relpath),
            Config=TransferConfig(
                multipart_threshold=MULTIPART_THRESHOLD_BYTES,
                multipart_chunksize=MULTIPART_THRESHOLD_BYTES,
                use_threads=False,
            ),
        )
        logger.info("s3 put key=%s bytes=%d", relpath, path.stat().st_size)

    def fetch(self, relpath: str, out: BinaryIO) -> None:
        """Write the object's bytes to out; FileNotFoundError when the key is absent."""
        from botocore.exceptions import ClientError

        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self.key(relpath))["Body"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
                raise FileNotFoundError(relpath) from exc
            raise
        expected = body._content_length  # noqa: SLF001 - boto3 exposes no public field
        received = 0
        for chunk in body.iter_chunks(1024 * 1024):
            out.write(chunk)
            received += len(chunk)
        if expected is not None and received != int(expected):
            raise OSError(f"s3 object {relpath} ended after {received} of {expected} bytes")

    def exists(self, relpath: str) -> bool:
        """Return True when the key exists."""
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key(relpath))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"NoSuchKey", "404", "NotFound"}:
                return False
            raise
        return True

    def delete(self, relpath: str) -> None:
        """Delete the key (S3 answers success when it is already absent)."""
        self.client.delete_object(Bucket=self.bucket, Key=self.key(relpath))

    def keys(self, prefix: str = "") -> Iterator[tuple[str, int]]:
        """Yield (relpath, size_bytes) of every key under prefix."""
        strip = len(self.prefix) + 1 if self.prefix else 0
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.key(prefix)):
            for item in page.get("Contents", []):
                relpath = item["Key"][strip:]
                if not relpath.rsplit("/", 1)[-1].startswith("."):
                    yield relpath, item["Size"]

    def check(self) -> None:
        """Raise when the bucket does not answer."""
        self.client.head_bucket(Bucket=self.bucket)

    def presigned_url(self, relpath: str, *, filename_header: str, content_type: str) -> str:
        """Return a short-lived GET URL that answers with the store's file name and type.

        S3 serves Range and If-Range itself; its ETag is its own (MD5-based), so the
        store's sha256 travels in the object's metadata (x-amz-meta-sha256) instead.
        """
        return self.client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": self.key(relpath),
                "ResponseContentDisposition": filename_header,
                "ResponseContentType": content_type,
            },
            ExpiresIn=self.presign_seconds,
        )
