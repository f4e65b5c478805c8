"""Define the catalog: artists, genres, releases, tracks and lossless masters."""

from __future__ import annotations

from django.db import models

from tunemeter.catalog.validators import validate_gtin, validate_isrc, validate_partial_date


def duration_display(length_ms: int) -> str:
    """Return a length as m:ss, rounded to the second."""
    seconds = round(length_ms / 1000)
    return f"{seconds // 60}:{seconds % 60:02d}"


class Artist(models.Model):
    name = models.CharField(max_length=500, unique=True)
    sort_name = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sort_name", "name"]

    def __str__(self) -> str:
        return self.name


class Genre(models.Model):
    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Release(models.Model):
    """An album, EP or single, grouped on import by album artist and title."""

    title = models.CharField(max_length=500)
    artist = models.ForeignKey(Artist, on_delete=models.PROTECT, related_name="releases")
    is_compilation = models.BooleanField(default=False)
    upc = models.CharField("UPC/EAN", max_length=13, blank=True, validators=[validate_gtin])
    release_date = models.CharField(
        max_length=10, blank=True, validators=[validate_partial_date], help_text="YYYY[-MM[-DD]]"
    )
    label = models.CharField(max_length=300, blank=True)
    copyright = models.CharField(max_length=500, blank=True)
    genres = models.ManyToManyField(Genre, blank=True, related_name="releases")
    disc_total = models.PositiveSmallIntegerField(default=1)
    cover_path = models.CharField(max_length=300, blank=True, help_text="relative to storage")
    cover_mime = models.CharField(max_length=50, blank=True)
    loudness_lufs = models.FloatField(null=True, blank=True, help_text="album, EBU R128")
    true_peak = models.FloatField(null=True, blank=True, help_text="album, linear")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-release_date", "title"]
        constraints = [
            models.UniqueConstraint(fields=["artist", "title"], name="release_artist_title_unique")
        ]

    def __str__(self) -> str:
        return f"{self.artist} – {self.title}"

    @property
    def year(self) -> str:
        return self.release_date[:4]


class Track(models.Model):
    """A recording on a release, at a disc and position."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="tracks")
    disc_number = models.PositiveSmallIntegerField(default=1)
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=500)
    artist = models.ForeignKey(Artist, on_delete=models.PROTECT, related_name="tracks")
    composer = models.CharField(max_length=500, blank=True)
    composers = models.JSONField(
        default=list, blank=True, help_text="one name a composer (DSR writes them as a list)"
    )
    isrc = models.CharField("ISRC", max_length=12, blank=True, validators=[validate_isrc])
    length_ms = models.PositiveIntegerField(default=0)
    loudness_lufs = models.FloatField(null=True, blank=True, help_text="EBU R128 integrated")
    true_peak = models.FloatField(null=True, blank=True, help_text="EBU R128 true peak, linear")
    # One recording may be on several releases: each is a track pointing at one master.
    master = models.ForeignKey(
        "Master", on_delete=models.PROTECT, null=True, blank=True, related_name="tracks"
    )
    # The file this track was imported from: its bytes' sha256 (to skip it unchanged), its
    # path exactly as the file system holds it, and that path escaped for display.
    source_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    source_path = models.CharField(max_length=2000, blank=True, help_text="escaped for display")
    source_path_bytes = models.BinaryField(default=b"", editable=False)
    tag_fingerprint = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["release", "disc_number", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["release", "disc_number", "position"], name="track_position_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.position:02d} {self.title}"

    @property
    def length_display(self) -> str:
        return duration_display(self.length_ms)


class Master(models.Model):
    """The lossless source of a recording, stored content-addressed by its file's sha256.

    Every track of the recording (one per release it is on) points at its one master.
    """

    sha256 = models.CharField(max_length=64, unique=True, help_text="of the file's bytes")
    audio_sha256 = models.CharField(
        max_length=64, unique=True, help_text="of the decoded samples: the recording's identity"
    )
    pcm_md5 = models.CharField(
        max_length=32, blank=True, help_text="MD5 of the interleaved PCM, as in FLAC's STREAMINFO"
    )
    container = models.CharField(max_length=10)
    codec = models.CharField(max_length=30)
    sample_rate = models.PositiveIntegerField()
    bit_depth = models.PositiveSmallIntegerField()
    channels = models.PositiveSmallIntegerField()
    length_samples = models.BigIntegerField()
    size_bytes = models.BigIntegerField()
    storage_path = models.CharField(max_length=300, help_text="relative to storage")
    source_path = models.CharField(
        max_length=2000, help_text="where the stored file was imported from, escaped for display"
    )
    tag_fingerprint = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.sha256[:12]} ({self.codec}, {self.sample_rate} Hz)"

    @property
    def length_seconds(self) -> float:
        return self.length_samples / self.sample_rate


class SearchEntry(models.Model):
    """One searchable artist, release or track, its text normalized for matching.

    SQLite mirrors this table into an FTS5 index by triggers; PostgreSQL indexes
    its text with a GIN full-text index (see migration 0002).
    """

    KIND_ARTIST = "artist"
    KIND_RELEASE = "release"
    KIND_TRACK = "track"
    KINDS = [(KIND_ARTIST, "artist"), (KIND_RELEASE, "release"), (KIND_TRACK, "track")]

    kind = models.CharField(max_length=10, choices=KINDS)
    object_id = models.BigIntegerField()
    title = models.TextField()
    context = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_entry_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}: {self.title}"
