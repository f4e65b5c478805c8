"""Register the catalog in the Django admin."""

from __future__ import annotations

from django.contrib import admin

from tunemeter.catalog.models import Artist, Genre, Master, Release, Track


@admin.register(Artist)
class ArtistAdmin(admin.ModelAdmin):
    list_display = ["name", "sort_name", "created_at"]
    search_fields = ["name", "sort_name"]


@admin.register(Genre)
class GenreAdmin(admin.ModelAdmin):
    search_fields = ["name"]


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
        "is_compilation",
        "disc_total",
    ]
    list_filter = ["is_compilation", "genres", "label"]
    search_fields = ["title", "artist__name", "upc", "label"]
    raw_id_fields = ["artist"]
    filter_horizontal = ["genres"]
    inlines = [TrackInline]


class MasterInline(admin.StackedInline):
    model = Master
    can_delete = False
    extra = 0
    readonly_fields = [f.name for f in Master._meta.fields if f.name not in ("id", "track")]


@admin.register(Track)
class TrackAdmin(admin.ModelAdmin):
    list_display = ["title", "artist", "release", "disc_number", "position", "isrc", "length_ms"]
    list_filter = ["release__label"]
    search_fields = ["title", "artist__name", "release__title", "isrc", "composer"]
    raw_id_fields = ["release", "artist"]
    inlines = [MasterInline]


@admin.register(Master)
class MasterAdmin(admin.ModelAdmin):
    list_display = [
        "sha256",
        "track",
        "codec",
        "sample_rate",
        "bit_depth",
        "channels",
        "size_bytes",
    ]
    list_filter = ["container", "codec", "sample_rate", "bit_depth"]
    search_fields = ["sha256", "track__title", "source_path"]
    readonly_fields = [f.name for f in Master._meta.fields if f.name != "id"]
