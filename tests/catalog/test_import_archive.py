"""Test the importer on what a real label archive holds: odd names, special files, copies.

Each test generates the odd files itself (Latin-1 names, FIFOs, sockets, symlinks, the
same recording as a tagged FLAC and an untagged WAV, a compilation).
"""

from __future__ import annotations

import io
import os
import signal
import socket
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.audio import write_audio, write_tags
from tunemeter import storage
from tunemeter.catalog.importing.pipeline import import_run
from tunemeter.catalog.models import Master, Release, Track

pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def deadline(seconds: int):
    """Fail (instead of hanging the suite) when the block takes longer than seconds."""

    def expire(signum, frame):
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def command(*args: str) -> tuple[int, str]:
    """Run `tunemeter import` in-process; return (exit code, what it printed)."""
    out = io.StringIO()
    try:
        call_command("import", *args, stdout=out)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, out.getvalue()


def stored_masters() -> list[Path]:
    return [p for p in Path(storage.storage_root()).rglob("masters/**/*") if p.is_file()]


def test_a_latin1_file_name_imports_is_stored_exactly_and_printed_escaped(tmp_path):
    """A name that is not UTF-8 (or holds an escape sequence) neither aborts nor reaches
    the terminal raw (ECMA-48 control functions start with ESC, 0x1b)."""
    lib = tmp_path / "lib"
    lib.mkdir()
    raw = os.fsencode(lib) + b"/01 Caf\xe9 \x1b[31mred.flac"
    write_audio(Path(os.fsdecode(raw)), seed=1, seconds=0.3)
    write_audio(lib / "02 Zebra.flac", seed=2, seconds=0.3)
    code, out = command(str(lib))
    assert code == 0, out
    assert Track.objects.count() == 2
    track = Track.objects.get(position=1)
    assert bytes(track.source_path_bytes) == raw
    assert track.title.startswith("Café")
    assert "\x1b" not in track.title and "\x1b" not in track.source_path
    assert "\\xe9" in track.source_path
    # Re-import: the exact bytes find the same file.
    code, out = command(str(lib))
    assert code == 0 and "unchanged: 2" in out
    # A rejected file with such a name is printed escaped.
    Path(os.fsdecode(os.fsencode(lib) + b"/bad\x1b]0;pwned\x07\xff.flac")).write_text("x")
    code, out = command(str(lib))
    assert code == 1
    assert "\x1b" not in out and "\x07" not in out
    assert "bad\\x1b]0;pwned\\x07\\xff.flac" in out


@pytest.mark.parametrize("dry_run", [False, True])
def test_fifos_sockets_and_symlinks_follow_the_stated_rule_and_never_hang(tmp_path, dry_run):
    """Only regular files are opened (POSIX lstat/S_ISREG before open, O_NONBLOCK)."""
    lib = tmp_path / "lib"
    write_audio(lib / "01 Real.flac", seed=1, seconds=0.3)
    os.mkfifo(lib / "02 Pipe.flac")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(lib / "03 Sock.wav"))
    write_audio(tmp_path / "elsewhere" / "linked.flac", seed=4, seconds=0.3)
    (lib / "04 Linked.flac").symlink_to(tmp_path / "elsewhere" / "linked.flac")
    (lib / "05 Dangling.flac").symlink_to(tmp_path / "nothing.flac")
    (lib / "06 To pipe.flac").symlink_to(lib / "02 Pipe.flac")
    (lib / "loop").symlink_to(lib)  # a symlinked folder is not followed
    with deadline(60):
        report = import_run(root=lib, workers=2, dry_run=dry_run)
    sock.close()
    assert sorted(p.name for p in report.imported) == ["01 Real.flac", "04 Linked.flac"]
    skipped = {p.name: reason for p, reason in report.skipped}
    assert set(skipped) == {"02 Pipe.flac", "03 Sock.wav", "05 Dangling.flac", "06 To pipe.flac"}
    assert "FIFO" in skipped["02 Pipe.flac"] and "socket" in skipped["03 Sock.wav"]
    assert "dangling" in skipped["05 Dangling.flac"]
    assert "FIFO" in skipped["06 To pipe.flac"]
    assert report.rejected == []


def _flac_and_wav_of_one_recording(folder: Path) -> tuple[Path, Path]:
    flac = write_audio(folder / "03 - Tagged.flac", seed=7, seconds=0.4)
    write_tags(
        flac,
        {"title": "Tagged", "artist": "A", "album": "Album", "tracknumber": "3", "isrc": ""},
    )
    wav = write_audio(folder / "11 untagged take.wav", kind="wav", seed=7, seconds=0.4)
    return flac, wav


