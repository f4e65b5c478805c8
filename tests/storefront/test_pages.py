"""Test the catalog pages: home, release (with discs), artist, search and covers."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tunemeter.catalog.models import Artist, Release, Track
from tunemeter.catalog.search import search_index_rebuild

pytestmark = pytest.mark.django_db


@pytest.fixture
def release():
    various = Artist.objects.create(name="Various Artists")
    bjork = Artist.objects.create(name="Björk")
    rel = Release.objects.create(
        title="Sampler <Vol. 1>",
        artist=various,
        is_compilation=True,
        disc_total=2,
        release_date="2026-11-01",
        label="Demo Records",
    )
    Track.objects.create(
        release=rel, disc_number=1, position=1, title="Jóga", artist=bjork, length_ms=185_000
    )
    Track.objects.create(
        release=rel,
        disc_number=2,
        position=1,
        title="Second disc",
        artist=various,
        length_ms=61_000,
    )
    search_index_rebuild()
    return rel


def test_home_lists_releases(client, release):
    body = client.get(reverse("storefront:home")).content.decode()
    assert "Sampler &lt;Vol. 1&gt;" in body  # escaped
    assert "2 tracks" in body


def test_empty_home_explains_how_to_fill_the_store(client):
    assert "tunemeter import PATH" in client.get("/").content.decode()


def test_release_page_shows_discs_tracks_lengths_and_track_artists(client, release):
    body = client.get(reverse("storefront:release", args=[release.pk])).content.decode()
    assert "Disc 1" in body and "Disc 2" in body
    assert "3:05" in body and "1:01" in body and "4:06" in body
    assert "Björk" in body and "Demo Records" in body


def test_artist_page_lists_compilations_they_appear_on(client, release):
    bjork = Artist.objects.get(name="Björk")
    body = client.get(reverse("storefront:artist", args=[bjork.pk])).content.decode()
    assert "Sampler &lt;Vol. 1&gt;" in body


def test_artist_pages_count_tracks_once_and_various_artists_lists_its_compilations(client, release):
    bjork = Artist.objects.get(name="Björk")
    own = Release.objects.create(title="Debut", artist=bjork)
    for position in (1, 2, 3):
        Track.objects.create(release=own, position=position, title=f"D{position}", artist=bjork)
    page = client.get(reverse("storefront:artist", args=[bjork.pk]))
    counts = {r.title: r.track_count for r in page.context["releases"]}
    # Three tracks of her own album, two on the sampler (one of them hers).
    assert counts == {"Debut": 3, "Sampler <Vol. 1>": 2}
    assert "3 tracks" in page.content.decode()
    various = Artist.objects.get(name="Various Artists")
    page = client.get(reverse("storefront:artist", args=[various.pk]))
    assert [r.title for r in page.context["releases"]] == ["Sampler <Vol. 1>"]
    assert "No releases yet" not in page.content.decode()


def test_search_page_and_live_fragment(client, release):
    page = client.get(reverse("storefront:search"), {"q": "JOGA"}).content.decode()
    assert "Jóga" in page and "<html" in page
    fragment = client.get(reverse("storefront:search"), {"q": "bjo", "partial": 1}).content.decode()
    assert "Björk" in fragment and "<html" not in fragment
    assert "Nothing matches" in client.get("/search/", {"q": "zzzz"}).content.decode()


def test_missing_things_are_404(client, release):
    assert client.get("/releases/999/").status_code == 404
    assert client.get("/artists/999/").status_code == 404
    assert client.get(f"/releases/{release.pk}/cover").status_code == 404  # no cover


def test_pages_refuse_state_changing_methods(client, release):
    assert client.post("/").status_code == 405


@pytest.mark.django_db(transaction=True)
def test_preview_streams_mp3_then_serves_it_from_the_cache(client, tmp_path):
    from tests.audio import write_audio, write_tags
    from tunemeter.catalog.importing.pipeline import import_run

    path = write_audio(tmp_path / "a.flac", seconds=2, seed=3)
    write_tags(path, {"title": "Preview me", "album": "P", "artist": "Q"})
    import_run(root=path, workers=1)
    track = Track.objects.get()
    first = client.get(reverse("storefront:preview", args=[track.pk]))
    assert first.status_code == 200 and first["Content-Type"] == "audio/mpeg"
    body = b"".join(first.streaming_content)
    again = client.get(reverse("storefront:preview", args=[track.pk]))
    assert b"".join(again.streaming_content) == body and body[:3] == b"ID3"
    assert client.get(reverse("storefront:preview", args=[9999])).status_code == 404
