"""Mix a composed song: render each part, duck, pan, echo, reverberate and master to int16."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from tunemeter.ops.demo.compose import Note, Song
from tunemeter.ops.demo.synth import DRUMS, INSTRUMENTS, SR, TAIL, hz

log = logging.getLogger(__name__)

FADE = round(0.02 * SR)
RINGING = frozenset({"bell", "vibes"})


@dataclass(frozen=True)
class Channel:
    """A part's mixer strip: level, pan (-1 left … 1 right), effect sends, ducking."""

    gain: float
    pan: float = 0.0
    reverb: float = 0.0
    delay: float = 0.0
    duck: bool = False


CHANNELS = {
    "kick": Channel(0.55),
    "snare": Channel(0.45, 0.05, 0.2),
    "clap": Channel(0.7, -0.05, 0.25),
    "hat": Channel(0.22, 0.3, 0.05),
    "ohat": Channel(0.2, 0.3, 0.1),
    "ride": Channel(0.12, -0.35, 0.1),
    "rim": Channel(0.6, -0.2, 0.3),
    "shaker": Channel(0.3, 0.4, 0.15),
    "brush": Channel(0.5, 0.15, 0.15),
    "bass_synth": Channel(0.55, duck=True),
    "bass_sub": Channel(0.25, duck=True),
    "bass_upright": Channel(0.3, -0.1, 0.05),
    "lead": Channel(0.55, 0.1, 0.2, 0.3, duck=True),
    "arp": Channel(0.2, -0.3, 0.15, 0.25, duck=True),
    "pad": Channel(0.35, 0.0, 0.3, duck=True),
    "pad_soft": Channel(0.4, 0.0, 0.45),
    "bell": Channel(0.25, 0.3, 0.45, 0.45),
    "epiano": Channel(0.3, -0.2, 0.2),
    "vibes": Channel(0.2, 0.25, 0.25, 0.12),
    "pluck": Channel(0.4, -0.25, 0.2, 0.1, duck=True),
    "flute": Channel(0.25, 0.2, 0.3, 0.25),
}


