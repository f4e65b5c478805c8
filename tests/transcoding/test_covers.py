"""Test that renditions embed a bounded cover and release zips carry the full one once."""

from __future__ import annotations

import io

import mutagen
import pytest
from PIL import Image

from tests.audio import write_audio, write_tags
from tunemeter.catalog.importing.pipeline import import_run
from tunemeter.catalog.models import Release, Track
from tunemeter.transcoding.services import rendition_open

pytestmark = pytest.mark.django_db(transaction=True)


def _big_png() -> bytes:
    buf = io.BytesIO()
    Image.radial_gradient("L").resize((1800, 1200)).convert("RGB").save(buf, "PNG")
    return buf.getvalue()


def test_renditions_embed_a_jpeg_within_the_bound(tmp_path, settings):
    settings.COVER_EMBED_MAX_PX = 1000
    png = _big_png()
    path = write_audio(tmp_path / "lib" / "01.flac", seconds=0.3)
    write_tags(path, {"title": "A", "album": "B", "artist": "C"}, cover=png)
    import_run(root=tmp_path / "lib", workers=1)
    track = Track.objects.get()
    data = b"".join(rendition_open(track_id=track.pk, format_id="mp3-320"))
    apic = mutagen.File(io.BytesIO(data)).tags.getall("APIC")[0]
    assert apic.mime == "image/jpeg"
    with Image.open(io.BytesIO(apic.data)) as img:
        assert (img.format, img.size) == ("JPEG", (1000, 667))
    assert len(apic.data) < len(png)
    # The release keeps the full-size original (what a zip ships once).
    from tunemeter import storage

    release = Release.objects.get()
    assert storage.storage_path(release.cover_path).read_bytes() == png
    # Same bytes on every render: rendition keys do not move.
    again = b"".join(rendition_open(track_id=track.pk, format_id="mp3-320"))
    assert again == data
