"""Generate the demo catalog: original music written as tagged FLAC masters with covers.

Everything is computed from the seed (numpy generators only), so the same seed writes
byte-identical files; nothing is downloaded.
"""

from __future__ import annotations

from pathlib import Path

from tunemeter.ops.demo.catalog import catalog_minutes, write_catalog, write_track

__all__ = ["demo_generate", "demo_minutes", "demo_track"]


def demo_generate(
    *, dest: Path, seed: int = 2026, scale: float = 1.0, on_progress=None
) -> list[Path]:
    """Write the demo catalog's FLAC files (and folder covers) under dest; return the FLAC paths.

    `scale` multiplies every track's length: 1.0 gives the full catalog (about 40 minutes),
    small values give short tracks for tests. on_progress(done, total) follows the tracks.
    """
    return write_catalog(Path(dest), seed, scale, on_progress=on_progress)


def demo_minutes() -> float:
    """Return how many minutes of music demo_generate writes at scale 1."""
    return catalog_minutes()


def demo_track(*, dest: Path, seconds: float, style: str = "synthpop", seed: int = 1) -> Path:
    """Write one untagged demo track ("synthpop", "ambient" or "jazz") to dest; return it."""
    return write_track(Path(dest), seconds=seconds, style=style, seed=seed)