def comb(x: np.ndarray, d: int, g: float) -> np.ndarray:
    """Return y with y[n] = x[n] + g*y[n-d], vectorised over rows of d samples.

    Rows are grouped in chunks short enough that g**-rows stays representable, so each
    chunk is one scaled cumulative sum and only the carry between chunks is a Python loop.
    """
    n = len(x)
    rows = -(-n // d)
    r = max(1, min(rows, int(np.log(1e6) / -np.log(g))))
    chunks = -(-rows // r)
    buf = np.zeros(chunks * r * d)
    buf[:n] = x
    k = np.arange(r)[None, :, None]
    part = np.cumsum(buf.reshape(chunks, r, d) * g**-k, axis=1) * g**k
    carries = np.zeros((chunks, d))
    for c in range(1, chunks):
        carries[c] = part[c - 1, -1] + g**r * carries[c - 1]
    part += g ** (k + 1) * carries[:, None, :]
    return part.reshape(-1)[:n]


def allpass(x: np.ndarray, d: int, g: float) -> np.ndarray:
    """Return x through a Schroeder all-pass: diffuses echoes without colouring the tone."""
    late = np.concatenate((np.zeros(d), x[:-d]))
    return comb(late - g * x, d, g)


def _add_upsampled(out: np.ndarray, y: np.ndarray, factor: int) -> None:
    """Add y, at 1/factor of out's rate, into out with linear interpolation."""
    y = np.concatenate((y, y[:, -1:]), axis=1).astype(np.float32)
    n = out.shape[1]
    for j in range(factor):
        m = len(range(j, n, factor))
        out[:, j::factor] += (1 - j / factor) * y[:, :m] + (j / factor) * y[:, 1 : m + 1]


def space(out: np.ndarray, rev: np.ndarray, dly: np.ndarray, song: Song) -> None:
    """Add the stereo reverb and echo of the two send buses to out.

    Both run at a quarter of the sample rate: the wet sound is dark anyway, and the
    feedback loops cost a quarter as much.
    """
    n, fx = len(rev), song.fx

    def quarter(x: np.ndarray) -> np.ndarray:
        return np.concatenate((x, np.zeros(-n % 4))).reshape(-1, 4).mean(axis=1, dtype=np.float64)

    low_rev, low_dly = quarter(rev), quarter(dly)
    d = max(1, round(fx.delay_beats * 60 / song.bpm * SR / 4))
    wet = comb(low_dly, d, fx.delay_fb) - low_dly  # echoes only, no dry signal
    late = np.concatenate((np.zeros(d // 2), wet[: len(wet) - d // 2]))
    wet = np.stack([0.5 * wet, 0.5 * late])
    for side, delays in enumerate(((279, 319, 355, 383), (297, 339, 372, 401))):
        y = sum(comb(low_rev, dd, fx.room) for dd in delays) / 4  # Freeverb tunings / 4
        wet[side] += allpass(allpass(y, 139, 0.5), 110, 0.5) * fx.wet * 4
    _add_upsampled(out, wet, 4)


def _pan(pan: float) -> tuple[np.float32, np.float32]:
    theta = (pan + 1) * np.pi / 4  # constant power, unity in the centre
    return np.float32(np.cos(theta) * np.sqrt(2)), np.float32(np.sin(theta) * np.sqrt(2))


def _duck(notes: list[Note], n: int, depth: float) -> np.ndarray:
    """Return a gain curve dipping after every kick: the sidechain pump of dance music."""
    t = np.arange(round(0.35 * SR)) / SR
    shape = ((1 - np.exp(-t / 0.003)) * np.exp(-t / 0.1)).astype(np.float32)
    env = np.zeros(n, dtype=np.float32)
    for note in notes:
        i = round(note.start * SR)
        seg = shape[: max(0, n - i)] * np.float32(note.vel)
        np.maximum(env[i : i + len(seg)], seg, out=env[i : i + len(seg)])
    return 1 - np.float32(depth) * env


def _part(part: str, notes: list[Note], song: Song, rng: np.random.Generator, n: int) -> np.ndarray:
    """Return the bus of one part: every note's buffer added at its start, cached by shape."""
    cache: dict[tuple[int, int], np.ndarray] = {}
    bus: np.ndarray | None = None
    for i, note in enumerate(notes):
        if part in DRUMS:
            key = (i % 2, 0)
        else:  # ringing instruments ignore how long the note is held
            key = (note.pitch, 0 if part in RINGING else round(note.dur * SR))
        buf = cache.get(key)
        if buf is None:
            if part in DRUMS:  # two takes of each drum, alternated so repeats are not identical
                buf = DRUMS[part](song.style, rng)
            else:
                buf = INSTRUMENTS[part](hz(note.pitch), note.dur, rng)
            buf = cache[key] = buf.astype(np.float32)
            fade = min(buf.shape[-1], FADE)
            buf[..., -fade:] *= np.linspace(1, 0, fade, dtype=np.float32)  # no click at the cut
        if bus is None:
            bus = np.zeros((*buf.shape[:-1], n), dtype=np.float32)
        start = round(note.start * SR)
        seg = buf[..., : max(0, n - start)]
        bus[..., start : start + seg.shape[-1]] += np.float32(note.vel) * seg
    assert bus is not None, "a part has at least one note"
    return bus


def render(song: Song, rng: np.random.Generator) -> np.ndarray:
    """Return the song as int16 stereo samples, shape (frames, 2), peaks under 0 dBFS."""
    tail = min(TAIL, max(1.0, 0.25 * song.length_seconds))  # short test renders get short tails
    n = round((song.length_seconds + tail) * SR)
    parts: dict[str, list[Note]] = {}
    for note in song.notes:
        parts.setdefault(note.part, []).append(note)
    fx = song.fx
    duck = _duck(parts.get("kick", []), n, fx.duck) if fx.duck else None
    out = np.zeros((2, n), dtype=np.float32)
    rev, dly = np.zeros(n, dtype=np.float32), np.zeros(n, dtype=np.float32)
    for part in sorted(parts):
        bus, ch = _part(part, parts[part], song, rng, n), CHANNELS[part]
        if ch.duck and duck is not None:
            bus *= duck
        mono = bus if bus.ndim == 1 else bus.mean(axis=0)
        for send, level in ((rev, ch.reverb), (dly, ch.delay)):
            if level:
                send += np.float32(level) * mono
        for side, gain in enumerate(_pan(ch.pan)):
            out[side] += np.float32(ch.gain) * gain * (bus if bus.ndim == 1 else bus[side])
    space(out, rev, dly, song)
    log.debug("mixed %s: %d parts, %.1f s", song.style, len(parts), n / SR)
    return master(out, round(song.length_seconds * SR), round(tail * SR))


def master(x: np.ndarray, music: int, tail: int) -> np.ndarray:
    """Return x levelled to about -16 dBFS RMS, soft-limited, faded and converted to int16."""
    x -= x.mean(axis=1, keepdims=True)
    rms = float(np.sqrt(np.mean(np.square(x[:, :music], dtype=np.float64)))) or 1.0
    x = np.float32(0.95) * np.tanh(x * np.float32(0.16 / rms / 0.95))
    n = x.shape[1]
    fade_in, fade_out = min(n // 10, round(0.01 * SR)), tail + round(0.5 * SR)
    x[:, :fade_in] *= np.linspace(0, 1, fade_in, dtype=np.float32)
    x[:, n - fade_out :] *= np.cos(np.linspace(0, np.pi / 2, fade_out, dtype=np.float32)) ** 2
    return np.ascontiguousarray(np.clip(np.round(x.T * 32767), -32768, 32767).astype(np.int16))
