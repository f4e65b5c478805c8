"""Synthesise sound: oscillators, envelopes, filters, pitched instruments and drums (numpy)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

SR = 44100
TAIL = 3.0  # seconds after the last bar, so delays and reverb ring out before the fade
TAU = 2 * np.pi
Rng = np.random.Generator


def _n(seconds: float) -> int:
    return max(1, round(seconds * SR))


def _t(n: int) -> np.ndarray:
    return np.arange(n) / SR


def hz(pitch: float) -> float:
    """Return the frequency of a MIDI pitch."""
    return 440.0 * 2.0 ** ((pitch - 69) / 12)


def adsr(n: int, gate: float, a: float, d: float, s: float, r: float) -> np.ndarray:
    """Return an n-sample ADSR envelope for a note held `gate` seconds."""
    hold = max(gate, a + d)
    return np.interp(_t(n), (0, a, a + d, hold, hold + r), (0, 1, s, s, 0))


def _phase(f: float, n: int, cents: float = 0.0, vib: float = 0.0) -> np.ndarray:
    inc = f * 2 ** (cents / 1200) / SR
    if vib:  # vibrato fades in so short notes start in tune
        depth = vib * np.minimum(_t(n) / 0.4, 1.0)
        x = np.cumsum(inc * (1 + depth * np.sin(TAU * 5.2 * _t(n))))
    else:
        x = np.arange(n) * inc
    return x - np.floor(x)


def saw(f: float, n: int, cents: float = 0.0, vib: float = 0.0) -> np.ndarray:
    """Return a band-limited (PolyBLEP) sawtooth, so high notes do not alias into hiss."""
    ph, dt = _phase(f, n, cents, vib), f / SR
    y = 2 * ph - 1
    lo, hi = ph < dt, ph > 1 - dt
    x = ph[lo] / dt
    y[lo] -= 2 * x - x * x - 1
    x = (ph[hi] - 1) / dt
    y[hi] -= x * x + 2 * x + 1
    return y


def sine(f: float, n: int, cents: float = 0.0, vib: float = 0.0) -> np.ndarray:
    """Return a sine wave."""
    return np.sin(TAU * _phase(f, n, cents, vib))


def lowpass(x: np.ndarray, cutoff: float) -> np.ndarray:
    """Return x through a one-pole low-pass, as a short FIR of its decaying impulse response."""
    a = float(np.exp(-TAU * min(cutoff, SR * 0.45) / SR))
    taps = (1 - a) * a ** np.arange(int(np.ceil(np.log(1e-3) / np.log(a))) + 1)
    return np.convolve(x, taps)[: len(x)]


def smooth(x: np.ndarray, width: int) -> np.ndarray:
    """Return x through a moving average: a cheap low-pass for whole-track buses."""
    c = np.cumsum(np.concatenate((np.zeros(width), x)))
    return (c[width:] - c[:-width]) / width


# Pitched instruments: (frequency, seconds held, rng) -> mono or stereo buffer.
def _lead(f: float, gate: float, rng: Rng) -> np.ndarray:
    n = _n(gate + 0.15)
    x = 0.5 * (saw(f, n, -7, 0.004) + saw(f, n, 7, 0.004))
    return lowpass(x, min(6 * f, 5000)) * adsr(n, gate, 0.01, 0.2, 0.6, 0.15)


def _arp(f: float, gate: float, rng: Rng) -> np.ndarray:
    n = _n(gate + 0.1)
    x, e = saw(f, n), np.exp(-_t(n) / 0.08)
    # filter envelope: bright attack closing to a dark body
    return (lowpass(x, 8 * f) * e + lowpass(x, 2 * f) * (1 - e)) * adsr(
        n, gate, 0.003, 0.15, 0.3, 0.08
    )


def _pad(f: float, gate: float, rng: Rng) -> np.ndarray:
    n = _n(gate + 0.4)
    env = adsr(n, gate, 0.08, 0.4, 0.7, 0.4)
    sides = [sum(saw(f, n, c) for c in cents) / 3 for cents in ((-11, 2, 9), (-6, -1, 12))]
    return np.stack([lowpass(s, 4 * f) * env for s in sides])


def _pad_soft(f: float, gate: float, rng: Rng) -> np.ndarray:
    n = _n(gate + 1.5)
    env = adsr(n, gate, 1.2, 0.8, 0.8, 1.5)
    tri = [
        sum(2 * np.abs(2 * _phase(f, n, c) - 1) - 1 for c in cents) for cents in ((-8, 5), (-4, 9))
    ]
    body = 0.4 * sine(f, n)
    return np.stack([(0.35 * t + body) * env for t in tri])


def _bell(f: float, gate: float, rng: Rng) -> np.ndarray:
    t = _t(_n(2.5))  # a bell rings on, however briefly it is struck
    index = 2.2 * np.exp(-t / 0.3)
    return np.sin(TAU * f * t + index * np.sin(TAU * 3.5 * f * t)) * np.exp(-t / 1.2)


def _epiano(f: float, gate: float, rng: Rng) -> np.ndarray:
    n = _n(gate + 0.25)
    t = _t(n)
    body = np.sin(TAU * f * t + (0.2 + 1.6 * np.exp(-t / 0.25)) * np.sin(TAU * f * t))
    tine = 0.15 * np.exp(-t / 0.04) * np.sin(TAU * min(7 * f, 12000) * t)
    return (body + tine) * np.exp(-t / 1.4) * adsr(n, gate, 0.003, 0.0, 1.0, 0.25)


def _vibes(f: float, gate: float, rng: Rng) -> np.ndarray:
    t = _t(_n(1.6))  # pedal down: every bar rings its full length
    x = np.sin(TAU * f * t) + 0.3 * np.exp(-t / 0.15) * np.sin(TAU * 4 * f * t)
    return x * np.exp(-t / 1.0) * (1 + 0.25 * np.sin(TAU * 5.5 * t)) * np.minimum(t / 0.002, 1)


def _pluck(f: float, gate: float, rng: Rng) -> np.ndarray:
    """Return a Karplus-Strong string, vectorised one period at a time."""
    n, p = _n(min(gate + 0.2, 2.5)), max(2, round(SR / f - 0.5))
    blocks = -(-n // p) + 1
    y = np.zeros(blocks * p)
    y[:p] = lowpass(rng.uniform(-1, 1, p), 3000)
    decay = 10 ** (-3 / (f * 2.0))  # per period, for roughly two seconds to fade
    for k in range(1, blocks):
        prev = y[(k - 1) * p : k * p]
        late = y[(k - 1) * p - 1 : k * p - 1] if k > 1 else np.concatenate(([0.0], prev[:-1]))
        y[k * p : (k + 1) * p] = 0.5 * decay * (prev + late)
    return 2 * y[:n] * adsr(n, gate, 0.002, 0.0, 1.0, 0.2)


def _flute(f: float, gate: float, rng: Rng) -> np.ndarray:
    n = _n(gate + 0.15)
    x = sine(f, n, 0, 0.006) + 0.2 * sine(2 * f, n, 0, 0.006) + 0.05 * sine(3 * f, n)
    breath = lowpass(rng.standard_normal(n), 2 * f) * 0.08
    return (x + breath) * adsr(n, gate, 0.06, 0.1, 0.85, 0.15)


def _bass_synth(f: float, gate: float, rng: Rng) -> np.ndarray:
    n = _n(gate + 0.06)
    x = lowpass(saw(f, n), 4 * f) + 0.6 * sine(f, n)
    return x * adsr(n, gate, 0.004, 0.15, 0.7, 0.06)


def _bass_sub(f: float, gate: float, rng: Rng) -> np.ndarray:
    n = _n(gate + 0.25)
    return np.tanh(1.5 * (sine(f, n) + 0.25 * sine(2 * f, n))) * adsr(n, gate, 0.03, 0.3, 0.8, 0.25)


def _bass_upright(f: float, gate: float, rng: Rng) -> np.ndarray:
    n = _n(gate + 0.08)
    t = _t(n)
    x = sum(
        a * np.exp(-t * h / 0.9) * np.sin(TAU * h * f * t)
        for h, a in enumerate((1, 0.5, 0.25, 0.12), 1)
    )
    thump = lowpass(rng.standard_normal(n), 300) * np.exp(-t / 0.01)
    return (x + 0.5 * thump) * adsr(n, gate, 0.004, 0.0, 1.0, 0.08)


# Drums: (style, rng) -> mono buffer.
def _noise(rng: Rng, seconds: float, order: int = 2) -> np.ndarray:
    """Return white noise differentiated `order` times: tilted up, like a cymbal or a rattle."""
    x = rng.standard_normal(_n(seconds))
    for _ in range(order):
        x = np.diff(x, prepend=0.0)
    return x / 2**order


def _kick(style: str, rng: Rng) -> np.ndarray:
    f0, f1, tf, ta = {"synthpop": (170, 50, 0.035, 0.22), "ambient": (110, 45, 0.05, 0.35)}.get(
        style, (130, 52, 0.04, 0.22)
    )
    n = _n(ta * 4)
    t = _t(n)
    sweep = f1 + (f0 - f1) * np.exp(-t / tf)
    click = np.diff(rng.standard_normal(n), prepend=0.0) * np.exp(-t / 0.004)
    return np.tanh(1.5 * (np.sin(TAU * np.cumsum(sweep) / SR) * np.exp(-t / ta) + 0.15 * click))


def _snare(style: str, rng: Rng) -> np.ndarray:
    t = _t(_n(0.35))
    tone = np.sin(TAU * 185 * t) * np.exp(-t / 0.04)
    return 0.6 * tone + 1.5 * _noise(rng, 0.35, 1) * np.exp(
        -t / (0.09 if style == "lofi" else 0.13)
    )


def _clap(style: str, rng: Rng) -> np.ndarray:
    t = _t(_n(0.3))
    # three quick bursts and a tail: many hands not quite together
    env = sum(np.exp(-(t - d) / 0.008) * (t >= d) for d in (0.0, 0.011, 0.023)) * 0.6
    env = env + 0.5 * np.exp(-np.maximum(t - 0.023, 0) / 0.11) * (t >= 0.023)
    return 2 * smooth(_noise(rng, 0.3, 1), 3) * env


def _hat(style: str, rng: Rng) -> np.ndarray:
    return 2 * _noise(rng, 0.12) * np.exp(-_t(_n(0.12)) / 0.025)


def _ohat(style: str, rng: Rng) -> np.ndarray:
    return 2 * _noise(rng, 0.5) * np.exp(-_t(_n(0.5)) / 0.2)


def _ride(style: str, rng: Rng) -> np.ndarray:
    t = _t(_n(1.6))
    ping = sum(np.sin(TAU * fr * t + rng.uniform(0, TAU)) for fr in (3170, 4230, 5310, 6690)) * 0.1
    return (1.2 * _noise(rng, 1.6) * np.exp(-t / 0.45) + ping * np.exp(-t / 0.8)) * (
        1 + 2 * np.exp(-t / 0.01)
    )


def _rim(style: str, rng: Rng) -> np.ndarray:
    t = _t(_n(0.12))
    return np.sin(TAU * 1700 * t) * np.exp(-t / 0.012) + np.sin(TAU * 420 * t) * np.exp(-t / 0.02)


def _shaker(style: str, rng: Rng) -> np.ndarray:
    t = _t(_n(0.12))
    return 2 * _noise(rng, 0.12) * np.minimum(t / 0.015, 1) * np.exp(-t / 0.04)


def _brush(style: str, rng: Rng) -> np.ndarray:
    t = _t(_n(0.3))
    return smooth(_noise(rng, 0.3, 1), 4) * np.minimum(t / 0.02, 1) * np.exp(-t / 0.1) * 2


INSTRUMENTS: dict[str, Callable[[float, float, Rng], np.ndarray]] = {
    "lead": _lead, "arp": _arp, "pad": _pad, "pad_soft": _pad_soft, "bell": _bell,
    "epiano": _epiano, "vibes": _vibes, "pluck": _pluck, "flute": _flute,
    "bass_synth": _bass_synth, "bass_sub": _bass_sub, "bass_upright": _bass_upright,
}  # fmt: skip
DRUMS: dict[str, Callable[[str, Rng], np.ndarray]] = {
    "kick": _kick, "snare": _snare, "clap": _clap, "hat": _hat, "ohat": _ohat,
    "ride": _ride, "rim": _rim, "shaker": _shaker, "brush": _brush,
}  # fmt: skip
