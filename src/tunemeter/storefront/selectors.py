"""Read what the storefront lists beyond the catalog's own selectors: genres and their releases."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from tunemeter.catalog.models import Genre, Release
from tunemeter.catalog.selectors import release_list


def genre_list() -> QuerySet[Genre]:
    """Return genres that have at least one release with tracks, with their release counts."""
    return (
        Genre.objects.annotate(
            release_count=Count("releases", filter=Q(releases__tracks__isnull=False), distinct=True)
        )
        .filter(release_count__gt=0)
        .order_by("name")
    )


def genre_detail(*, genre_id: int) -> Genre:
    return Genre.objects.get(pk=genre_id)


def genre_releases(*, genre: Genre) -> QuerySet[Release]:
    """Return the genre's releases, newest first, as the home page lists them."""
    return release_list().filter(genres=genre)
