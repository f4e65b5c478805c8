"""Test tag details that reach the catalog and renditions: several artists, totals, AIFF text."""

from __future__ import annotations

import io
import struct
from dataclasses import replace

import mutagen
import pytest
from mutagen.flac import FLAC

from tests.audio import write_audio
from tests.transcoding.helpers import TAGS
from tunemeter.catalog.importing.pipeline import import_run
from tunemeter.catalog.models import Track
from tunemeter.delivery.zips import _member_name, bounded_name
from tunemeter.transcoding.formats import FORMATS
from tunemeter.transcoding.selectors import RenderJob, render_job
from tunemeter.transcoding.services import rendition_open

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_multi_valued_artist_keeps_every_name(tmp_path):
    path = write_audio(tmp_path / "lib" / "duet.flac", seconds=0.3)
    audio = FLAC(path)
    audio["title"], audio["album"] = "Duet", "Pairs"
    audio["artist"] = ["Ann", "Bob"]  # two ARTIST comments (Vorbis comment spec allows it)
    audio.save()
    import_run(root=tmp_path / "lib", workers=1)
    assert Track.objects.get().artist.name == "Ann; Bob"


def test_a_track_number_is_never_above_the_total(tmp_path):
    write_audio(tmp_path / "lib" / "Live" / "42 - Encore.flac", seconds=0.3)
    import_run(root=tmp_path / "lib", workers=1)
    track = Track.objects.get()
    tags = render_job(track_id=track.pk, format_id="mp3-320").tags
    assert (tags.track, tags.track_total) == (42, 42)


def _aiff_chunks(data: bytes) -> dict[bytes, bytes]:
    chunks, pos = {}, 12
    while pos + 8 <= len(data):
        cid, size = data[pos : pos + 4], struct.unpack(">I", data[pos + 4 : pos + 8])[0]
        chunks[cid] = data[pos + 8 : pos + 8 + min(size, 4096)]
        pos += 8 + size + (size & 1)
    return chunks


def test_aiff_renditions_leave_non_ascii_text_to_the_id3_chunk(tmp_path):
    """AIFF text chunks are ASCII (AIFF 1.3); "Ёлка" must not arrive as "????"."""
    path = write_audio(tmp_path / "lib" / "01.flac", seconds=0.3)
    audio = FLAC(path)
    audio["title"], audio["artist"], audio["album"] = "Ёлка", "Plain", "Ёлки"
    audio.save()
    import_run(root=tmp_path / "lib", workers=1)
    track = Track.objects.get()
    data = b"".join(rendition_open(track_id=track.pk, format_id="aiff"))
    chunks = _aiff_chunks(data)
    assert b"NAME" not in chunks and chunks[b"AUTH"] == b"Plain"
    assert mutagen.File(io.BytesIO(data)).tags["TIT2"].text == ["Ёлка"]


def test_zip_member_names_are_bounded_in_bytes_keeping_number_and_extension():
    title = "長" * 244  # 732 bytes of UTF-8
    name = bounded_name(prefix="07 - ", title=title, extension="flac")
    assert len(name.encode()) <= 255
    assert name.startswith("07 - 長") and name.endswith(".flac")
    name.encode().decode("utf-8")  # cut at a character boundary
    job = RenderJob(
        track_id=0,
        master_id=0,
        fmt=FORMATS["opus-96"],
        source=None,
        tags=replace(TAGS, title="é" * 244, track=7, disc=2),
        key="",
    )
    member = _member_name(job, multi_disc=True)
    assert member.startswith("Disc 2/07 - é") and member.endswith(".opus")
    assert len(member.split("/")[-1].encode()) <= 255


def test_a_float_master_beyond_full_scale_is_imported_with_the_clipping_rule_stated(tmp_path):
    import av
    import numpy as np

    path = tmp_path / "lib" / "float.wav"
    path.parent.mkdir(parents=True)
    data = np.full((1, 2 * 4410), 0.5, dtype=np.float32)
    data[0, 100:178] = 1.25  # 78 values over full scale (39 stereo frames, both channels)
    with av.open(str(path), "w", format="wav") as out:
        stream = out.add_stream("pcm_f32le", rate=44100, layout="stereo")
        frame = av.AudioFrame.from_ndarray(data, format="flt", layout="stereo")
        frame.sample_rate = 44100
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)
    report = import_run(root=path.parent, workers=1)
    assert len(report.imported) == 1
    assert [w for _, w in report.warnings] == [
        "float master with 78 samples beyond full scale: renditions clip them "
        "(lower the master's gain to keep them)"
    ]
