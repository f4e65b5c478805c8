"""Build the tags of a rendition in each container's own form, deterministically.

Every builder takes the same `RenditionTags` and returns bytes (or applies them to
a finished file, for MP4), with no timestamps and fixed padding, so a rendition is
byte-identical each time it is made.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import struct
from dataclasses import asdict, dataclass
from pathlib import Path

from mutagen._vorbis import VComment
from mutagen.flac import Picture
from mutagen.id3 import (
    APIC,
    ID3,
    TALB,
    TCOM,
    TCON,
    TCOP,
    TDRC,
    TIT2,
    TPE1,
    TPE2,
    TPOS,
    TPUB,
    TRCK,
    TSRC,
    TXXX,
)
from mutagen.mp4 import MP4, MP4Cover, MP4FreeForm

VENDOR = "Tunemeter"


@dataclass(frozen=True)
class RenditionTags:
    """What every rendition of a track carries: catalog tags, cover, loudness."""

    title: str
    artist: str
    album: str
    albumartist: str
    track: int
    track_total: int
    disc: int
    disc_total: int
    date: str = ""
    genre: str = ""
    isrc: str = ""
    composer: str = ""
    label: str = ""
    copyright: str = ""
    cover: bytes | None = None
    cover_mime: str = ""
    track_gain_db: float | None = None
    track_peak: float | None = None
    album_gain_db: float | None = None
    album_peak: float | None = None

    def fingerprint(self) -> str:
        """Return a hash of every tag and the cover: part of the rendition's cache key."""
        data = asdict(self)
        cover = data.pop("cover")
        data["cover_sha256"] = hashlib.sha256(cover).hexdigest() if cover else ""
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()

    def text_fields(self) -> dict[str, str]:
        """Return the textual tags by Vorbis comment name, empty ones left out."""
        fields = {
            "TITLE": self.title,
            "ARTIST": self.artist,
            "ALBUM": self.album,
            "ALBUMARTIST": self.albumartist,
            "TRACKNUMBER": str(self.track),
            "TRACKTOTAL": str(self.track_total or ""),
            "DISCNUMBER": str(self.disc),
            "DISCTOTAL": str(self.disc_total or ""),
            "DATE": self.date,
            "GENRE": self.genre,
            "ISRC": self.isrc,
            "COMPOSER": self.composer,
            "LABEL": self.label,
            "COPYRIGHT": self.copyright,
        }
        return {k: v for k, v in fields.items() if v}

    def replaygain(self) -> dict[str, str]:
        """Return ReplayGain 2.0 tags (gain in dB, peak as a linear ratio), where measured."""
        out = {}
        if self.track_gain_db is not None:
            out["REPLAYGAIN_TRACK_GAIN"] = f"{self.track_gain_db:+.2f} dB"
            out["REPLAYGAIN_TRACK_PEAK"] = f"{self.track_peak:.6f}"
        if self.album_gain_db is not None:
            out["REPLAYGAIN_ALBUM_GAIN"] = f"{self.album_gain_db:+.2f} dB"
            out["REPLAYGAIN_ALBUM_PEAK"] = f"{self.album_peak:.6f}"
        return out


def _picture(tags: RenditionTags) -> Picture | None:
    if not tags.cover:
        return None
    pic = Picture()
    pic.type, pic.mime, pic.desc, pic.data = 3, tags.cover_mime or "image/jpeg", "", tags.cover
    return pic


def id3_bytes(tags: RenditionTags, *, extra: dict[str, str] | None = None) -> bytes:
    """Return an ID3v2.4 tag (with cover and ReplayGain) as bytes, without padding."""
    id3 = ID3()
    for frame, value in (
        (TIT2, tags.title),
        (TPE1, tags.artist),
        (TALB, tags.album),
        (TPE2, tags.albumartist),
        (TDRC, tags.date),
        (TCON, tags.genre),
        (TSRC, tags.isrc),
        (TCOM, tags.composer),
        (TPUB, tags.label),
        (TCOP, tags.copyright),
    ):
        if value:
            id3.add(frame(encoding=3, text=value))
    id3.add(
        TRCK(
            encoding=3,
            text=f"{tags.track}/{tags.track_total}" if tags.track_total else str(tags.track),
        )
    )
    id3.add(
        TPOS(
            encoding=3, text=f"{tags.disc}/{tags.disc_total}" if tags.disc_total else str(tags.disc)
        )
    )
    for key, value in {**tags.replaygain(), **(extra or {})}.items():
        id3.add(TXXX(encoding=3, desc=key, text=value))
    if tags.cover:
        id3.add(
            APIC(encoding=3, mime=tags.cover_mime or "image/jpeg", type=3, desc="", data=tags.cover)
        )
    buf = io.BytesIO()
    id3.save(buf, v2_version=4, padding=lambda info: 0)
    return buf.getvalue()


