"""Generate tiny real audio files with tags for the tests (every master container, and lossy)."""

from __future__ import annotations

import io
from pathlib import Path

import av
import numpy as np
from mutagen.apev2 import BINARY, APEv2, APEValue
from mutagen.flac import FLAC, Picture
from mutagen.id3 import APIC, ID3, TALB, TCOM, TCON, TDRC, TIT2, TPE1, TPE2, TPOS, TRCK, TSRC, TXXX
from mutagen.mp4 import MP4, MP4Cover, MP4FreeForm
from PIL import Image

# container → (FFmpeg muxer, codec, sample format for `bits`)
WRITERS = {
    "flac": ("flac", "flac", {16: "s16", 24: "s32"}),
    "wav": ("wav", {16: "pcm_s16le", 24: "pcm_s24le"}, {16: "s16", 24: "s32"}),
    "aiff": ("aiff", {16: "pcm_s16be", 24: "pcm_s24be"}, {16: "s16", 24: "s32"}),
    "m4a": ("ipod", "alac", {16: "s16p", 24: "s32p"}),
    "wv": ("wv", "wavpack", {16: "s16p", 24: "s32p"}),
    "mp3": ("mp3", "libmp3lame", {16: "s16p"}),
    "aac.m4a": ("ipod", "aac", {16: "fltp"}),
}


def samples(*, seconds: float, rate: int, channels: int, seed: int) -> np.ndarray:
    """Return float samples (channels × n) in [-0.5, 0.5]: a chord plus a little noise."""
    rng = np.random.default_rng(seed)
    n = int(round(seconds * rate))
    t = np.arange(n) / rate
    base = 110.0 * 2 ** (rng.integers(0, 24) / 12)
    tone = sum(np.sin(2 * np.pi * base * ratio * t) for ratio in (1.0, 1.25, 1.5)) / 3
    out = np.empty((channels, n), dtype=np.float64)
    for ch in range(channels):
        out[ch] = 0.4 * tone + 0.05 * rng.standard_normal(n)
    return out


def _frame(data: np.ndarray, fmt: str, bits: int, rate: int) -> av.AudioFrame:
    channels = data.shape[0]
    layout = {1: "mono", 2: "stereo"}.get(channels, f"{channels}c")
    if fmt.startswith("flt"):
        arr = data.astype(np.float32)
    else:
        full = np.round(data * (2 ** (bits - 1) - 1)).astype(np.int32)
        arr = (full << (32 - bits)) if fmt.startswith("s32") else full.astype(np.int16)
    if not fmt.endswith("p"):
        arr = arr.T.reshape(1, -1)
    frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(arr), format=fmt, layout=layout)
    frame.sample_rate = rate
    return frame


def write_audio(
    path: Path,
    *,
    kind: str = "flac",
    seconds: float = 1.0,
    rate: int = 44100,
    channels: int = 2,
    bits: int = 16,
    seed: int = 0,
) -> Path:
    """Encode generated audio into path with a real encoder; return path."""
    muxer, codec, formats = WRITERS[kind]
    codec = codec[bits] if isinstance(codec, dict) else codec
    fmt = formats[bits]
    data = samples(seconds=seconds, rate=rate, channels=channels, seed=seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w", format=muxer) as out:
        layout = {1: "mono", 2: "stereo"}.get(channels, f"{channels}c")
        stream = out.add_stream(codec, rate=rate, layout=layout)
        stream.format = fmt
        chunk = 4096
        for start in range(0, data.shape[1], chunk):
            frame = _frame(data[:, start : start + chunk], fmt, bits, rate)
            frame.pts = start
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def cover_jpeg(color: tuple[int, int, int] = (200, 40, 90), size: int = 64) -> bytes:
    """Return a small JPEG of one color."""
    buf = io.BytesIO()
    Image.new("RGB", (size, size), color).save(buf, "JPEG", quality=80)
    return buf.getvalue()


def write_tags(path: Path, tags: dict[str, str], *, cover: bytes | None = None) -> None:
    """Tag a file in its family's native tags (Vorbis, ID3, MP4, APEv2)."""
    suffix = path.suffix.lower()
    if suffix == ".flac":
        audio = FLAC(path)
        for key, value in tags.items():
            audio[key] = value
        if cover:
            pic = Picture()
            pic.type, pic.mime, pic.data, pic.width, pic.height, pic.depth = (
                3,
                "image/jpeg",
                cover,
                64,
                64,
                24,
            )
            audio.add_picture(pic)
        audio.save()
    elif suffix in (".wav", ".aiff", ".aif"):
        _write_id3(path, tags, cover)
    elif suffix == ".m4a":
        audio = MP4(path)
        atoms = {
            "title": "\xa9nam",
            "artist": "\xa9ART",
            "albumartist": "aART",
            "album": "\xa9alb",
            "date": "\xa9day",
            "genre": "\xa9gen",
            "composer": "\xa9wrt",
            "copyright": "cprt",
        }
        for key, value in tags.items():
            if key in atoms:
                audio[atoms[key]] = [value]
            elif key == "tracknumber":
                audio["trkn"] = [(int(value), int(tags.get("tracktotal", 0)))]
            elif key == "discnumber":
                audio["disk"] = [(int(value), int(tags.get("disctotal", 0)))]
            elif key in ("isrc", "barcode", "label"):
                audio[f"----:com.apple.iTunes:{key.upper()}"] = [MP4FreeForm(value.encode())]
        if cover:
            audio["covr"] = [MP4Cover(cover, imageformat=MP4Cover.FORMAT_JPEG)]
        audio.save()
    elif suffix == ".wv":
        audio = APEv2()
        names = {
            "title": "Title",
            "artist": "Artist",
            "albumartist": "Album Artist",
            "album": "Album",
            "tracknumber": "Track",
            "discnumber": "Disc",
            "date": "Year",
            "genre": "Genre",
            "isrc": "ISRC",
            "barcode": "Barcode",
            "composer": "Composer",
            "label": "Label",
        }
        for key, value in tags.items():
            if key in names:
                audio[names[key]] = value
        if cover:
            # APEv2 binary cover: "filename\0" then the image bytes.
            audio["Cover Art (Front)"] = APEValue(b"cover.jpg\0" + cover, BINARY)
        audio.save(path)
    else:
        raise ValueError(f"no tag writer for {suffix}")


def _write_id3(path: Path, tags: dict[str, str], cover: bytes | None) -> None:
    from mutagen import File

    audio = File(path)
    if audio.tags is None:
        audio.add_tags()
    frames = {
        "title": TIT2,
        "artist": TPE1,
        "albumartist": TPE2,
        "album": TALB,
        "date": TDRC,
        "genre": TCON,
        "isrc": TSRC,
        "composer": TCOM,
    }
    for key, value in tags.items():
        if key in frames:
            audio.tags.add(frames[key](encoding=3, text=value))
    if "tracknumber" in tags:
        audio.tags.add(
            TRCK(encoding=3, text=f"{tags['tracknumber']}/{tags.get('tracktotal', '')}".rstrip("/"))
        )
    if "discnumber" in tags:
        audio.tags.add(TPOS(encoding=3, text=tags["discnumber"]))
    if "barcode" in tags:
        audio.tags.add(TXXX(encoding=3, desc="BARCODE", text=tags["barcode"]))
    if cover:
        audio.tags.add(APIC(encoding=3, mime="image/jpeg", type=3, desc="", data=cover))
    audio.save()


__all__ = ["ID3", "cover_jpeg", "samples", "write_audio", "write_tags"]
