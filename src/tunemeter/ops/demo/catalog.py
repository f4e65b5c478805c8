"""Define the demo catalog (artists, releases, tracks) and write it as tagged FLAC masters."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import time
import unicodedata
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

import av
import numpy as np
from mutagen.flac import FLAC, Picture

from tunemeter.ops.demo.compose import compose
from tunemeter.ops.demo.covers import SIZE, cover_jpeg
from tunemeter.ops.demo.mix import render
from tunemeter.ops.demo.synth import SR

log = logging.getLogger(__name__)

LABEL = "Tunemeter Demo Records"
COPYRIGHT = f"℗ 2026 {LABEL}"
VARIOUS = "Various Artists"
ISRC_PREFIX = "QZTMD26"  # country QZ, registrant TMD, year 26; designation follows
FRAME = 4608  # samples per FLAC frame fed to the encoder


@dataclass(frozen=True)
class Artist:
    """A demo artist and the style its music is composed in."""

    name: str
    style: str
    genre: str
    composer: str
    mode: str | None = None  # None: the seed picks one of the style's modes


@dataclass(frozen=True)
class Track:
    """A track: its title, its length at scale 1, and its artist on a compilation."""

    title: str
    seconds: float
    artist: Artist | None = None


@dataclass(frozen=True)
class Release:
    """A release: artist None means a compilation by various artists."""

    title: str
    artist: Artist | None
    date: str
    discs: tuple[tuple[Track, ...], ...]
    embed_cover: bool  # False: the cover is cover.jpg in the release folder


MOTORVAGEN = Artist("Motörvågen", "synthpop", "Synth-pop", "Ylva Brännström, Kasper Rönn")
OLGAARD = Artist("Søren Ølgaard", "ambient", "Ambient", "Søren Ølgaard")
MARLOW = Artist("The Marlow Street Trio", "jazz", "Jazz", "Della Marlow")
LUMIERE = Artist("Café Lumière", "lofi", "Lo-fi", "Inès Moreau")
KESTREL = Artist("Kestrel Avenue", "synthpop", "Synthwave", "Priya Nandakumar", "minor")

RELEASES: tuple[Release, ...] = (
    Release("Neon Fjord", MOTORVAGEN, "2026-01-16", ((
        Track("Polar Arcade", 112), Track("Night Ferry to Malmö", 98),
        Track("Chrome Aurora", 90), Track("Signal Over Water", 104),
        Track("Afterglow Protocol", 86), Track("Halogen Heart", 118),
    ),), embed_cover=True),
    Release("Tidewater Rooms", OLGAARD, "2026-02-20", (
        (Track("Low Tide, First Light", 98), Track("Salt Glass", 80),
         Track("The Lighthouse Keeper Sleeps", 112), Track("Fog Over Kattegat", 86)),
        (Track("Driftwood Choir", 92), Track("Undertow", 76),
         Track("Harbour Lamps", 102), Track("Ebb", 82)),
    ), embed_cover=False),
    Release("Late Tram Home", MARLOW, "2026-03-13", ((
        Track("Blue Hour on Marlow Street", 110), Track("Tram No. 7", 88),
        Track("Rain on the Skylight", 98), Track("Small Hours Stroll", 82),
        Track("Last Call at the Velvet Room", 116),
    ),), embed_cover=False),
    Release("Tunemeter Sampler Vol. 1", None, "2026-04-24", ((
        Track("Glass Tram", 86, MOTORVAGEN), Track("Rue des Lanternes", 94, LUMIERE),
        Track("Skærgård", 90, OLGAARD), Track("Runway Lights", 90, KESTREL),
        Track("Coda for a Quiet Street", 84, MARLOW), Track("Mélodie du soir", 88, LUMIERE),
    ),), embed_cover=True),
)  # fmt: skip


def ean13(body: str) -> str:
    """Return the 12-digit body with its GS1 check digit appended."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def track_rng(seed: int, release: int, disc: int, number: int) -> np.random.Generator:
    """Return the generator that decides everything about one track (disc 0: the cover)."""
    return np.random.default_rng([seed, release, disc, number])


def safe_name(name: str) -> str:
    """Return name usable as a file or folder name on any common filesystem."""
    name = re.sub(r'[\x00-\x1f<>:"/\\|?*]', "_", unicodedata.normalize("NFC", name))
    return name.strip(" .") or "_"


def write_flac(path: Path, pcm: np.ndarray) -> None:
    """Write int16 stereo samples (frames, 2) to path as 44.1 kHz FLAC."""
    with av.open(str(path), "w", format="flac") as out:
        stream = out.add_stream("flac", rate=SR, layout="stereo")
        stream.format = "s16"
        for i in range(0, len(pcm), FRAME):
            chunk = np.ascontiguousarray(pcm[i : i + FRAME]).reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(chunk, format="s16", layout="stereo")
            frame.sample_rate, frame.pts = SR, i
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))