def test_the_same_recording_twice_keeps_the_richer_file_and_reimport_changes_nothing(tmp_path):
    """Tags over none, then container order, then path: the same choice on every run."""
    lib = tmp_path / "lib"
    write_audio(lib / "01 - Other.flac", seed=1, seconds=0.3)
    write_tags(lib / "01 - Other.flac", {"title": "Other", "album": "Album", "artist": "A"})
    flac, wav = _flac_and_wav_of_one_recording(lib)
    code, out = command(str(lib))
    assert code == 0, out  # a duplicate is not an error
    assert "imported: 2" in out and "duplicates: 1" in out
    assert "same recording as" in out and "11 untagged take.wav" in out
    track = Track.objects.get(master__container="flac", title="Tagged")
    assert (track.position, track.master.container) == (3, "flac")
    # The duplicate's stored copy is removed: one stored file per master.
    assert len(stored_masters()) == Master.objects.count() == 2
    before = list(Track.objects.order_by("pk").values_list("pk", "title", "position", "updated_at"))
    masters = list(Master.objects.order_by("pk").values_list("pk", "sha256", "updated_at"))
    for _ in range(2):
        code, out = command(str(lib))
        assert code == 0 and "imported: 0  updated: 0" in out and "duplicates: 1" in out, out
    assert before == list(
        Track.objects.order_by("pk").values_list("pk", "title", "position", "updated_at")
    )
    assert masters == list(Master.objects.order_by("pk").values_list("pk", "sha256", "updated_at"))
    assert len(stored_masters()) == 2


def test_a_compilation_adds_a_track_pointing_at_the_same_master(tmp_path):
    """A recording on two releases is two tracks and one master; nothing leaves its album."""
    lib = tmp_path / "lib"
    song = write_audio(lib / "Album" / "01 Song.flac", seed=3, seconds=0.5)
    write_tags(
        song,
        {
            "title": "Song",
            "artist": "A",
            "album": "Album",
            "tracknumber": "1",
            "isrc": "GBAAA2500001",
        },
    )
    write_audio(lib / "Album" / "02 Other.flac", seed=4, seconds=0.5)
    write_tags(
        lib / "Album" / "02 Other.flac",
        {"title": "Other", "artist": "A", "album": "Album", "tracknumber": "2"},
    )
    import_run(root=lib, workers=1)
    best = lib / "Best" / "07 Song.flac"
    best.parent.mkdir()
    best.write_bytes(song.read_bytes())
    write_tags(
        best,
        {
            "album": "Best Of",
            "albumartist": "Various Artists",
            "compilation": "1",
            "tracknumber": "7",
        },
    )
    report = import_run(root=lib, workers=1)
    assert (len(report.imported), len(report.unchanged), report.rejected) == (1, 2, [])
    original = Track.objects.get(release__title="Album", position=1)
    on_best = Track.objects.get(release__title="Best Of")
    assert original.isrc == "GBAAA2500001" and original.master_id == on_best.master_id
    assert (on_best.position, Master.objects.count()) == (7, 2)
    assert Release.objects.get(title="Best Of").loudness_lufs is not None
    assert Release.objects.get(title="Album").tracks.count() == 2
    again = import_run(root=lib, workers=2)
    assert (again.imported, again.updated, len(again.unchanged)) == ([], [], 3)


def test_loudness_is_measured_during_import(tmp_path):
    write_audio(tmp_path / "lib" / "a.flac", seed=1, seconds=1.0)
    import_run(root=tmp_path / "lib", workers=1)
    track = Track.objects.get()
    assert track.loudness_lufs is not None and -40 < track.loudness_lufs < 0
    assert 0 < track.true_peak <= 1.2
    assert track.release.loudness_lufs == pytest.approx(track.loudness_lufs, abs=0.01)


def test_a_full_disk_stops_the_import_with_a_clear_message(tmp_path, monkeypatch):
    """ENOSPC from the store's own disk is not blamed on the user's file."""
    import errno

    for i in range(4):
        write_audio(tmp_path / "lib" / f"{i:02d}.flac", seed=i, seconds=0.3)
    calls = []

    def full(src, relpath):
        calls.append(src)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(storage, "store_copy", full)
    code, out = command(str(tmp_path / "lib"), "--workers", "1")
    assert code == 3
    assert "disk is full" in out and "cannot read" not in out
    assert len(calls) == 1  # stopped at the first failure
    assert Track.objects.count() == 0
    assert not list(Path(storage.storage_root()).rglob(".tmp-*"))
