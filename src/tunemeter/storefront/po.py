"""Compile gettext catalogs (.po → .mo) in pure Python, for machines without gettext's msgfmt.

The compiled .mo files are committed beside their .po, so running the store needs no
tool at all; `tunemeter compilepo` rebuilds them after a translation changes, and a
test checks every committed .mo says exactly what its .po says.
"""

from __future__ import annotations

import ast
import re
import struct
from pathlib import Path

_FIELD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(".*")\s*$')


def po_parse(text: str) -> dict[bytes, bytes]:
    """Return a .po file's translated entries as .mo keys and values (fuzzy ones left out)."""
    catalog: dict[bytes, bytes] = {}
    for block in re.split(r"\n\s*\n", text.strip()):
        fuzzy, fields, current = False, {}, None
        for line in block.splitlines():
            line = line.strip()
            if line.startswith("#"):
                fuzzy |= line.startswith("#,") and "fuzzy" in line
                continue
            if match := _FIELD.match(line):
                current = match.group(1)
                fields[current] = ast.literal_eval(match.group(2))
            elif line.startswith('"') and current is not None:
                fields[current] += ast.literal_eval(line)
        if "msgid" not in fields:
            continue
        msgid = fields["msgid"]
        if fuzzy and msgid:
            continue
        if "msgid_plural" in fields:
            key = msgid + "\0" + fields["msgid_plural"]
            forms = [fields[k] for k in sorted(f for f in fields if f.startswith("msgstr["))]
            value = "\0".join(forms)
            translated = all(forms)
        else:
            key, value = msgid, fields.get("msgstr", "")
            translated = bool(value)
        if "msgctxt" in fields:
            key = fields["msgctxt"] + "\x04" + key
        if translated:
            catalog[key.encode()] = value.encode()
    return catalog


def mo_build(catalog: dict[bytes, bytes]) -> bytes:
    """Return the GNU .mo bytes of a catalog (keys sorted, no hash table), as msgfmt writes."""
    keys = sorted(catalog)
    count = len(keys)
    originals_at, translations_at = 28, 28 + 8 * count
    data_at = 28 + 16 * count
    table_o, table_t, blob = [], [], b""
    for key in keys:
        table_o.append((len(key), data_at + len(blob)))
        blob += key + b"\0"
    for key in keys:
        value = catalog[key]
        table_t.append((len(value), data_at + len(blob)))
        blob += value + b"\0"
    header = struct.pack("<7I", 0x950412DE, 0, count, originals_at, translations_at, 0, data_at)
    tables = b"".join(struct.pack("<2I", *pair) for pair in table_o + table_t)
    return header + tables + blob


def po_compile(po_path: Path) -> Path:
    """Write the .mo beside a .po and return its path."""
    mo_path = po_path.with_suffix(".mo")
    mo_path.write_bytes(mo_build(po_parse(po_path.read_text(encoding="utf-8"))))
    return mo_path
