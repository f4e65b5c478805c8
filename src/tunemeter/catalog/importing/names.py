"""Turn file names of any bytes into safe text: for display, for titles, and back to bytes.

A POSIX file name is bytes. Python hands undecodable bytes over as lone surrogates
(PEP 383), which neither a database nor a terminal accepts. The exact bytes are kept
(`path_bytes`) to find the file again; what is shown escapes every undecodable byte as
`\\xNN` and every control or bidirectional-override character as `\\xNN`/`\\uNNNN`, so a
name can never move the cursor, recolour a terminal or reorder a line.
"""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

# Explicit bidi embeddings, overrides, isolates and marks (Unicode UAX #9, section 2).
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def path_bytes(path: Path | str) -> bytes:
    """Return a path exactly as the file system holds it."""
    return os.fsencode(path)


def _escape_controls(text: str) -> str:
    out = []
    for char in text:
        if char in BIDI_CONTROLS or unicodedata.category(char) in ("Cc", "Cs"):
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


def text_display(text: str) -> str:
    """Return text (possibly holding lone surrogates) safe for a terminal, a log or a page."""
    raw = text.encode("utf-8", "surrogateescape")
    return _escape_controls(raw.decode("utf-8", "backslashreplace"))


def path_display(path: Path | str) -> str:
    """Return a path as printable text: undecodable bytes and control characters escaped."""
    return _escape_controls(path_bytes(path).decode("utf-8", "backslashreplace"))


def name_text(name: str) -> str:
    """Return a file-name part as a title: UTF-8, else Windows-1252 (Latin-1's superset).

    Names written on old systems are mostly Latin-1/CP1252, so "Caf\\xe9" reads "Café"
    instead of an escape; control characters become spaces.
    """
    raw = name.encode("utf-8", "surrogateescape")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", "replace")
    return "".join(
        " " if c in BIDI_CONTROLS or unicodedata.category(c) in ("Cc", "Cs") else c for c in text
    ).strip()
