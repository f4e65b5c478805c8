"""Find master candidates under a folder and guess what their paths say when tags are silent."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

MASTER_EXTENSIONS = frozenset({".flac", ".wav", ".wave", ".aif", ".aiff", ".aifc", ".m4a", ".wv"})
LOSSY_EXTENSIONS = {
    ".mp3": "MP3",
    ".aac": "AAC",
    ".ogg": "Ogg Vorbis",
    ".oga": "Ogg Vorbis",
    ".opus": "Opus",
    ".wma": "WMA",
    ".mpc": "Musepack",
}
COVER_NAMES = ("cover", "folder", "front", "album")
COVER_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp")
DISC_FOLDER_RE = re.compile(r"^(?:cd|disc|disk)\s*[-_ ]?\s*(\d{1,2})$", re.IGNORECASE)
LEADING_NUMBER_RE = re.compile(r"^(?:(\d{1,2})[-.](?=\d))?(\d{1,3})\s*(?:[-._)]\s*|\s+)(.+)$")


@dataclass(frozen=True)
class Candidate:
    """A file to import, with what its place in the folder tree says about it."""

    path: Path
    folder_position: int  # 1-based order among the folder's candidates
    lossy_format: str | None = None  # set when the extension names a lossy format


@dataclass(frozen=True)
class PathHints:
    """Title, album, disc and position guessed from a path, for untagged files."""

    title: str
    album: str
    disc: int | None
    position: int | None


def scan(root: Path) -> list[Candidate]:
    """Return every audio candidate under root (or root itself if a file), in path order."""
    if root.is_file():
        return [_candidate(root, 1)]
    found: list[Candidate] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        names = sorted(
            n
            for n in filenames
            if not n.startswith(".")
            and (
                Path(n).suffix.lower() in MASTER_EXTENSIONS
                or Path(n).suffix.lower() in LOSSY_EXTENSIONS
            )
        )
        found += [_candidate(Path(dirpath) / n, i) for i, n in enumerate(names, start=1)]
    return found


def _candidate(path: Path, position: int) -> Candidate:
    return Candidate(
        path=path, folder_position=position, lossy_format=LOSSY_EXTENSIONS.get(path.suffix.lower())
    )


def path_hints(path: Path, folder_position: int) -> PathHints:
    """Guess title, album, disc and track position from "Album/CD2/03 - Title.flac"."""
    folder = path.parent
    disc = None
    if match := DISC_FOLDER_RE.match(folder.name):
        disc = int(match.group(1))
        folder = folder.parent
    title, position = path.stem, folder_position
    if match := LEADING_NUMBER_RE.match(path.stem):
        disc_prefix, number, rest = match.groups()
        title, position = rest.strip(), int(number)
        if disc_prefix and disc is None:
            disc = int(disc_prefix)
    return PathHints(
        title=title.replace("_", " ").strip() or path.stem,
        album=folder.name,
        disc=disc,
        position=position,
    )


def folder_cover(folder: Path) -> Path | None:
    """Return the cover image beside the files (cover.*, folder.*, …), if there is one."""
    try:
        names = {n.lower(): n for n in os.listdir(folder)}
    except OSError:
        return None
    for stem in COVER_NAMES:
        for ext in COVER_EXTENSIONS:
            if (name := names.get(stem + ext)) is not None:
                return folder / name
    return None
