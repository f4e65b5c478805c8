"""Read the catalog: listings, pages and search."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet, Sum

from tunemeter.catalog.models import Artist, Genre, Master, Release, Track
from tunemeter.catalog.search import query_terms


def master_sha256s() -> set[str]:
    """Return the file hashes of every stored master."""
    return set(Master.objects.values_list("sha256", flat=True))


@dataclass(frozen=True)
class TrackSource:
    """The file a track was imported from, as the importer needs to recognise it."""

    track_id: int
    audio_sha256: str
    release_key: tuple[str, str]  # (album artist, title)
    path_bytes: bytes


def track_sources() -> dict[str, list[TrackSource]]:
    """Return every track's source, by the sha256 of the source file's bytes."""
    rows = Track.objects.exclude(source_sha256="").values_list(
        "pk",
        "source_sha256",
        "master__audio_sha256",
        "release__artist__name",
        "release__title",
        "source_path_bytes",
    )
    found: dict[str, list[TrackSource]] = {}
    for pk, sha256, audio, artist, title, raw in rows:
        found.setdefault(sha256, []).append(
            TrackSource(
                track_id=pk,
                audio_sha256=audio or "",
                release_key=(artist, title),
                path_bytes=bytes(raw),
            )
        )
    return found


def catalog_is_empty() -> bool:
    return not Track.objects.exists()


def release_list(*, limit: int | None = None) -> QuerySet[Release]:
    """Return releases, newest first, with their artist and track count."""
    qs = (
        Release.objects.select_related("artist")
        .annotate(track_count=Count("tracks"), length_ms=Sum("tracks__length_ms"))
        .filter(track_count__gt=0)
        .order_by("-release_date", "-created_at", "title")
    )
    return qs[:limit] if limit else qs


def release_detail(*, release_id: int) -> Release:
    """Return a release with artist, genres and tracks (each with artist and master)."""
    tracks = Track.objects.select_related("artist", "master").order_by("disc_number", "position")
    return (
        Release.objects.select_related("artist")
        .prefetch_related("genres", Prefetch("tracks", queryset=tracks))
        .get(pk=release_id)
    )


def release_discs(*, release: Release) -> tuple[list[tuple[int, list[Track]]], int]:
    """Return the release's tracks grouped by disc, in order, and its total length in ms."""
    discs: dict[int, list[Track]] = {}
    for track in release.tracks.all():
        discs.setdefault(track.disc_number, []).append(track)
    length_ms = sum(t.length_ms for tracks in discs.values() for t in tracks)
    return sorted(discs.items()), length_ms


def artist_detail(*, artist_id: int) -> Artist:
    return Artist.objects.get(pk=artist_id)


def artist_releases(*, artist: Artist) -> QuerySet[Release]:
    """Return the artist's own releases and the compilations they appear on.

    A release counts when it is credited to the artist (e.g. "Various Artists" on its
    compilations) or when one of its tracks is. The filter is a subquery, not a join on
    tracks: a join would multiply the track counts release_list annotates.
    """
    appears_on = Track.objects.filter(artist=artist).values("release_id")
    return (
        release_list()
        .filter(Q(artist=artist) | Q(pk__in=appears_on))
        .order_by("-release_date", "title")
    )


def genre_list() -> QuerySet[Genre]:
    return Genre.objects.order_by("name")


def artists_filtered(*, name: str | None = None) -> QuerySet[Artist]:
    """Return artists, those whose name contains `name` when given."""
    qs = Artist.objects.all()
    return qs.filter(name__icontains=name) if name else qs


def releases_filtered(
    *, artist_id: int | None = None, genre: str | None = None, label: str | None = None
) -> QuerySet[Release]:
    """Return releases with tracks, with artist and genres, filtered as asked."""
    qs = (
        Release.objects.select_related("artist")
        .prefetch_related("genres")
        .filter(pk__in=Track.objects.values("release_id"))
    )
    if artist_id is not None:
        qs = qs.filter(artist_id=artist_id)
    if genre:
        qs = qs.filter(genres__name__iexact=genre)
    if label:
        qs = qs.filter(label__iexact=label)
    return qs


def tracks_filtered(
    *, release_id: int | None = None, artist_id: int | None = None, isrc: str | None = None
) -> QuerySet[Track]:
    """Return tracks with artist and release, filtered as asked."""
    qs = Track.objects.select_related("artist", "release")
    if release_id is not None:
        qs = qs.filter(release_id=release_id)
    if artist_id is not None:
        qs = qs.filter(artist_id=artist_id)
    if isrc:
        qs = qs.filter(isrc=isrc.upper())
    return qs


def track_detail(*, track_id: int) -> Track | None:
    """Return a track with its artist and release, or None."""
    return Track.objects.select_related("artist", "release").filter(pk=track_id).first()


@dataclass
class SearchResults:
    artists: list[Artist]
    releases: list[Release]
    tracks: list[Track]

    def __bool__(self) -> bool:
        return bool(self.artists or self.releases or self.tracks)


def _ranked_ids(terms: list[str], limit: int) -> list[tuple[str, int]]:
    """Return (kind, object_id) pairs matching every term as a prefix, best first."""
    if connection.vendor == "postgresql":
        tsquery = " & ".join(f"{t}:*" for t in terms)
        document = (
            "setweight(to_tsvector('simple', title), 'A') || "
            "setweight(to_tsvector('simple', context), 'B')"
        )
        sql = (
            f"SELECT kind, object_id FROM catalog_searchentry "
            f"WHERE ({document}) @@ to_tsquery('simple', %s) "
            f"ORDER BY ts_rank({document}, to_tsquery('simple', %s)) DESC, "
            f"length(title), object_id LIMIT %s"
        )
        params = [tsquery, tsquery, limit]
    else:
        # Terms are alphanumeric (see query_terms), so quoting them is enough for FTS5.
        match = " ".join(f'"{t}"*' for t in terms)
        sql = (
            "SELECT e.kind, e.object_id FROM catalog_search_fts f "
            "JOIN catalog_searchentry e ON e.id = f.rowid "
            "WHERE catalog_search_fts MATCH %s "
            "ORDER BY bm25(catalog_search_fts, 10.0, 1.0), length(e.title), e.object_id LIMIT %s"
        )
        params = [match, limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(kind, int(object_id)) for kind, object_id in cursor.fetchall()]


def catalog_search(*, query: str, limit: int = 10) -> SearchResults:
    """Search artists, releases and tracks by word prefixes, ignoring case and accents."""
    terms = query_terms(query)
    if not terms:
        return SearchResults([], [], [])
    ranked = _ranked_ids(terms, limit * 6)
    order = {key: i for i, key in enumerate(ranked)}
    ids = {kind: [oid for k, oid in ranked if k == kind] for kind in ("artist", "release", "track")}

    def by_rank(kind: str, objects) -> list:
        return sorted(objects, key=lambda o: order[(kind, o.pk)])[:limit]

    return SearchResults(
        artists=by_rank("artist", Artist.objects.filter(pk__in=ids["artist"])),
        releases=by_rank(
            "release", Release.objects.select_related("artist").filter(pk__in=ids["release"])
        ),
        tracks=by_rank(
            "track", Track.objects.select_related("artist", "release").filter(pk__in=ids["track"])
        ),
    )