def tag_flac(path: Path, tags: dict[str, str], cover: bytes | None) -> None:
    """Replace the file's Vorbis comments with tags and embed cover as the front picture."""
    audio = FLAC(path)
    if audio.tags is None:
        audio.add_tags()
    audio.clear()  # drop the muxer's encoder comment: only the catalog's tags remain
    audio.clear_pictures()
    for key, value in tags.items():
        audio[key] = value
    if cover is not None:
        picture = Picture()
        picture.type, picture.mime, picture.desc = 3, "image/jpeg", "Front cover"
        picture.width, picture.height, picture.depth, picture.data = SIZE, SIZE, 24, cover
        audio.add_picture(picture)
    audio.save()


@dataclass(frozen=True)
class _TrackJob:
    path: Path
    style: str
    seconds: float
    mode: str | None
    rng_key: tuple[int, int, int, int]
    tags: dict[str, str]
    cover: bytes | None


def _write_track(job: _TrackJob) -> float:
    """Compose, render, encode and tag one track; return its length in seconds."""
    rng = np.random.default_rng(list(job.rng_key))
    pcm = render(compose(job.style, job.seconds, rng, job.mode), rng)
    write_flac(job.path, pcm)
    tag_flac(job.path, job.tags, job.cover)
    log.debug("wrote %s (%.1f s)", job.path, len(pcm) / SR)
    return len(pcm) / SR


def write_catalog(
    dest: Path,
    seed: int,
    scale: float,
    workers: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> list[Path]:
    """Write every release under dest/<album artist>/<album>/; return the FLAC paths.

    Tracks are rendered on `workers` processes (default: every core); each track's
    generator is seeded from its place in the catalog, so the order does not matter.
    """
    if seed < 0 or scale <= 0:
        raise ValueError("seed must be >= 0 and scale > 0")
    began, jobs = time.perf_counter(), []
    for ri, release in enumerate(RELEASES):
        album_artist = release.artist.name if release.artist else VARIOUS
        folder = dest / safe_name(album_artist) / safe_name(release.title)
        folder.mkdir(parents=True, exist_ok=True)
        cover = cover_jpeg(release.title, album_artist, track_rng(seed, ri, 0, 0))
        if not release.embed_cover:
            (folder / "cover.jpg").write_bytes(cover)
        for disc_no, disc in enumerate(release.discs, 1):
            for no, track in enumerate(disc, 1):
                artist = track.artist or release.artist
                assert artist is not None, "compilation tracks name their artist"
                prefix = f"{disc_no}-{no:02d}" if len(release.discs) > 1 else f"{no:02d}"
                tags = {
                    "TITLE": track.title,
                    "ARTIST": artist.name,
                    "ALBUMARTIST": album_artist,
                    "ALBUM": release.title,
                    "TRACKNUMBER": str(no),
                    "TRACKTOTAL": str(len(disc)),
                    "DISCNUMBER": str(disc_no),
                    "DISCTOTAL": str(len(release.discs)),
                    "DATE": release.date,
                    "GENRE": artist.genre,
                    "ISRC": f"{ISRC_PREFIX}{len(jobs) + 1:05d}",
                    "BARCODE": ean13(f"20260000{ri + 1:04d}"),
                    "COMPOSER": artist.composer,
                    "LABEL": LABEL,
                    "COPYRIGHT": COPYRIGHT,
                }
                if release.artist is None:
                    tags["COMPILATION"] = "1"
                jobs.append(
                    _TrackJob(
                        path=folder / f"{prefix} - {safe_name(track.title)}.flac",
                        style=artist.style,
                        seconds=track.seconds * scale,
                        mode=artist.mode,
                        rng_key=(seed, ri, disc_no, no),
                        tags=tags,
                        cover=cover if release.embed_cover else None,
                    )
                )
    workers = workers or os.cpu_count() or 1
    seconds = 0.0
    on_progress and on_progress(0, len(jobs))
    with contextlib.ExitStack() as stack:
        if workers > 1:
            pool = stack.enter_context(
                ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork"))
            )
            results = pool.map(_write_track, jobs)
        else:
            results = map(_write_track, jobs)
        for done, length in enumerate(results, start=1):
            seconds += length
            on_progress and on_progress(done, len(jobs))
    log.info(
        "wrote %d demo tracks, %.1f min of audio, in %.1f s",
        len(jobs),
        seconds / 60,
        time.perf_counter() - began,
    )
    return [job.path for job in jobs]


def catalog_minutes() -> float:
    """Return the length of the demo catalog at scale 1, in minutes (composed, not rendered)."""
    return sum(t.seconds for r in RELEASES for disc in r.discs for t in disc) / 60


def write_track(path: Path, *, seconds: float, style: str, seed: int) -> Path:
    """Write one untagged demo track of a style and length (for benchmarks); return path."""
    rng = np.random.default_rng([seed, 999])
    write_flac(path, render(compose(style, seconds, rng, None), rng))
    return path
