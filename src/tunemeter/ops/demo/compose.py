"""Compose demo songs: keys, scales, chord progressions, melodies, rhythms and arrangements."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from tunemeter.ops.demo.styles import EIGHTHS, MODES, STYLES, Fx, Style

log = logging.getLogger(__name__)

INTENSITY = {"intro": 0, "verse": 1, "chorus": 2, "bridge": 1, "outro": 0}
# How likely a melody note starts on each 16th of a bar: downbeats first, 16ths rarely.
ACCENT = np.array([1, 0.1, 0.5, 0.15, 0.8, 0.1, 0.5, 0.15, 0.9, 0.1, 0.5, 0.15, 0.8, 0.1, 0.5, 0.2])
MOVES = np.array([-4, -3, -2, -2, -1, -1, 0, 1, 1, 2, 2, 3, 4])


@dataclass(frozen=True)
class Note:
    """One event of a part: a pitched note or a drum hit (pitch 0)."""

    part: str
    start: float
    dur: float
    pitch: int = 0
    vel: float = 1.0


@dataclass
class Song:
    """A composed song: its events and everything the renderer needs to mix them."""

    style: str
    bpm: float
    tonic: int
    mode: str
    length_seconds: float
    fx: Fx
    sections: list[tuple[str, int]]
    notes: list[Note] = field(default_factory=list)


def form_fit(template: tuple[tuple[str, int], ...], bars: int) -> list[tuple[str, int]]:
    """Return the template's sections scaled to `bars` bars in total (rounded down to even)."""
    if bars < 2 * len(template) + 4:  # too short for a form: play the full arrangement at once
        return [("chorus", max(2, bars))]
    scale = bars / sum(n for _, n in template)
    out = [[name, max(2, 2 * round(n * scale / 2))] for name, n in template]
    # settle the rounding two bars at a time, keeping every phrase an even length
    while (total := sum(n for _, n in out)) != bars - bars % 2:
        if total < bars:
            i = min(
                (i for i, s in enumerate(out) if s[0] not in ("intro", "outro")),
                key=lambda i: out[i][1],
            )
            out[i][1] += 2
        else:
            out[max(range(len(out)), key=lambda i: out[i][1])][1] -= 2
    return [(name, n) for name, n in out]


