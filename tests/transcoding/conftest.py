"""Fixtures: a catalog track imported from a generated master."""

from __future__ import annotations

import pytest

from tests.audio import cover_jpeg, write_audio, write_tags
from tunemeter.catalog.importing.pipeline import import_run
from tunemeter.catalog.models import Track


@pytest.fixture
def track_factory(tmp_path):
    """Import a generated master of `seconds` and return its Track."""
    counter = iter(range(1, 1000))

    def make(seconds: float = 3.0, **kwargs) -> Track:
        n = next(counter)
        path = write_audio(
            tmp_path / "lib" / f"{n:02d}.flac", seconds=seconds, seed=100 + n, **kwargs
        )
        write_tags(
            path,
            {"title": f"Song {n}", "artist": "Björk", "album": "Homogenic", "tracknumber": str(n)},
            cover=cover_jpeg(),
        )
        report = import_run(root=path, workers=1)
        assert report.rejected == []
        return Track.objects.get(title=f"Song {n}")

    return make
