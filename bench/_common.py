"""Share the benches' plumbing: a throw-away store, free ports, and the result table."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path


def store_setup(data_dir: Path, **env: str) -> None:
    """Point Django at a fresh store in data_dir (SQLite unless DATABASE_URL) and migrate it."""
    os.environ["TUNEMETER_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tunemeter.settings")
    os.environ.setdefault("TUNEMETER_LOG_LEVEL", "WARNING")
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def free_port() -> int:
    """Return a TCP port free on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_port(port: int, proc: subprocess.Popen, timeout: float = 30.0) -> None:
    """Wait until a server process listens on port; fail if it exits first."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server on port {port} did not start") from None
            time.sleep(0.05)


def print_rows(rows: list[tuple[str, str]]) -> None:
    """Print a two-column table of names and figures."""
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name.ljust(width)}  {value}")


RESULTS_DIR = Path(__file__).resolve().parent / "results"


def _git_commit() -> str:
    """Return the short commit the bench ran at, marked dirty when the tree has changes."""
    root = Path(__file__).resolve().parents[1]
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + ("-dirty" if dirty else "")


def _cpu_model() -> str:
    """Return the CPU model name from /proc/cpuinfo (empty where the kernel does not say)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def environment() -> dict:
    """Describe where a bench ran: commit, versions, cores and the load when it finished.

    The load average is the honest caveat of every figure: a bench run on a busy
    machine says so in its own result.
    """
    import platform
    from datetime import UTC, datetime
    from importlib.metadata import PackageNotFoundError, version

    try:
        import av

        ffmpeg = av.ffmpeg_version_info
        pyav = av.__version__
    except ImportError:
        ffmpeg = pyav = None
    try:
        lame = version("lameenc")
    except PackageNotFoundError:
        lame = None
    import sys

    load1, load5, load15 = os.getloadavg()
    return {
        "command": " ".join(["python", f"bench/{Path(sys.argv[0]).name}", *sys.argv[1:]]),
        "commit": _git_commit(),
        "finished_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "python": platform.python_version(),
        "pyav": pyav,
        "ffmpeg": ffmpeg,
        "lameenc": lame,
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "load_average": [round(load1, 2), round(load5, 2), round(load15, 2)],
    }


def bench_arguments(parser) -> None:
    """Add the options every bench shares: --json (print) and --save (bench/results/)."""
    parser.add_argument("--json", action="store_true", help="print one JSON object last")
    parser.add_argument(
        "--save",
        action="store_true",
        help="also write the JSON to bench/results/<bench>.json (the README's tables read it)",
    )


def bench_finish(name: str, result: dict, args) -> dict:
    """Stamp a result with where it ran; print it as JSON and save it as asked."""
    import json

    result = {"bench": name, **result, "environment": environment()}
    if getattr(args, "json", False):
        print(json.dumps(result))
    if getattr(args, "save", False):
        RESULTS_DIR.mkdir(exist_ok=True)
        (RESULTS_DIR / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


def cpu_seconds(pid: int) -> float:
    """Return the user + system CPU seconds a process (not its children) has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    # Fields 14 and 15 of proc(5) (utime, stime), counted from after the command name.
    return (int(fields[11]) + int(fields[12])) / ticks


def bench_license(release, *, since=None) -> None:
    """License a bench release worldwide, co-owned by a mandated label and an artist.

    Every purchase then passes the sale gate for any buyer's territory and accrues
    royalties both to a payable account and to escrow, as a real store's would.
    """
    from datetime import UTC, datetime

    from tunemeter.rights.models import SOUND_RECORDING, RightsHolder
    from tunemeter.rights.services import deal_create, mandate_register, split_set

    since = since or datetime(2026, 1, 1, tzinfo=UTC)
    label = RightsHolder.objects.create(kind="label", name=f"Bench Label {release.pk}")
    artist_holder = RightsHolder.objects.create(kind="artist", name=f"Bench Artist {release.pk}")
    mandate_register(
        holder=label, right_type=SOUND_RECORDING, territories="Worldwide", starts_at=since
    )
    deal_create(
        licensor=label, release=release, territories="Worldwide", starts_at=since,
        sr_share_bps=7000, preset="flat-8",
    )  # fmt: skip
    split_set(
        release=release, right_type=SOUND_RECORDING, shares=[(label, 6000), (artist_holder, 4000)]
    )


def bought_release(
    tmp: Path, *, tracks: int, seconds: float, formats: list[str], **env: str
) -> tuple:
    """Make a store in tmp with one generated release, licensed and bought in formats.

    Return (buyer, release, orders by format). The buyer is in Germany with a large
    demo balance; downloads per customer are not limited, so a bench measures the
    server, not the limit.
    """
    import sys

    os.environ.update(
        TUNEMETER_DATA_DIR=str(tmp / "data"),
        DJANGO_SETTINGS_MODULE="tunemeter.settings",
        TUNEMETER_LOG_LEVEL="WARNING",
        TUNEMETER_DEMO_PAYMENTS="1",
        TUNEMETER_MAX_DOWNLOADS_PER_CUSTOMER="1000",
        **env,
    )
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    from tunemeter.catalog.importing.pipeline import import_run
    from tunemeter.catalog.models import Release
    from tunemeter.customers.services import customer_register
    from tunemeter.ops.demo import demo_track
    from tunemeter.pricing.services import quote_create
    from tunemeter.shop.payments import PROVIDERS
    from tunemeter.shop.services import order_place

    call_command("migrate", verbosity=0)
    print(f"generating a {tracks}-track release…", file=sys.stderr)
    lib = tmp / "lib" / "Bench Artist" / "Bench Release"
    lib.mkdir(parents=True)
    styles = ["synthpop", "ambient", "jazz"]
    for i in range(tracks):
        demo_track(
            dest=lib / f"{i + 1:02d} - Track {i + 1}.flac",
            seconds=seconds,
            style=styles[i % 3],
            seed=50 + i,
        )
    import_run(root=tmp / "lib")
    release = Release.objects.get()
    bench_license(release)
    buyer = customer_register(
        email="bench@example.org", password="bench passphrase 2026", country="DE"
    )
    for k in range(200):
        PROVIDERS["demo"].deposit(customer=buyer, amount_minor=100_00, reference=f"d{k}")
    print(f"buying the release in {len(formats)} formats…", file=sys.stderr)
    orders = {}
    for fmt in formats:
        quote = quote_create(customer=buyer, items=[(release, fmt)])
        orders[fmt] = order_place(customer=buyer, quote=quote, idempotency_key=fmt)
    return buyer, release, orders


def rss_mb(pid: int) -> float:
    """Return a process's resident memory in MB (0 when it has gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def master_fields(n: int, *, seconds: float = 180.0) -> dict:
    """Return the fields of a master without audio (catalog rows for page and sale benches).

    n makes the hashes unique; nothing reads the file, whose path is "none".
    """
    return {
        "sha256": f"{n:064x}",
        "audio_sha256": f"{n:063x}a",
        "container": "flac",
        "codec": "flac",
        "sample_rate": 44100,
        "bit_depth": 16,
        "channels": 2,
        "length_samples": round(44100 * seconds),
        "size_bytes": 30_000_000,
        "storage_path": "none",
        "source_path": "none",
        "tag_fingerprint": "",
    }
