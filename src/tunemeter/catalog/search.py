"""Normalise text for search and keep the search index in step with the catalog.

Text is folded in Python the same way for the index and for queries (case, accents,
a few letters Unicode does not decompose), so SQLite's FTS5 and PostgreSQL's
`simple` text search configuration see identical tokens on both backends.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from tunemeter.catalog.models import Artist, Release, SearchEntry, Track

# Letters NFKD leaves whole; folded so "Sigur Rós", "Mötley", "Ørsted" all match ASCII.
_FOLD = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "đ": "d", "ð": "d", "þ": "th", "ł": "l", "ı": "i"}
)
_NON_WORD = re.compile(r"[^\w]+")


def normalize(text: str) -> str:
    """Return text case-folded, without diacritics, words separated by single spaces."""
    folded = unicodedata.normalize("NFKD", text.casefold().translate(_FOLD))
    stripped = "".join(c for c in folded if not unicodedata.combining(c)).translate(_FOLD)
    return " ".join(_NON_WORD.sub(" ", stripped).replace("_", " ").split())


def query_terms(query: str, max_terms: int = 8) -> list[str]:
    """Return the normalised words of a query (alphanumeric only, so safe in any syntax)."""
    return normalize(query).split()[:max_terms]


def _entries_for(
    artists: Iterable[Artist], releases: Iterable[Release], tracks: Iterable[Track]
) -> list[SearchEntry]:
    entries = [SearchEntry(kind="artist", object_id=a.pk, title=normalize(a.name)) for a in artists]
    entries += [
        SearchEntry(
            kind="release",
            object_id=r.pk,
            title=normalize(r.title),
            context=normalize(f"{r.artist.name} {r.label}"),
        )
        for r in releases
    ]
    entries += [
        SearchEntry(
            kind="track",
            object_id=t.pk,
            title=normalize(t.title),
            context=normalize(f"{t.artist.name} {t.release.title} {t.composer}"),
        )
        for t in tracks
    ]
    return entries


def search_index_refresh(
    *,
    artist_ids: Iterable[int] = (),
    release_ids: Iterable[int] = (),
    track_ids: Iterable[int] = (),
) -> None:
    """Rewrite the index entries of the given objects (dropping those that no longer exist)."""
    ids = {"artist": set(artist_ids), "release": set(release_ids), "track": set(track_ids)}
    for kind, pks in ids.items():
        if pks:
            SearchEntry.objects.filter(kind=kind, object_id__in=pks).delete()
    entries = _entries_for(
        Artist.objects.filter(pk__in=ids["artist"]),
        Release.objects.filter(pk__in=ids["release"]).select_related("artist"),
        Track.objects.filter(pk__in=ids["track"]).select_related("artist", "release"),
    )
    SearchEntry.objects.bulk_create(entries)


def search_index_rebuild() -> int:
    """Rebuild the whole index from the catalog; return the number of entries."""
    SearchEntry.objects.all().delete()
    entries = _entries_for(
        Artist.objects.all(),
        Release.objects.select_related("artist"),
        Track.objects.select_related("artist", "release"),
    )
    SearchEntry.objects.bulk_create(entries, batch_size=500)
    return len(entries)
