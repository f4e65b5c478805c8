"""Read a master's tags and embedded cover with mutagen, whatever the tag family."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import mutagen
from mutagen.apev2 import APEBinaryValue
from mutagen.flac import FLAC
from mutagen.mp4 import MP4, MP4Cover, MP4FreeForm

# Field → key per tag family. Values are read as text; numbers are parsed after.
TAG_KEYS: dict[str, dict[str, tuple[str, ...]]] = {
    "vorbis": {
        "title": ("title",),
        "artist": ("artist",),
        "albumartist": ("albumartist", "album artist", "album_artist"),
        "album": ("album",),
        "track": ("tracknumber",),
        "track_total": ("tracktotal", "totaltracks"),
        "disc": ("discnumber",),
        "disc_total": ("disctotal", "totaldiscs"),
        "date": ("date", "year", "originaldate"),
        "genre": ("genre",),
        "isrc": ("isrc",),
        "barcode": ("barcode", "upc", "ean"),
        "composer": ("composer",),
        "label": ("label", "organization", "publisher"),
        "copyright": ("copyright",),
        "compilation": ("compilation",),
    },
    "id3": {
        "title": ("TIT2",),
        "artist": ("TPE1",),
        "albumartist": ("TPE2",),
        "album": ("TALB",),
        "track": ("TRCK",),
        "disc": ("TPOS",),
        "date": ("TDRC", "TYER"),
        "genre": ("TCON",),
        "isrc": ("TSRC",),
        "barcode": ("TXXX:BARCODE", "TXXX:UPC", "TXXX:EAN"),
        "composer": ("TCOM",),
        "label": ("TPUB",),
        "copyright": ("TCOP",),
        "compilation": ("TCMP",),
    },
    "mp4": {
        "title": ("\xa9nam",),
        "artist": ("\xa9ART",),
        "albumartist": ("aART",),
        "album": ("\xa9alb",),
        "track": ("trkn",),
        "disc": ("disk",),
        "date": ("\xa9day",),
        "genre": ("\xa9gen",),
        "isrc": ("----:com.apple.iTunes:ISRC",),
        "barcode": ("----:com.apple.iTunes:BARCODE", "----:com.apple.iTunes:UPC"),
        "composer": ("\xa9wrt",),
        "label": ("----:com.apple.iTunes:LABEL",),
        "copyright": ("cprt",),
        "compilation": ("cpil",),
    },
    "ape": {
        "title": ("Title",),
        "artist": ("Artist",),
        "albumartist": ("Album Artist", "AlbumArtist"),
        "album": ("Album",),
        "track": ("Track",),
        "disc": ("Disc",),
        "date": ("Year", "Date"),
        "genre": ("Genre",),
        "isrc": ("ISRC",),
        "barcode": ("Barcode", "UPC", "EAN"),
        "composer": ("Composer",),
        "label": ("Label", "Publisher"),
        "copyright": ("Copyright",),
        "compilation": ("Compilation",),
    },
}
MAX_COVER_BYTES = 16 * 1024 * 1024


@dataclass
class TagSet:
    """The tags of one master, normalised; empty strings and None where absent."""

    title: str = ""
    artist: str = ""
    albumartist: str = ""
    album: str = ""
    track: int | None = None
    track_total: int | None = None
    disc: int | None = None
    disc_total: int | None = None
    date: str = ""
    genres: list[str] = field(default_factory=list)
    isrc: str = ""
    barcode: str = ""
    composer: str = ""
    composers: list[str] = field(default_factory=list)
    label: str = ""
    copyright: str = ""
    compilation: bool = False
    cover: bytes | None = None

    def has_any(self) -> bool:
        """Return whether the file names its recording (title, artist, album or number)."""
        return bool(self.title or self.artist or self.album or self.track)

    def fingerprint(self) -> str:
        """Return a hash of every tag and the cover, to tell changed tags apart."""
        data = asdict(self)
        if data["composers"] == ([self.composer] if self.composer else []):
            del data["composers"]  # one composer: the hash masters were stored with
        cover = data.pop("cover")
        data["cover_sha256"] = hashlib.sha256(cover).hexdigest() if cover else ""
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def _family(audio: mutagen.FileType) -> str:
    if isinstance(audio, FLAC):
        return "vorbis"
    if isinstance(audio, MP4):
        return "mp4"
    if type(audio).__name__ == "WavPack":
        return "ape"
    return "id3"


def _texts(value: object) -> list[str]:
    """Flatten a tag value of any family into strings."""
    if value is None:
        return []
    if isinstance(value, APEBinaryValue):
        return []
    if hasattr(value, "text"):  # ID3 frame
        return [str(v) for v in value.text]
    if isinstance(value, list | tuple):
        out: list[str] = []
        for item in value:
            if isinstance(item, MP4FreeForm):
                out.append(bytes(item).decode("utf-8", "replace"))
            elif isinstance(item, tuple):  # MP4 trkn/disk pairs
                out.append("/".join(str(v) for v in item if v))
            else:
                out.append(str(item))
        return out
    return [str(value)]


def _number_pair(text: str) -> tuple[int | None, int | None]:
    """Parse "3", "3/12" or "03 of 12" into (number, total)."""
    nums = [int(n) for n in re.findall(r"\d+", text)[:2]]
    return (nums[0] if nums else None, nums[1] if len(nums) > 1 else None)


def _cover(audio: mutagen.FileType, family: str) -> bytes | None:
    """Return the embedded front cover (or the first picture), if any."""
    pictures: list[tuple[int, bytes]] = []
    if family == "vorbis":
        pictures = [(p.type, p.data) for p in audio.pictures]
    elif family == "id3" and audio.tags is not None:
        pictures = [(f.type, f.data) for f in audio.tags.getall("APIC")]
    elif family == "mp4" and audio.tags is not None:
        pictures = [(3, bytes(c)) for c in audio.tags.get("covr", []) if isinstance(c, MP4Cover)]
    elif family == "ape" and audio.tags is not None:
        for key in ("Cover Art (Front)", "Cover Art (Other)"):
            value = audio.tags.get(key)
            if isinstance(value, APEBinaryValue):
                # APEv2 binary cover: "filename\0" then the image bytes.
                pictures.append((3, bytes(value.value).split(b"\0", 1)[-1]))
    pictures = [p for p in pictures if 0 < len(p[1]) <= MAX_COVER_BYTES]
    pictures.sort(key=lambda p: p[0] != 3)  # type 3 = front cover
    return pictures[0][1] if pictures else None


def tags_read(path: Path) -> TagSet:
    """Return the tags of the file at path; an untagged file gives an empty TagSet."""
    audio = mutagen.File(path)
    if audio is None or audio.tags is None:
        return TagSet(cover=_cover(audio, _family(audio)) if audio is not None else None)
    family = _family(audio)
    keys = TAG_KEYS[family]

    def first(name: str) -> str:
        for key in keys.get(name, ()):
            texts = [t.strip() for t in _texts(audio.tags.get(key)) if t.strip()]
            if texts:
                return texts[0]
        return ""

    def all_of(name: str) -> list[str]:
        values: list[str] = []
        for key in keys.get(name, ()):
            for text in _texts(audio.tags.get(key)):
                values += [g.strip() for g in re.split(r"[;/]", text) if g.strip()]
        return list(dict.fromkeys(values))

    def joined(name: str) -> str:
        """Join every value of a multi-valued field (two ARTIST comments, say)."""
        for key in keys.get(name, ()):
            texts = list(dict.fromkeys(t.strip() for t in _texts(audio.tags.get(key)) if t.strip()))
            if texts:
                return "; ".join(texts)
        return ""

    track, track_total = _number_pair(first("track"))
    disc, disc_total = _number_pair(first("disc"))
    return TagSet(
        title=first("title"),
        artist=joined("artist"),
        albumartist=first("albumartist"),
        album=first("album"),
        track=track,
        track_total=track_total or _number_pair(first("track_total"))[0],
        disc=disc,
        disc_total=disc_total or _number_pair(first("disc_total"))[0],
        date=first("date"),
        genres=all_of("genre"),
        isrc=first("isrc"),
        barcode=first("barcode"),
        composer=first("composer"),
        composers=all_of("composer"),
        label=first("label"),
        copyright=first("copyright"),
        compilation=first("compilation").lower() in {"1", "true", "yes"},
        cover=_cover(audio, family),
    )