class _Writer:
    """Turn bar/step positions and scale degrees into timed notes."""

    def __init__(self, style: Style, rng: np.random.Generator, bpm: float, tonic: int, mode: str):
        self.style, self.rng, self.tonic = style, rng, tonic
        self.scale = MODES[mode]
        self.s16 = 15.0 / bpm
        self.notes: list[Note] = []

    def pitch(self, idx: int) -> int:
        """Return the MIDI pitch of scale step idx (0 = tonic, 7 = an octave up)."""
        return self.tonic + 12 * (idx // 7) + self.scale[idx % 7]

    def fold(self, idx: int, lo: int) -> int:
        """Return scale step idx moved by octaves into [lo, lo + 12)."""
        return lo + (self.pitch(idx) - lo) % 12

    def add(
        self, part: str, bar: int, step: float, steps: float, pitch: int = 0, vel: float = 1.0
    ) -> None:
        """Add a note `steps` 16ths long at a bar and 16th step, swung and humanised."""
        t = (bar * 16 + step) * self.s16
        if int(step) % 4 == 2:
            t += self.style.swing * self.s16
        if self.style.humanize:
            t += float(self.rng.normal(0.0, self.style.humanize))
        vel *= float(self.rng.uniform(0.88, 1.0))
        self.notes.append(Note(part, max(0.0, t), steps * self.s16, pitch, vel))

    def chord(
        self,
        part: str,
        bar: int,
        step: float,
        steps: float,
        deg: int,
        lo: int,
        tones: tuple[int, ...] = (0, 2, 4),
        root: bool = False,
        vel: float = 0.7,
    ) -> None:
        """Add a close voicing of the chord on `deg` in [lo, lo+12), optionally over its root."""
        pitches = sorted({self.fold(deg + k, lo) for k in tones})
        if root:
            pitches.insert(0, self.fold(deg, lo - 12))
        for i, p in enumerate(pitches):
            strum = i * 0.08 if part == "pluck" else 0.0  # only the guitar is strummed
            self.add(part, bar, step + strum, steps, p, vel)

    def drums(self, section: str, bar: int) -> None:
        """Add one bar of the style's drum pattern for the section, accenting the beats."""
        for part, steps, vel in self.style.kit.get(section, ()):
            for s in steps:
                accent = 1.0 if s % 4 == 0 else 0.85 if s % 2 == 0 else 0.6
                self.add(part, bar, s, 1, 0, vel * accent)


def _tones(style: Style) -> tuple[int, ...]:
    return (0, 2, 4, 6) if style.sevenths else (0, 2, 4)


def _bar(w: _Writer, name: str, bar: int, first: bool, deg: int, nxt: int, kind: str) -> None:
    """Add one bar of chords, bass and drums in the style's idiom."""
    st, rng, lvl, t = w.style, w.rng, INTENSITY[name], w.tonic
    root = w.fold(deg, 36)
    if kind == "synthpop":
        w.chord("pad", bar, 0, 16, deg, t - 5, root=True, vel=0.6)
        step = 1 if lvl == 2 else 2
        arp = sorted({w.fold(deg + k, t + 7) for k in (0, 2, 4)})
        for i, s in enumerate(range(0, 16, step)):
            p = arp[i % len(arp)] + 12 * ((i // len(arp)) % 2)
            w.add("arp", bar, s, step * 0.7, p, 0.55 + 0.2 * (s % 4 == 0))
        if lvl or name == "outro":
            for s in range(0, 16, 2) if name != "outro" else (0,):
                up = lvl == 2 and s % 4 == 2
                w.add("bass_synth", bar, s, 1.6 if name != "outro" else 14, root + 12 * up, 0.9)
    elif kind == "ambient":
        if first:
            w.chord("pad_soft", bar, 0, 16 * st.chord_bars + 4, deg, t - 7, _tones(st), True, 0.6)
            if lvl:
                w.add("bass_sub", bar, 0, 16 * st.chord_bars, root, 0.8)
        if lvl == 0 or name == "bridge":
            for s in sorted(rng.choice(EIGHTHS, size=2, replace=False)):
                w.add(
                    "bell", bar, int(s), 4, w.fold(deg + int(rng.choice((0, 2, 4))), t + 12), 0.35
                )
    elif kind == "jazz":
        comps = (((0, 3), (6, 2)), ((2, 2), (10, 3)), ((0, 6), (10, 2)), ((6, 2), (12, 3)))
        for s, n in comps[rng.integers(len(comps))]:
            w.chord("epiano", bar, s, n, deg, t - 4, (2, 6, 8), vel=0.55)
        if lvl == 0:
            for s, k in ((0, 0), (8, 4)):
                w.add("bass_upright", bar, s, 7, w.fold(deg + k, 36), 0.85)
        else:
            walk, prev = (
                [deg, deg + int(rng.choice((2, 4))), deg + int(rng.choice((1, 2, 4)))],
                root,
            )
            for beat, idx in enumerate(walk):
                cand = w.fold(idx, 31)
                prev = min((cand, cand + 12), key=lambda c, p=prev: abs(c - p))
                w.add("bass_upright", bar, beat * 4, 3.5, prev, 0.9 if beat == 0 else 0.75)
            target = w.fold(nxt, 36)
            w.add("bass_upright", bar, 12, 3.5, target + (1 if target < prev else -1), 0.75)
        for s in (2, 6, 10, 14):
            if lvl and rng.random() < 0.3:
                w.add("brush", bar, s, 1, 0, 0.35)
    else:  # lofi
        for s, n in ((0, 10), (10, 6)):
            w.chord("pluck", bar, s, n, deg, t - 5, _tones(st), vel=0.6)
        if lvl or name == "outro":
            for s, n, p in ((0, 6, root), (7, 2, root + 12), (10, 5, w.fold(deg + 4, 36))):
                w.add("bass_sub", bar, s, n, p, 0.85)
    w.drums(name, bar)


def _motif(rng: np.random.Generator, density: float) -> list[tuple[int, int, int]]:
    """Return a two-bar rhythm with a contour: (step, length in 16ths, scale move) per note."""
    on = rng.random(32) < np.tile(ACCENT, 2) * density
    on[0] = True  # start on the downbeat so repeats are recognisable
    steps = np.flatnonzero(on)
    lengths = np.diff(np.append(steps, 32))
    moves = rng.choice(MOVES, size=len(steps))
    return [(int(s), int(n), int(m)) for s, n, m in zip(steps, lengths, moves, strict=True)]


def _vary(
    rng: np.random.Generator, motif: list[tuple[int, int, int]]
) -> list[tuple[int, int, int]]:
    """Return the motif with a new ending: the answer to a call, or a repeat that is not a copy."""
    out = list(motif)
    for i in range(max(1, len(out) - 2), len(out)):
        out[i] = (out[i][0], out[i][1], int(rng.choice(MOVES)))
    return out


def _melody(w: _Writer, name: str, start: int, degs: list[int], motif, cur: int) -> int:
    """Add a call-and-response melody over the section's chords; return where it ended."""
    answer = _vary(w.rng, motif)
    lift = 4 if name == "chorus" else 0  # the chorus sings higher
    lo, hi = w.tonic + 2 + lift, w.tonic + 19 + lift
    for phrase in range(0, len(degs), 2):
        for step, length, move in motif if phrase % 4 == 0 else answer:
            b = phrase + step // 16
            if b >= len(degs):
                break
            deg, nxt = degs[b], cur + move
            if not lo <= w.pitch(nxt) <= hi:
                nxt = cur - move  # turn back instead of leaving the singable range
            if step % 8 == 0:  # strong beats sit on chord tones, reached from the move's side
                cands = [c for c in range(nxt - 3, nxt + 4) if (c - deg) % 7 in (0, 2, 4)]
                nxt = min(cands, key=lambda c, m=nxt: (abs(c - m), (m - c) * move))
            elif nxt % 7 in w.style.avoid and (nxt - deg) % 7 not in (0, 2, 4):
                nxt += 1 if move >= 0 else -1
            while w.pitch(nxt) > hi:
                nxt -= 7
            while w.pitch(nxt) < lo:
                nxt += 7
            cur = nxt
            vel = 0.9 if step % 4 == 0 else 0.75
            w.add(w.style.lead, start + b, step % 16, length * 0.9, w.pitch(cur), vel)
    return cur


def compose(kind: str, seconds: float, rng: np.random.Generator, mode: str | None = None) -> Song:
    """Return a song in the style `kind`, about `seconds` long, decided entirely by rng."""
    st = STYLES[kind]
    bpm = float(rng.integers(st.bpm[0], st.bpm[1] + 1))
    mode = mode or str(rng.choice(sorted(st.progressions)))
    tonic = int(rng.integers(55, 63))
    w = _Writer(st, rng, bpm, tonic, mode)
    sections = form_fit(st.form, max(2, round(seconds * bpm / 240)))
    order = rng.permutation(len(st.progressions[mode]))
    progs = {n: st.progressions[mode][order[i % len(order)]] for i, n in enumerate(INTENSITY)}
    motifs: dict[str, list[tuple[int, int, int]]] = {}
    bar, cur = 0, 9
    for si, (name, bars) in enumerate(sections):
        prog = progs[name]
        degs = [prog[(b // st.chord_bars) % len(prog)] for b in range(bars)]
        if name == "outro" or si == len(sections) - 1:
            degs[-1] = 0  # end at home
        for b, deg in enumerate(degs):
            nxt = degs[b + 1] if b + 1 < len(degs) else prog[0]
            _bar(w, name, bar + b, b % st.chord_bars == 0, deg, nxt, kind)
        if name in ("verse", "chorus", "bridge"):
            motif = motifs.get(name)
            motifs[name] = _motif(rng, st.density) if motif is None else _vary(rng, motif)
            cur = _melody(w, name, bar, degs, motifs[name], cur)
        if kind == "synthpop" and name != "outro" and bars >= 4:
            for s in (12, 13, 14, 15):  # a snare run into the next section
                w.add("snare", bar + bars - 1, s, 1, 0, 0.35 + 0.12 * (s - 12))
        bar += bars
    log.debug("composed %s: %s bpm, %s %s, %d bars", kind, bpm, tonic, mode, bar)
    return Song(kind, bpm, tonic, mode, bar * 16 * w.s16, st.fx, sections, w.notes)
