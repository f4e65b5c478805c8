"""Draw generative cover art: gradients and shapes per release, with title and artist as text."""

from __future__ import annotations

import colorsys
import io
import logging
import unicodedata

import numpy as np
from PIL import Image, ImageDraw, ImageFont

log = logging.getLogger(__name__)

SIZE = 600
SUPER = 2  # draw shapes at twice the size, then downsample, for smooth edges
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont
RGB = tuple[int, int, int]
# Pillow's bundled font has no accented letters: draw the base letter and add the mark.
MARKS = {"\u0308": "diaeresis", "\u030a": "ring", "\u0301": "acute", "\u0300": "grave"}
SLASHED = {"ø": "o", "Ø": "O"}


def _rgb(h: float, s: float, v: float) -> RGB:
    r, g, b = colorsys.hsv_to_rgb(h % 1.0, s, v)
    return round(r * 255), round(g * 255), round(b * 255)


def _palette(rng: np.random.Generator) -> list[RGB]:
    """Return five colours around a random hue: two for the sky, three for the shapes."""
    hue = float(rng.random())
    offsets = (0.0, 0.08, 0.5, 0.55, 0.12) if rng.random() < 0.5 else (0.0, -0.1, 0.33, 0.66, 0.2)
    return [
        _rgb(hue + o, 0.45 + 0.4 * float(rng.random()), 0.35 + 0.6 * float(rng.random()))
        for o in offsets
    ]


def _gradient(size: int, top: RGB, bottom: RGB, angle: float) -> Image.Image:
    axis = np.arange(size, dtype=np.float32) / size
    mix = np.clip(np.cos(angle) * axis[:, None] + np.sin(angle) * axis[None, :], 0, 1)[..., None]
    pixels = np.array(top, dtype=np.float32) + mix * np.array(np.subtract(bottom, top), np.float32)
    return Image.fromarray(pixels.astype(np.uint8), "RGB")


def _shapes(draw: ImageDraw.ImageDraw, rng: np.random.Generator, colours: list[RGB], size: int):
    motif = int(rng.integers(3))
    for i in range(int(rng.integers(6, 12))):
        fill = (*colours[i % len(colours)], int(rng.integers(90, 200)))
        cx, cy = (rng.random(2) * size).tolist()
        if motif == 0:  # circles: scattered discs and rings
            r = float(rng.uniform(0.05, 0.3)) * size
            box = (cx - r, cy - r, cx + r, cy + r)
            if rng.random() < 0.5:
                draw.ellipse(box, fill=fill)
            else:
                draw.ellipse(box, outline=fill, width=max(2, round(r / 8)))
        elif motif == 1:  # stripes: diagonal bands across the whole square
            w = float(rng.uniform(0.02, 0.1)) * size
            x0 = float(rng.uniform(-0.5, 1.0)) * size
            draw.polygon(
                [(x0, 0), (x0 + w, 0), (x0 + w + size / 2, size), (x0 + size / 2, size)], fill
            )
        else:  # polygons: shards
            r = float(rng.uniform(0.1, 0.35)) * size
            angles = np.sort(rng.uniform(0, 2 * np.pi, int(rng.integers(3, 6))))
            pts = [(cx + r * np.cos(a), cy + r * np.sin(a)) for a in angles]
            draw.polygon([(float(x), float(y)) for x, y in pts], fill=fill)


def _mark(draw: ImageDraw.ImageDraw, mark: str, box: tuple[float, ...], size: int, fill) -> None:
    """Draw an accent over (or a slash through) the glyph box (left, top, right, bottom)."""
    left, top, right, bottom = box
    cx, w = (left + right) / 2, max(1, round(size * 0.07))
    dot = size * 0.06
    if mark == "diaeresis":
        for x in (cx - size * 0.13, cx + size * 0.13):
            draw.ellipse(
                (x - dot, top - size * 0.2, x + dot, top - size * 0.2 + 2 * dot), fill=fill
            )
    elif mark == "ring":
        r = size * 0.1
        y = top - size * 0.14
        draw.ellipse((cx - r, y - r, cx + r, y + r), outline=fill, width=max(1, round(size * 0.04)))
    elif mark in ("acute", "grave"):
        s = 1 if mark == "acute" else -1
        draw.line(
            (cx - s * size * 0.06, top - size * 0.06, cx + s * size * 0.1, top - size * 0.24),
            fill,
            w,
        )
    elif mark == "slash":
        draw.line(
            (left - size * 0.03, bottom + size * 0.03, right + size * 0.03, top - size * 0.03),
            fill,
            w,
        )


def _glyphs(text: str) -> list[tuple[str, list[str]]]:
    """Split text into runs the font can draw, each with the marks to add to its last letter."""
    out: list[tuple[str, list[str]]] = []
    for ch in unicodedata.normalize("NFC", text):
        if ch in SLASHED:
            out.append((SLASHED[ch], ["slash"]))
            continue
        base, *marks = unicodedata.normalize("NFD", ch)
        names = [MARKS[m] for m in marks if m in MARKS]
        if names or not base.isascii():
            out.append((base if base.isascii() else "?", names))
        elif out and not out[-1][1]:
            out[-1] = (out[-1][0] + base, [])
        else:
            out.append((base, []))
    return out


def draw_text(draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, font, fill) -> None:
    """Draw text at xy, adding the accents the bundled font lacks."""
    x, y = xy
    for run, marks in _glyphs(text):
        draw.text((x, y), run, font=font, fill=fill)
        left, top, right, bottom = font.getbbox(run[-1])
        x_last = x + font.getlength(run[:-1])
        for mark in marks:
            _mark(draw, mark, (x_last + left, y + top, x_last + right, y + bottom), font.size, fill)
        x += font.getlength(run)


def _fit(text: str, largest: int, width: int) -> Font:
    size = largest
    while size > 12 and ImageFont.load_default(size=size).getlength(text) > width:
        size -= 2
    return ImageFont.load_default(size=size)


def cover_jpeg(title: str, artist: str, rng: np.random.Generator) -> bytes:
    """Return a 600x600 JPEG cover for the release; the same rng state gives the same bytes."""
    colours = _palette(rng)
    big = SIZE * SUPER
    img = _gradient(big, colours[0], colours[1], float(rng.uniform(0, np.pi / 2))).convert("RGBA")
    layer = Image.new("RGBA", img.size, (0, 0, 0, 0))
    _shapes(ImageDraw.Draw(layer), rng, colours[2:], big)
    img = Image.alpha_composite(img, layer).resize((SIZE, SIZE), Image.Resampling.LANCZOS)
    band = Image.new("RGBA", img.size, (0, 0, 0, 0))
    ImageDraw.Draw(band).rectangle((0, SIZE - 150, SIZE, SIZE), fill=(10, 10, 16, 170))
    img = Image.alpha_composite(img, band)
    draw = ImageDraw.Draw(img)
    title_font, artist_font = _fit(title, 48, SIZE - 60), _fit(artist, 30, SIZE - 60)
    draw_text(draw, (30, SIZE - 125), title, title_font, (255, 255, 255, 255))
    draw_text(draw, (30, SIZE - 58), artist, artist_font, (220, 220, 220, 255))
    out = io.BytesIO()
    img.convert("RGB").save(out, "JPEG", quality=88, optimize=False, progressive=False)
    log.debug("drew cover for %s / %s", artist, title)
    return out.getvalue()
