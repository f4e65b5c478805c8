"""Define the demo's musical styles: tempo, modes, progressions, form, instruments, drum kits."""

from __future__ import annotations

from dataclasses import dataclass

MODES: dict[str, tuple[int, ...]] = {
    "major": (0, 2, 4, 5, 7, 9, 11),
    "minor": (0, 2, 3, 5, 7, 8, 10),
    "dorian": (0, 2, 3, 5, 7, 9, 10),
    "lydian": (0, 2, 4, 6, 7, 9, 11),
}
EIGHTHS = (0, 2, 4, 6, 8, 10, 12, 14)
RIDE = (0, 4, 6, 8, 12, 14)  # "ding, ding-da ding": 6 and 14 land swung
Progressions = tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class Fx:
    """Per-style mix effects: kick ducking, echo and reverb."""

    duck: float = 0.0
    delay_beats: float = 0.75
    delay_fb: float = 0.3
    room: float = 0.8
    wet: float = 0.2


@dataclass(frozen=True)
class Style:
    """What makes an artist sound like itself."""

    bpm: tuple[int, int]
    progressions: dict[str, Progressions]
    form: tuple[tuple[str, int], ...]
    lead: str
    density: float
    kit: dict[str, tuple[tuple[str, tuple[int, ...], float], ...]]
    fx: Fx
    chord_bars: int = 1
    swing: float = 0.0  # in 16ths: how late the off-beat 8th lands
    sevenths: bool = False
    avoid: tuple[int, ...] = ()  # scale degrees the melody passes over: pentatonic colour
    humanize: float = 0.0  # seconds of timing jitter


FORM = (("intro", 4), ("verse", 8), ("chorus", 8), ("verse", 8), ("chorus", 8), ("bridge", 8))
STYLES: dict[str, Style] = {
    "synthpop": Style(
        bpm=(112, 126),
        progressions={
            "major": ((0, 4, 5, 3), (5, 3, 0, 4), (0, 5, 3, 4), (3, 4, 0, 0)),
            "minor": ((0, 5, 2, 6), (0, 3, 6, 2), (5, 6, 0, 0), (0, 6, 5, 6)),
        },
        form=(*FORM, ("chorus", 8), ("outro", 4)),
        lead="lead",
        density=0.75,
        kit={
            "intro": (("hat", (2, 6, 10, 14), 0.6),),
            "verse": (
                ("kick", (0, 4, 8, 12), 1),
                ("clap", (4, 12), 0.8),
                ("hat", (2, 6, 10, 14), 0.7),
            ),
            "chorus": (
                ("kick", (0, 4, 8, 12), 1),
                ("clap", (4, 12), 0.9),
                ("snare", (4, 12), 0.5),
                ("hat", tuple(range(16)), 0.5),
                ("ohat", (14,), 0.5),
            ),
            "bridge": (("kick", (0, 10), 0.9), ("snare", (8,), 0.6), ("hat", (2, 6, 10, 14), 0.5)),
            "outro": (("kick", (0, 4, 8, 12), 0.8), ("hat", (2, 6, 10, 14), 0.5)),
        },
        fx=Fx(duck=0.55, delay_beats=0.75, delay_fb=0.35, room=0.8, wet=0.16),
    ),
    "ambient": Style(
        bpm=(66, 80),
        progressions={
            "major": ((0, 3, 5, 4), (0, 5, 3, 3), (3, 0, 4, 5)),
            "lydian": ((0, 1, 0, 1), (0, 1, 4, 3), (5, 1, 0, 0)),
            "dorian": ((0, 3, 0, 6), (0, 6, 3, 0), (5, 3, 0, 0)),
        },
        form=(
            ("intro", 4),
            ("verse", 8),
            ("chorus", 8),
            ("bridge", 4),
            ("chorus", 8),
            ("outro", 4),
        ),
        lead="bell",
        density=0.3,
        kit={
            "intro": (),
            "verse": (("kick", (0, 10), 0.6), ("rim", (8,), 0.45), ("shaker", (2, 6, 10, 14), 0.4)),
            "chorus": (("kick", (0, 10), 0.7), ("rim", (4, 12), 0.45), ("shaker", EIGHTHS, 0.4)),
            "bridge": (("shaker", (2, 6, 10, 14), 0.3),),
            "outro": (("shaker", (2, 10), 0.25),),
        },
        fx=Fx(delay_beats=1.5, delay_fb=0.5, room=0.88, wet=0.4),
        chord_bars=2,
        sevenths=True,
        avoid=(3, 6),
    ),
    "jazz": Style(
        bpm=(100, 132),
        progressions={
            "major": ((1, 4, 0, 5), (2, 5, 1, 4), (0, 5, 1, 4), (3, 6, 2, 5)),
            "dorian": ((0, 3, 0, 3), (0, 0, 3, 3), (1, 4, 0, 0)),
        },
        form=(*FORM[:5], ("bridge", 4), ("verse", 8), ("outro", 4)),
        lead="vibes",
        density=0.6,
        kit={
            "intro": (("ride", RIDE, 0.45), ("hat", (4, 12), 0.35)),
            "verse": (("ride", RIDE, 0.55), ("hat", (4, 12), 0.45), ("kick", (0, 8), 0.35)),
            "chorus": (("ride", RIDE, 0.65), ("hat", (4, 12), 0.5), ("kick", (0, 4, 8, 12), 0.3)),
            "bridge": (("brush", EIGHTHS, 0.5), ("hat", (4, 12), 0.45), ("kick", (0,), 0.3)),
            "outro": (("ride", (0, 8), 0.4), ("hat", (4, 12), 0.3)),
        },
        fx=Fx(delay_beats=0.5, delay_fb=0.15, room=0.76, wet=0.14),
        swing=0.67,
        sevenths=True,
        humanize=0.006,
    ),
    "lofi": Style(
        bpm=(78, 90),
        progressions={
            "minor": ((0, 3, 6, 2), (5, 3, 0, 4), (0, 6, 5, 4)),
            "dorian": ((0, 3, 0, 3), (0, 6, 5, 3), (1, 4, 0, 0)),
            "major": ((1, 4, 0, 5), (3, 2, 1, 4), (0, 3, 1, 4)),
        },
        form=(*FORM[:5], ("outro", 4)),
        lead="flute",
        density=0.45,
        kit={
            "intro": (("hat", EIGHTHS, 0.35),),
            "verse": (("kick", (0, 7, 10), 0.9), ("snare", (4, 12), 0.8), ("hat", EIGHTHS, 0.5)),
            "chorus": (
                ("kick", (0, 7, 10), 0.95),
                ("snare", (4, 12), 0.85),
                ("hat", EIGHTHS, 0.55),
                ("shaker", tuple(range(16)), 0.25),
            ),
            "bridge": (("kick", (0, 10), 0.7), ("rim", (4, 12), 0.5), ("hat", EIGHTHS, 0.4)),
            "outro": (("hat", EIGHTHS, 0.3), ("kick", (0,), 0.6)),
        },
        fx=Fx(duck=0.2, delay_beats=0.75, delay_fb=0.3, room=0.8, wet=0.2),
        swing=0.45,
        sevenths=True,
        avoid=(3, 6),
        humanize=0.008,
    ),
}
