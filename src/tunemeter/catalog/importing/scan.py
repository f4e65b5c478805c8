"""Find master candidates under a folder and guess what their paths say when tags are silent.

Only regular files are candidates, decided by `lstat` before anything is opened: a FIFO
would block the first read forever, a device could be endless. The symlink rule: a
symlink to a regular file is imported (its target is read); a symlink to a folder is not
followed (no loops, no leaving the tree); a dangling symlink, a FIFO, a socket or a
device is skipped with the reason in the report.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from tunemeter.catalog.importing.names import name_text

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


@dataclass(frozen=True)
class Scan:
    """What a folder holds: the candidates, and what was skipped with the reason."""

    candidates: list[Candidate]
    skipped: list[tuple[Path, str]]


def _kind(mode: int) -> str | None:
    """Return what a non-regular file is, in words; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def regular_file_reason(path: Path) -> str | None:
    """Return why path is not importable as a file (lstat, then the link's target), or None."""
    try:
        mode = os.lstat(path).st_mode
        if stat.S_ISLNK(mode):
            try:
                target_mode = os.stat(path).st_mode
            except OSError:
                return "skipped: a symlink to nothing (dangling)"
            kind = _kind(target_mode)
            return f"skipped: a symlink to {kind}" if kind else None
    except OSError as exc:
        return f"skipped: cannot be read ({exc.strerror})"
    kind = _kind(mode)
    return f"skipped: {kind}, not a regular file" if kind else None


def _audio_name(name: str) -> bool:
    suffix = Path(name).suffix.lower()
    return not name.startswith(".") and (suffix in MASTER_EXTENSIONS or suffix in LOSSY_EXTENSIONS)


def scan(root: Path) -> Scan:
    """Return every audio candidate under root (or root itself if a file), in path order."""
    if not os.path.isdir(root):
        reason = regular_file_reason(root)
        if reason:
            return Scan(candidates=[], skipped=[(root, reason)])
        return Scan(candidates=[_candidate(root, 1)], skipped=[])
    found: list[Candidate] = []
    skipped: list[tuple[Path, str]] = []
    # os.walk lists symlinked folders among dirnames but does not descend into them.
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        position = 0
        for name in sorted(filenames, key=os.fsencode):
            if not _audio_name(name):
                continue
            path = Path(dirpath) / name
            if reason := regular_file_reason(path):
                skipped.append((path, reason))
                continue
            position += 1
            found.append(_candidate(path, position))
    return Scan(candidates=found, skipped=skipped)


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
        title=name_text(title.replace("_", " ")) or name_text(path.stem),
        album=name_text(folder.name),
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
