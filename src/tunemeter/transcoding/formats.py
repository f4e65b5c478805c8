"""Define the formats the store sells: one table of data, read by rendering, sizing and pricing.

Ogg Vorbis is not offered: the only Vorbis encoder in the bundled FFmpeg is its
experimental built-in one, whose quality is well below libvorbis; Opus covers the
same need better.
"""

from __future__ import annotations

from dataclasses import dataclass, field

CBR, VBR, LOSSLESS = "CBR", "VBR", "lossless"


@dataclass(frozen=True)
class Format:
    """A named encoding preset."""

    id: str
    label: str
    codec: str  # encoder: "lame" (lameenc), an FFmpeg encoder name, or "pcm"
    container: str  # mp3 | m4a | ogg | flac | wav | aiff
    extension: str
    mime_type: str
    mode: str  # CBR | VBR | lossless
    bitrate_bps: int | None  # nominal; None for lossless
    rate_minor_per_mb: int  # default price per 1,000,000 bytes, in minor units
    options: dict[str, int | str] = field(default_factory=dict)

    @property
    def lossy(self) -> bool:
        return self.mode != LOSSLESS


_FORMATS = [
    Format("mp3-320", "MP3 320 kbps", "lame", "mp3", "mp3", "audio/mpeg", CBR, 320_000, 2),
    Format("mp3-256", "MP3 256 kbps", "lame", "mp3", "mp3", "audio/mpeg", CBR, 256_000, 2),
    Format("mp3-128", "MP3 128 kbps", "lame", "mp3", "mp3", "audio/mpeg", CBR, 128_000, 2),
    Format(
        "mp3-v0",
        "MP3 V0 (VBR ≈245 kbps)",
        "lame",
        "mp3",
        "mp3",
        "audio/mpeg",
        VBR,
        245_000,
        2,
        {"vbr_quality": 0},
    ),
    Format(
        "mp3-v2",
        "MP3 V2 (VBR ≈190 kbps)",
        "lame",
        "mp3",
        "mp3",
        "audio/mpeg",
        VBR,
        190_000,
        2,
        {"vbr_quality": 2},
    ),
    Format("aac-256", "AAC 256 kbps", "aac", "m4a", "m4a", "audio/mp4", VBR, 256_000, 2),
    Format("aac-128", "AAC 128 kbps", "aac", "m4a", "m4a", "audio/mp4", VBR, 128_000, 2),
    Format("opus-160", "Opus 160 kbps", "libopus", "ogg", "opus", "audio/ogg", VBR, 160_000, 3),
    Format("opus-96", "Opus 96 kbps", "libopus", "ogg", "opus", "audio/ogg", VBR, 96_000, 3),
    Format("flac", "FLAC (lossless)", "flac", "flac", "flac", "audio/flac", LOSSLESS, None, 1),
    Format("alac", "ALAC (lossless)", "alac", "m4a", "m4a", "audio/mp4", LOSSLESS, None, 1),
    Format("wav", "WAV (uncompressed)", "pcm", "wav", "wav", "audio/wav", LOSSLESS, None, 1),
    Format("aiff", "AIFF (uncompressed)", "pcm", "aiff", "aiff", "audio/aiff", LOSSLESS, None, 1),
]
FORMATS: dict[str, Format] = {f.id: f for f in _FORMATS}


def format_get(format_id: str) -> Format:
    """Return the format with this id; raise KeyError for an unknown one."""
    return FORMATS[format_id]
