"""Register the catalog in the Django admin: search, filters and counts for staff."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, QuerySet

from tunemeter.catalog.models import Artist, Genre, Master, Release, Track


@admin.register(Artist)
class ArtistAdmin(admin.ModelAdmin):
    list_display = ["name", "sort_name", "release_count", "created_at"]
    search_fields = ["name", "sort_name"]
    ordering = ["name"]

    def get_queryset(self, request) -> QuerySet[Artist]:
        return super().get_queryset(request).annotate(release_count=Count("releases"))

    @admin.display(description="releases", ordering="release_count")
    def release_count(self, obj: Artist) -> int:
        return obj.release_count


@admin.register(Genre)
class GenreAdmin(admin.ModelAdmin):
    list_display = ["name", "release_count"]
    search_fields = ["name"]
    ordering = ["name"]

    def get_queryset(self, request) -> QuerySet[Genre]:
        return super().get_queryset(request).annotate(release_count=Count("releases"))

    @admin.display(description="releases", ordering="release_count")
    def release_count(self, obj: Genre) -> int:
        return obj.release_count


class TrackInline(admin.TabularInline):
    model = Track
    fields = ["disc_number", "position", "title", "artist", "isrc", "length_ms"]
    raw_id_fields = ["artist"]
    extra = 0


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "artist",
        "release_date",
        "upc",
        "label",
        "track_count",
        "disc_total",
        "is_compilation",
    ]
    list_filter = ["is_compilation", "genres", "label"]
    list_select_related = ["artist"]
    search_fields = ["title", "artist__name", "upc", "label", "tracks__isrc"]
    raw_id_fields = ["artist"]
    filter_horizontal = ["genres"]
    inlines = [TrackInline]

    def get_queryset(self, request) -> QuerySet[Release]:
        return super().get_queryset(request).annotate(track_count=Count("tracks"))

    @admin.display(description="tracks", ordering="track_count")
    def track_count(self, obj: Release) -> int:
        return obj.track_count


@admin.register(Track)
class TrackAdmin(admin.ModelAdmin):
    list_display = ["title", "artist", "release", "disc_number", "position", "isrc", "length_ms"]
    list_filter = ["release__genres", "release__label"]
    list_select_related = ["artist", "release"]
    search_fields = ["title", "artist__name", "release__title", "isrc", "composer"]
    raw_id_fields = ["release", "artist", "master"]
    readonly_fields = ["source_path", "source_sha256", "tag_fingerprint"]


@admin.register(Master)
class MasterAdmin(admin.ModelAdmin):
    list_display = [
        "sha256",
        "codec",
        "sample_rate",
        "bit_depth",
        "channels",
        "size_bytes",
    ]
    list_filter = ["container", "codec", "sample_rate", "bit_depth", "channels"]
    search_fields = ["sha256", "tracks__title", "tracks__isrc", "source_path"]
    readonly_fields = [f.name for f in Master._meta.fields if f.name != "id"]

    def has_add_permission(self, request) -> bool:
        # Masters come from the importer, which probes and hashes the file.
        return False