def vorbis_comment_fields(tags: RenditionTags, *, opus: bool = False) -> list[tuple[str, str]]:
    """Return Vorbis comments; Opus gets R128 gains (Q7.8 dB re −23 LUFS) instead of ReplayGain."""
    fields = list(tags.text_fields().items())
    if opus:
        # R128_*_GAIN: gain to −23 LUFS in 1/256 dB; ReplayGain targets −18 LUFS (5 dB louder).
        if tags.track_gain_db is not None:
            fields.append(("R128_TRACK_GAIN", str(round((tags.track_gain_db - 5) * 256))))
        if tags.album_gain_db is not None:
            fields.append(("R128_ALBUM_GAIN", str(round((tags.album_gain_db - 5) * 256))))
    else:
        fields += list(tags.replaygain().items())
    if (pic := _picture(tags)) is not None:
        fields.append(("METADATA_BLOCK_PICTURE", base64.b64encode(pic.write()).decode()))
    return fields


def flac_metadata_blocks(tags: RenditionTags) -> list[tuple[int, bytes]]:
    """Return FLAC metadata blocks (type, body): VORBIS_COMMENT and PICTURE."""
    comment = VComment()
    comment.vendor = VENDOR
    for key, value in vorbis_comment_fields(tags):
        if key != "METADATA_BLOCK_PICTURE":
            comment.append((key, value))
    blocks = [(4, comment.write(framing=False))]
    if (pic := _picture(tags)) is not None:
        blocks.append((6, pic.write()))
    return blocks


def _chunk(cid: bytes, data: bytes, *, big_endian: bool) -> bytes:
    size = struct.pack(">I" if big_endian else "<I", len(data))
    return cid + size + data + (b"\0" if len(data) % 2 else b"")


def wav_tag_chunks(tags: RenditionTags) -> bytes:
    """Return a LIST/INFO chunk (for simple readers) and an "id3 " chunk (everything)."""
    info = {
        b"INAM": tags.title,
        b"IART": tags.artist,
        b"IPRD": tags.album,
        b"ITRK": str(tags.track),
        b"ICRD": tags.date,
        b"IGNR": tags.genre,
        b"ICOP": tags.copyright,
        b"ISRC": tags.isrc,
    }
    body = b"INFO" + b"".join(
        _chunk(key, value.encode("utf-8") + b"\0", big_endian=False)
        for key, value in info.items()
        if value
    )
    return _chunk(b"LIST", body, big_endian=False) + _chunk(
        b"id3 ", id3_bytes(tags), big_endian=False
    )


def aiff_tag_chunks(tags: RenditionTags) -> bytes:
    """Return NAME/AUTH/(c) chunks and an "ID3 " chunk (everything).

    AIFF's text chunks hold ASCII (AIFF 1.3, section 10); a value that is not ASCII is
    left to the ID3 chunk (UTF-8/UTF-16) rather than written as "?".
    """
    chunks = b""
    for cid, value in ((b"NAME", tags.title), (b"AUTH", tags.artist), (b"(c) ", tags.copyright)):
        if value and value.isascii():
            chunks += _chunk(cid, value.encode("ascii"), big_endian=True)
    return chunks + _chunk(b"ID3 ", id3_bytes(tags), big_endian=True)


def mp4_tag_file(path: Path, tags: RenditionTags, *, itunsmpb: str | None) -> None:
    """Write iTunes-style tags (and gapless iTunSMPB) into a finished .m4a file."""
    audio = MP4(path)
    audio.delete()
    atoms = {
        "\xa9nam": tags.title,
        "\xa9ART": tags.artist,
        "\xa9alb": tags.album,
        "aART": tags.albumartist,
        "\xa9day": tags.date,
        "\xa9gen": tags.genre,
        "\xa9wrt": tags.composer,
        "cprt": tags.copyright,
        "\xa9too": VENDOR,
    }
    for key, value in atoms.items():
        if value:
            audio[key] = [value]
    audio["trkn"] = [(tags.track, tags.track_total or 0)]
    audio["disk"] = [(tags.disc, tags.disc_total or 0)]
    free = {"ISRC": tags.isrc, "LABEL": tags.label, **tags.replaygain()}
    if itunsmpb:
        free["iTunSMPB"] = itunsmpb
    for key, value in free.items():
        if value:
            audio[f"----:com.apple.iTunes:{key}"] = [MP4FreeForm(value.encode("utf-8"))]
    if tags.cover:
        kind = MP4Cover.FORMAT_PNG if tags.cover_mime == "image/png" else MP4Cover.FORMAT_JPEG
        audio["covr"] = [MP4Cover(tags.cover, imageformat=kind)]
    audio.save(padding=lambda info: 0)
