"""Test catalog search: prefixes, case and diacritics, ranking, hostile queries."""

from __future__ import annotations

import pytest
from django.db import connection

from tunemeter.catalog.models import Artist, Release, Track
from tunemeter.catalog.search import normalize, search_index_rebuild
from tunemeter.catalog.selectors import catalog_search

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog():
    bjork = Artist.objects.create(name="Björk")
    motor = Artist.objects.create(name="Motörhead")
    sigur = Artist.objects.create(name="Sigur Rós")
    homogenic = Release.objects.create(title="Homogenic", artist=bjork, label="One Little Indian")
    ace = Release.objects.create(title="Ace of Spades", artist=motor)
    takk = Release.objects.create(title="Takk…", artist=sigur)
    Track.objects.create(release=homogenic, position=1, title="Hunter", artist=bjork)
    Track.objects.create(release=homogenic, position=2, title="Jóga", artist=bjork)
    Track.objects.create(release=ace, position=1, title="Ace of Spades", artist=motor)
    Track.objects.create(release=takk, position=1, title="Hoppípolla", artist=sigur)
    search_index_rebuild()


def test_normalize_folds_case_accents_and_special_letters():
    assert normalize("Björk Guðmundsdóttir") == "bjork gudmundsdottir"
    assert normalize("MOTÖRHEAD") == "motorhead"
    assert normalize("Ørsted  &  Æther") == "orsted aether"
    assert normalize("Straße") == "strasse"


@pytest.mark.parametrize(
    ("query", "artist"),
    [
        ("bjork", "Björk"),
        ("BJÖRK", "Björk"),
        ("bj", "Björk"),
        ("motorhead", "Motörhead"),
        ("motör", "Motörhead"),
        ("sigur ros", "Sigur Rós"),
        ("ros", "Sigur Rós"),
    ],
)
def test_artists_found_by_prefix_ignoring_case_and_accents(catalog, query, artist):
    assert [a.name for a in catalog_search(query=query).artists] == [artist]


def test_tracks_and_releases_found_with_context_words(catalog):
    results = catalog_search(query="joga bjork")
    assert [t.title for t in results.tracks] == ["Jóga"]
    assert [t.title for t in catalog_search(query="hoppipolla").tracks] == ["Hoppípolla"]
    assert [r.title for r in catalog_search(query="homo").releases] == ["Homogenic"]


def test_title_matches_rank_above_context_matches(catalog):
    # "ace" is the title of a release and a track, and context (release title) of the track.
    results = catalog_search(query="spades")
    assert [r.title for r in results.releases] == ["Ace of Spades"]
    tracks = catalog_search(query="homogenic").tracks  # only by release title (context)
    assert {t.title for t in tracks} == {"Hunter", "Jóga"}


def test_every_word_must_match(catalog):
    assert not catalog_search(query="bjork spades")


@pytest.mark.parametrize(
    "query", ['"', "*", "AND OR NOT", "a:b", "'); DROP TABLE x;--", "   ", "^"]
)
def test_hostile_or_empty_queries_do_not_error(catalog, query):
    catalog_search(query=query)


def test_index_follows_imports_and_reindex(catalog):
    Artist.objects.filter(name="Björk").update(name="Bjork Renamed")
    search_index_rebuild()
    assert [a.name for a in catalog_search(query="renamed").artists] == ["Bjork Renamed"]


@pytest.mark.postgres
def test_postgres_search_uses_the_gin_full_text_index(catalog):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'catalog_search_tsv'")
        (indexdef,) = cursor.fetchone()
    assert "gin" in indexdef.lower() and "to_tsvector" in indexdef
    assert [a.name for a in catalog_search(query="motor").artists] == ["Motörhead"]
