"""Test the importer end to end on generated files: rows, storage, covers, idempotence."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audio import cover_jpeg, write_audio, write_tags
from tunemeter import storage
from tunemeter.catalog.importing.pipeline import import_run
from tunemeter.catalog.models import Artist, Master, Release, Track

pytestmark = pytest.mark.django_db(transaction=True)


def tagged(
    path: Path, seed: int, *, kind: str = "flac", cover: bytes | None = None, **tags
) -> Path:
    write_audio(path, kind=kind, seconds=0.3, seed=seed)
    write_tags(path, {k: str(v) for k, v in tags.items()}, cover=cover)
    return path


def album(root: Path, *, artist="Björk", title="Homogenic", n=3, kind="flac", seed=0, **extra):
    ext = "m4a" if kind == "m4a" else kind
    return [
        tagged(
            root / artist / title / f"{i:02d} - Song {i}.{ext}",
            seed + i,
            kind=kind,
            title=f"Song {i}",
            artist=artist,
            albumartist=artist,
            album=title,
            tracknumber=i,
            tracktotal=n,
            date="1997-09-22",
            genre="Electronic",
            isrc=f"GBAAA97{i:05d}",
            barcode="036000291452",
            composer="B. Gudmundsdottir",
            label="One Little Indian",
            copyright="℗ 1997 One Little Indian",
            **extra,
        )
        for i in range(1, n + 1)
    ]


def test_tagged_album_imports_every_field(tmp_path):
    album(tmp_path / "lib", cover=cover_jpeg())
    report = import_run(root=tmp_path / "lib", workers=1)
    assert (len(report.imported), report.rejected) == (3, [])
    release = Release.objects.get()
    assert (release.title, release.artist.name, release.upc) == (
        "Homogenic",
        "Björk",
        "036000291452",
    )
    assert (release.release_date, release.label, release.disc_total) == (
        "1997-09-22",
        "One Little Indian",
        1,
    )
    assert [g.name for g in release.genres.all()] == ["Electronic"]
    assert release.cover_mime == "image/jpeg"
    assert storage.storage_path(release.cover_path).read_bytes() == cover_jpeg()
    track = Track.objects.get(position=2)
    assert (track.title, track.artist.name, track.isrc, track.composer) == (
        "Song 2",
        "Björk",
        "GBAAA9700002",
        "B. Gudmundsdottir",
    )
    assert track.length_ms == 300
    master = track.master
    assert (master.codec, master.sample_rate, master.bit_depth, master.channels) == (
        "flac",
        44100,
        16,
        2,
    )
    assert master.length_samples == 13230


def test_masters_are_stored_content_addressed(tmp_path):
    files = album(tmp_path / "lib", n=1)
    import_run(root=tmp_path / "lib", workers=1)
    master = Master.objects.get()
    assert (
        master.storage_path
        == f"masters/{master.sha256[:2]}/{master.sha256[2:4]}/{master.sha256}.flac"
    )
    stored = storage.storage_path(master.storage_path)
    assert stored.read_bytes() == files[0].read_bytes()
    assert master.size_bytes == stored.stat().st_size
    assert not list(Path(storage.storage_root()).rglob(".tmp-*"))


@pytest.mark.parametrize("kind", ["wav", "aiff", "m4a", "wv"])
def test_every_container_imports_with_its_tags(tmp_path, kind):
    album(tmp_path / "lib", n=2, kind=kind, cover=cover_jpeg())
    report = import_run(root=tmp_path / "lib", workers=1)
    assert (len(report.imported), report.rejected) == (2, [])
    track = Track.objects.get(position=1)
    assert (track.title, track.release.title, track.artist.name, track.isrc) == (
        "Song 1",
        "Homogenic",
        "Björk",
        "GBAAA9700001",
    )
    assert track.release.cover_path


def test_untagged_files_take_title_and_release_from_their_paths(tmp_path):
    folder = tmp_path / "lib" / "Field Recordings"
    write_audio(folder / "01 - Rain on the roof.flac", seed=1, seconds=0.2)
    write_audio(folder / "02_Thunder.wav", kind="wav", seed=2, seconds=0.2)
    write_audio(folder / "birds.aiff", kind="aiff", seed=3, seconds=0.2)
    report = import_run(root=tmp_path / "lib", workers=1)
    assert (len(report.imported), report.rejected) == (3, [])
    release = Release.objects.get()
    assert (release.title, release.artist.name) == ("Field Recordings", "Unknown Artist")
    titles = list(release.tracks.order_by("position").values_list("position", "title"))
    assert titles == [(1, "Rain on the roof"), (2, "Thunder"), (3, "birds")]


def test_multi_disc_release_groups_discs(tmp_path):
    root = tmp_path / "lib"
    for disc in (1, 2):
        for i in (1, 2):
            tagged(
                root / f"CD{disc}" / f"{i:02d}.flac",
                disc * 10 + i,
                title=f"D{disc}T{i}",
                artist="Orchestra",
                album="Symphonies",
                tracknumber=i,
                discnumber=disc,
                disctotal=2,
            )
    report = import_run(root=root, workers=1)
    assert len(report.imported) == 4
    release = Release.objects.get()
    assert release.disc_total == 2
    assert list(release.tracks.values_list("disc_number", "position", "title")) == [
        (1, 1, "D1T1"),
        (1, 2, "D1T2"),
        (2, 1, "D2T1"),
        (2, 2, "D2T2"),
    ]


def test_untagged_disc_folders_are_discs(tmp_path):
    root = tmp_path / "lib" / "Live at Home"
    write_audio(root / "CD1" / "01 - Intro.flac", seed=1, seconds=0.2)
    write_audio(root / "CD2" / "01 - Encore.flac", seed=2, seconds=0.2)
    import_run(root=tmp_path / "lib", workers=1)
    release = Release.objects.get()
    assert release.title == "Live at Home"
    assert list(release.tracks.values_list("disc_number", "position")) == [(1, 1), (2, 1)]


def test_compilation_keeps_track_artists(tmp_path):
    root = tmp_path / "lib" / "Sampler"
    for i, artist in enumerate(["Motörhead", "Sigur Rós", "Ørsted Quartet"], start=1):
        tagged(
            root / f"{i}.flac",
            i,
            title=f"Cut {i}",
            artist=artist,
            album="Sampler",
            compilation="1",
            tracknumber=i,
        )
    import_run(root=tmp_path / "lib", workers=1)
    release = Release.objects.get()
    assert release.is_compilation and release.artist.name == "Various Artists"
    assert list(release.tracks.values_list("artist__name", flat=True)) == [
        "Motörhead",
        "Sigur Rós",
        "Ørsted Quartet",
    ]


def test_folder_cover_is_used_when_nothing_is_embedded(tmp_path):
    files = album(tmp_path / "lib", n=2)
    (files[0].parent / "folder.png").write_bytes(_png())
    import_run(root=tmp_path / "lib", workers=1)
    release = Release.objects.get()
    assert release.cover_mime == "image/png"
    assert storage.storage_path(release.cover_path).read_bytes() == _png()


def test_a_broken_cover_is_ignored_not_fatal(tmp_path):
    files = album(tmp_path / "lib", n=1)
    (files[0].parent / "cover.jpg").write_bytes(b"not really a jpeg")
    report = import_run(root=tmp_path / "lib", workers=1)
    assert len(report.imported) == 1 and Release.objects.get().cover_path == ""


def _png() -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (32, 32), (10, 200, 30)).save(buf, "PNG")
    return buf.getvalue()


def _snapshot():
    return (
        list(Artist.objects.order_by("pk").values_list("pk", "name")),
        list(Release.objects.order_by("pk").values_list("pk", "title", "upc", "updated_at")),
        list(Track.objects.order_by("pk").values_list("pk", "title", "position", "updated_at")),
        list(Master.objects.order_by("pk").values_list("pk", "sha256", "updated_at")),
    )


def test_reimporting_the_same_files_changes_nothing(tmp_path):
    album(tmp_path / "lib", cover=cover_jpeg())
    import_run(root=tmp_path / "lib", workers=1)
    before = _snapshot()
    report = import_run(root=tmp_path / "lib", workers=2)
    assert (len(report.unchanged), report.imported, report.updated) == (3, [], [])
    assert _snapshot() == before


def test_changed_tags_update_the_rows_without_duplicates(tmp_path):
    files = album(tmp_path / "lib")
    import_run(root=tmp_path / "lib", workers=1)
    old_track = Track.objects.get(position=1)
    old_master = old_track.master
    write_tags(files[0], {"title": "Jóga", "isrc": "GBAAA9799999"})
    report = import_run(root=tmp_path / "lib", workers=1)
    assert (len(report.updated), len(report.unchanged), report.imported) == (1, 2, [])
    assert (Track.objects.count(), Master.objects.count(), Release.objects.count()) == (3, 3, 1)
    track = Track.objects.get(position=1)
    assert (track.title, track.isrc) == ("Jóga", "GBAAA9799999")
    assert track.pk == old_track.pk
    # Same audio in the same container: the master (and so every rendition key) is kept,
    # and the retagged file's copy is not left in storage.
    assert track.master.sha256 == old_master.sha256
    assert storage.storage_path(track.master.storage_path).exists()
    stored = list(Path(storage.storage_root()).rglob("masters/**/*.flac"))
    assert len(stored) == 3
    # The next run finds nothing to do.
    again = import_run(root=tmp_path / "lib", workers=1)
    assert (len(again.unchanged), again.updated, again.imported) == (3, [], [])


def test_retagging_into_another_album_moves_the_track_and_drops_the_empty_release(tmp_path):
    files = album(tmp_path / "lib", n=1, title="Demo")
    import_run(root=tmp_path / "lib", workers=1)
    write_tags(files[0], {"album": "Debut"})
    import_run(root=tmp_path / "lib", workers=1)
    assert list(Release.objects.values_list("title", flat=True)) == ["Debut"]
    assert Track.objects.count() == 1


def test_the_same_recording_twice_in_one_import_is_imported_once(tmp_path):
    files = album(tmp_path / "lib", n=1)
    copy = tmp_path / "lib" / "copy" / "same.flac"
    copy.parent.mkdir()
    copy.write_bytes(files[0].read_bytes())
    write_tags(copy, {"title": "Other name"})
    report = import_run(root=tmp_path / "lib", workers=1)
    assert len(report.imported) == 1 and report.rejected == []
    assert len(report.duplicates) == 1 and "same recording" in report.duplicates[0][1]
    assert Track.objects.count() == 1


def test_two_files_claiming_one_position_do_not_overwrite_each_other(tmp_path):
    root = tmp_path / "lib"
    tagged(root / "a.flac", 1, title="A", artist="X", album="Y", tracknumber=1)
    tagged(root / "b.flac", 2, title="B", artist="X", album="Y", tracknumber=1)
    report = import_run(root=root, workers=1)
    assert len(report.imported) == 1 and "already taken" in report.rejected[0][1]
    assert Track.objects.get().title == "A"
    # The loser's stored copy is not left behind.
    assert Master.objects.count() == len(list(Path(storage.storage_root()).rglob("*.flac")))


def test_dry_run_reports_but_writes_nothing(tmp_path):
    album(tmp_path / "lib", cover=cover_jpeg())
    report = import_run(root=tmp_path / "lib", dry_run=True, workers=1)
    assert len(report.imported) == 3
    assert (Track.objects.count(), Release.objects.count(), Artist.objects.count()) == (0, 0, 0)
    assert not list(Path(storage.storage_root()).rglob("*.*"))


def test_rejections_are_reported_and_the_rest_imports(tmp_path):
    album(tmp_path / "lib", n=2)
    (tmp_path / "lib" / "notes.flac").write_text("not audio")
    write_audio(tmp_path / "lib" / "lossy.mp3", kind="mp3", seconds=0.3)
    (tmp_path / "lib" / "readme.txt").write_text("ignored: not an audio extension")
    report = import_run(root=tmp_path / "lib", workers=2)
    assert len(report.imported) == 2
    reasons = {p.name: r for p, r in report.rejected}
    assert set(reasons) == {"notes.flac", "lossy.mp3"}
    assert "lossy" in reasons["lossy.mp3"] and "text" in reasons["notes.flac"]


def test_invalid_identifiers_are_dropped_with_a_warning(tmp_path):
    tagged(
        tmp_path / "lib" / "a.flac",
        1,
        title="A",
        album="B",
        isrc="NOT-AN-ISRC",
        barcode="1234567890123",
    )
    report = import_run(root=tmp_path / "lib", workers=1)
    assert len(report.imported) == 1
    assert {w for _, w in report.warnings} == {
        "ignored invalid ISRC 'NOTANISRC'",
        "ignored invalid UPC/EAN '1234567890123'",
    }
    assert Track.objects.get().isrc == "" and Release.objects.get().upc == ""


def test_parallel_import_matches_serial_import(tmp_path):
    album(tmp_path / "lib", n=6)
    report = import_run(root=tmp_path / "lib", workers=2)
    assert len(report.imported) == 6 and Track.objects.count() == 6
