"""Build render sources and tags for transcoding tests, and decode outputs independently."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import av

from tests.audio import cover_jpeg, write_audio
from tunemeter.catalog.importing.probe import Limits, probe, probe_header
from tunemeter.transcoding.source import RenderSource
from tunemeter.transcoding.tagging import RenditionTags

LIMITS = Limits(max_seconds=4 * 3600, max_sample_rate=384_000, max_channels=8)

TAGS = RenditionTags(
    title="Jóga",
    artist="Björk",
    album="Homogenic",
    albumartist="Björk",
    track=3,
    track_total=10,
    disc=1,
    disc_total=2,
    date="1997-09-22",
    genre="Electronic",
    isrc="GBAAA9700001",
    composer="Björk; Sjón",
    label="One Little Indian",
    copyright="℗ 1997 One Little Indian",
    cover=cover_jpeg(),
    cover_mime="image/jpeg",
    track_gain_db=-6.5,
    track_peak=0.98,
    album_gain_db=-7.25,
    album_peak=0.99,
)


def master(
    tmp_path: Path, *, seconds=2.0, rate=44100, bits=16, channels=2, seed=1, kind="flac"
) -> RenderSource:
    """Write a master and return its render source, probed like the importer does."""
    path = write_audio(
        tmp_path / f"master-{seed}-{rate}-{bits}-{channels}.{kind}",
        kind=kind,
        seconds=seconds,
        rate=rate,
        bits=bits,
        channels=channels,
        seed=seed,
    )
    info = probe(path, header=probe_header(path, limits=LIMITS), limits=LIMITS)
    return RenderSource(
        path=path,
        container=info.container,
        sample_rate=info.sample_rate,
        channels=info.channels,
        bit_depth=info.bit_depth,
        length_samples=info.length_samples,
        pcm_md5=bytes.fromhex(info.pcm_md5),
    )


def decode(path: Path) -> dict:
    """Decode with ffprobe/ffmpeg when installed, else PyAV: codec, rate, channels, samples."""
    if shutil.which("ffprobe") and shutil.which("ffmpeg"):
        out = subprocess.run(
            [
                "ffprobe",
                "-v",
                "error",
                "-select_streams",
                "a:0",
                "-show_entries",
                "stream=codec_name,sample_rate,channels",
                "-of",
                "default=nw=1",
                str(path),
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        info = dict(line.split("=", 1) for line in out.split())
        pcm = subprocess.run(
            ["ffmpeg", "-v", "error", "-i", str(path), "-f", "s16le", "-"],
            capture_output=True,
            check=True,
        ).stdout
        channels = int(info["channels"])
        return {
            "codec": info["codec_name"],
            "rate": int(info["sample_rate"]),
            "channels": channels,
            "samples": len(pcm) // (2 * channels),
            "decoder": "ffmpeg",
        }
    with av.open(str(path)) as media:
        stream = media.streams.audio[0]
        samples = sum(f.samples for f in media.decode(stream))
        ctx = stream.codec_context
        return {
            "codec": ctx.name,
            "rate": ctx.sample_rate,
            "channels": ctx.channels,
            "samples": samples,
            "decoder": "pyav",
        }


def decode_pcm(path: Path, *, mono: bool = False) -> bytes:
    """Return the decoded audio as s16le bytes (ffmpeg when installed, else PyAV)."""
    if shutil.which("ffmpeg"):
        args = [
            "ffmpeg",
            "-v",
            "error",
            "-i",
            str(path),
            *(["-ac", "1"] if mono else []),
            "-f",
            "s16le",
            "-",
        ]
        return subprocess.run(args, capture_output=True, check=True).stdout
    out = bytearray()
    with av.open(str(path)) as media:
        stream = media.streams.audio[0]
        layout = "mono" if mono else stream.codec_context.layout.name
        resampler = av.AudioResampler(format="s16", layout=layout)
        for frame in media.decode(stream):
            for converted in resampler.resample(frame):
                out += converted.to_ndarray().tobytes()
    return bytes(out)


def bits_per_raw_sample(path: Path) -> int | None:
    """Return the stream's bit depth as ffprobe reports it, or None without ffprobe."""
    if not shutil.which("ffprobe"):
        return None
    out = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-show_entries",
            "stream=bits_per_raw_sample",
            "-of",
            "csv=p=0",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return int(out.split()[0].strip(","))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
