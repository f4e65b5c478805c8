"""Test the demo catalog generator: layout, tags, covers, determinism and that it sounds musical."""

from __future__ import annotations

import hashlib
import io
import re
from collections import defaultdict
from itertools import combinations, pairwise
from pathlib import Path

import av
import numpy as np
import pytest
from mutagen.flac import FLAC
from PIL import Image

from tunemeter.ops.demo import demo_generate
from tunemeter.ops.demo.catalog import RELEASES, track_rng
from tunemeter.ops.demo.compose import compose
from tunemeter.ops.demo.synth import TAIL

SCALE = 0.05
SR = 44100
REQUIRED = (
    *("TITLE", "ARTIST", "ALBUMARTIST", "ALBUM", "TRACKNUMBER", "TRACKTOTAL", "DISCNUMBER"),
    *("DISCTOTAL", "DATE", "GENRE", "ISRC", "BARCODE", "COMPOSER", "LABEL", "COPYRIGHT"),
)
ISRC_RE = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}\d{2}\d{5}$")
NAME_RE = re.compile(r"^(\d-)?\d{2} - .+\.flac$")


@pytest.fixture(autouse=True)
def storage_dir() -> None:
    """Override the suite's storage fixture: these tests use no Django, so run without it."""


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    """Return the folder and FLAC paths of the demo catalog, generated once at test scale."""
    dest = tmp_path_factory.mktemp("demo")
    return dest, demo_generate(dest=dest, seed=2026, scale=SCALE)


@pytest.fixture(scope="module")
def releases(demo) -> dict[Path, list[FLAC]]:
    """Return every track's tags, grouped by release folder."""
    by_folder: dict[Path, list[FLAC]] = defaultdict(list)
    for path in demo[1]:
        by_folder[path.parent].append(FLAC(path))
    return dict(by_folder)


def decode(path: Path) -> np.ndarray:
    """Return the file's samples as int16 (frames, 2), checking the stream format on the way."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        assert container.format.name == "flac" and stream.codec_context.name == "flac"
        assert (stream.rate, stream.channels, stream.format.name) == (SR, 2, "s16")
        chunks = [frame.to_ndarray().reshape(-1, 2) for frame in container.decode(stream)]
    return np.concatenate(chunks)


def tag(audio: FLAC, key: str) -> str:
    """Return the tag's one value, failing if it is missing or repeated."""
    values = audio.get(key, [])
    assert len(values) == 1, f"{key} should have exactly one value, has {values}"
    return values[0]


def ean_ok(code: str) -> bool:
    """Return whether code is an EAN-13 with a correct GS1 check digit."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(code[:12]))
    return len(code) == 13 and code.isdigit() and (10 - total % 10) % 10 == int(code[12])


def a_weighting(freqs: np.ndarray) -> np.ndarray:
    """Return the A-weighting power gain: how loud each frequency sounds, roughly."""
    f2 = freqs**2
    ra = 12194**2 * f2**2 / ((f2 + 20.6**2) * np.sqrt((f2 + 107.7**2) * (f2 + 737.9**2)))
    return (ra / (f2 + 12194**2)) ** 2


def spectrum(mono: np.ndarray, win: int = 4096) -> tuple[np.ndarray, np.ndarray]:
    """Return (frequencies, mean power spectrum) between 40 Hz and 16 kHz."""
    frames = np.lib.stride_tricks.sliding_window_view(mono, win)[:: win // 4] * np.hanning(win)
    power = (np.abs(np.fft.rfft(frames, axis=1)) ** 2).mean(axis=0)
    freqs = np.fft.rfftfreq(win, 1 / SR)
    band = (freqs > 40) & (freqs < 16000)
    return freqs[band], power[band] + 1e-20


def _frames(mono: np.ndarray, win: int, hop: int) -> np.ndarray:
    return np.lib.stride_tricks.sliding_window_view(mono, win)[::hop] * np.hanning(win)


def onset_train(mono: np.ndarray, hop: int = 512) -> np.ndarray:
    """Return per-frame onset strengths: peaks of spectral flux clearly above its floor."""
    mag = np.log1p(100 * np.abs(np.fft.rfft(_frames(mono, 2048, hop), axis=1)))
    flux = np.maximum(np.diff(mag, axis=0), 0).sum(axis=1) / (mag.sum(axis=1).mean() + 1e-9)
    mid = flux[1:-1]
    peak = (mid > flux[:-2]) & (mid >= flux[2:]) & (mid > max(0.1, 2 * np.median(flux)))
    train = np.zeros_like(flux)
    train[1:-1][peak] = mid[peak]
    return train


def pulse_strength(train: np.ndarray, hop: int = 512) -> float:
    """Return the autocorrelation peak of the onset train at beat-like lags (0.2-2 s), 0-1."""
    smooth = np.convolve(train, np.exp(-0.5 * (np.arange(-4, 5) / 1.5) ** 2), "same")
    centred = smooth - smooth.mean()
    ac = np.correlate(centred, centred, "full")[len(centred) - 1 :]
    lags = np.arange(len(ac)) * hop / SR
    return float(ac[(lags >= 0.2) & (lags <= 2.0)].max() / ac[0]) if ac[0] > 0 else 0.0


def chroma_change(mono: np.ndarray, hop: int = 1024) -> float:
    """Return how much the pitch-class profile moves from one half second to the next."""
    mag = np.abs(np.fft.rfft(_frames(mono, 4096, hop), axis=1))
    freqs = np.fft.rfftfreq(4096, 1 / SR)
    sel = (freqs > 80) & (freqs < 4000)
    classes = np.round(12 * np.log2(freqs[sel] / 440)).astype(int) % 12
    chroma = np.stack([mag[:, sel][:, classes == k].sum(axis=1) for k in range(12)], axis=1)
    seg = round(0.5 * SR / hop)
    chroma = chroma[: len(chroma) // seg * seg].reshape(-1, seg, 12).sum(axis=1)
    chroma /= np.linalg.norm(chroma, axis=1, keepdims=True) + 1e-12
    return float(1 - np.median((chroma[1:] * chroma[:-1]).sum(axis=1)))


def music_metrics(x: np.ndarray) -> dict[str, float]:
    """Return loudness, spectral, rhythmic and harmonic measures of int16 stereo x."""
    mono = x.astype(np.float64).mean(axis=1) / 32768
    freqs, power = spectrum(mono)
    heard = power * a_weighting(freqs)
    top = int(np.argmax(heard))
    # strong peaks (within 30 dB of the loudest) at least a semitone apart
    is_peak = (power[1:-1] >= power[:-2]) & (power[1:-1] >= power[2:])
    peaks = freqs[1:-1][is_peak & (power[1:-1] > power.max() / 1e3)]
    distinct, last = 0, 0.0
    for f in peaks:
        if last == 0 or 12 * np.log2(f / last) >= 1:
            distinct, last = distinct + 1, f
    train = onset_train(mono)
    return {
        "rms": float(np.sqrt(np.mean(mono**2))),
        "clipped": float(np.mean(np.abs(x.astype(np.int32)) >= 32700)),
        "flatness": float(np.exp(np.mean(np.log(power))) / np.mean(power)),
        "dominance": float(heard[max(0, top - 3) : top + 4].sum() / heard.sum()),
        "peaks": float(distinct),
        "onsets_per_s": float(np.count_nonzero(train)) / (len(mono) / SR),
        "pulse": pulse_strength(train),
        "chroma_change": chroma_change(mono),
    }


def music_problems(x: np.ndarray) -> list[str]:
    """Return why the int16 stereo signal x does not look like music (empty if it does)."""
    m = music_metrics(x)
    checks = {
        "silent": m["rms"] < 0.02,
        "clipped": m["clipped"] > 1e-4,
        "noise, not notes": m["flatness"] > 0.3,
        "one frequency dominates": m["dominance"] > 0.6,
        "too few distinct pitches": m["peaks"] < 8,
        "too few onsets": m["onsets_per_s"] < 1.0,
        "no regular pulse": m["pulse"] < 0.4,
        "harmony and melody stand still": m["chroma_change"] < 0.02,
    }
    return [f"{why} {m}" for why, failed in checks.items() if failed]


def band_profile(mono: np.ndarray) -> np.ndarray:
    """Return the level in 24 log-spaced bands, in dB relative to their mean: a timbre print."""
    freqs, power = spectrum(mono)
    edges = np.geomspace(40, 16000, 25)
    db = 10 * np.log10([power[(freqs >= a) & (freqs < b)].sum() for a, b in pairwise(edges)])
    return db - db.mean()


def test_layout(demo) -> None:
    dest, paths = demo
    assert len(paths) == 25 and all(p.is_file() for p in paths)
    assert sorted(paths) == sorted(dest.rglob("*.flac"))
    folders = {p.parent for p in paths}
    assert len(folders) == 4
    assert len({f.parent for f in folders}) >= 4  # one album artist folder per release here
    assert all(NAME_RE.match(p.name) for p in paths), [p.name for p in paths]


def test_full_catalog_lasts_about_forty_minutes() -> None:
    """At scale 1 every track lasts 1-4 minutes; composing (without rendering) is instant."""
    total = 0.0
    for ri, release in enumerate(RELEASES):
        for disc_no, disc in enumerate(release.discs, 1):
            for no, track in enumerate(disc, 1):
                artist = track.artist or release.artist
                assert artist is not None
                rng = track_rng(2026, ri, disc_no, no)
                song = compose(artist.style, track.seconds, rng, artist.mode)
                seconds = song.length_seconds + TAIL
                assert 60 <= seconds <= 240, track.title
                total += seconds
    assert 35 * 60 <= total <= 45 * 60


def test_every_file_decodes_as_flac_44100_stereo_s16(demo) -> None:
    for path in demo[1]:
        samples = decode(path)
        assert len(samples) == FLAC(path).info.total_samples  # decoded to the very end
        assert 2.0 < len(samples) / SR < 15.0, path


def test_tags_are_complete_and_valid(demo, releases) -> None:
    isrcs = []
    barcodes = {}
    for folder, tracks in releases.items():
        for audio in tracks:
            for key in REQUIRED:
                assert tag(audio, key).strip(), f"{key} empty in {audio.filename}"
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", tag(audio, "DATE"))
            assert ISRC_RE.match(tag(audio, "ISRC"))
            assert ean_ok(tag(audio, "BARCODE")), tag(audio, "BARCODE")
            assert tag(audio, "COPYRIGHT").startswith("℗ 2026 ")
            assert 1 <= int(tag(audio, "TRACKNUMBER")) <= int(tag(audio, "TRACKTOTAL"))
            assert 1 <= int(tag(audio, "DISCNUMBER")) <= int(tag(audio, "DISCTOTAL"))
            assert folder.name == tag(audio, "ALBUM")
            assert folder.parent.name == tag(audio, "ALBUMARTIST")
            isrcs.append(tag(audio, "ISRC"))
        codes = {tag(a, "BARCODE") for a in tracks}
        assert len(codes) == 1, "one barcode per release"
        barcodes[folder] = codes.pop()
    assert len(set(isrcs)) == len(isrcs) == 25
    assert len(set(barcodes.values())) == 4
    artists = {tag(a, "ARTIST") for tracks in releases.values() for a in tracks}
    assert any(not name.isascii() for name in artists), "search must meet a diacritic"


def test_multi_disc_and_compilation(releases) -> None:
    multi = [t for t in releases.values() if tag(t[0], "DISCTOTAL") == "2"]
    assert len(multi) == 1
    discs = defaultdict(list)
    for audio in multi[0]:
        discs[tag(audio, "DISCNUMBER")].append(int(tag(audio, "TRACKNUMBER")))
        assert re.match(r"^\d-\d{2} - ", Path(audio.filename).name)
    assert sorted(discs) == ["1", "2"]
    assert all(sorted(nums) == list(range(1, len(nums) + 1)) for nums in discs.values())

    comps = [t for t in releases.values() if "COMPILATION" in t[0]]
    assert len(comps) == 1
    assert all(tag(a, "ALBUMARTIST") == "Various Artists" for a in comps[0])
    assert all(tag(a, "COMPILATION") == "1" for a in comps[0])
    comp_artists = {tag(a, "ARTIST") for a in comps[0]}
    own = {tag(t[0], "ALBUMARTIST") for t in releases.values() if t is not comps[0]}
    assert len(comp_artists) >= 4 and comp_artists & own and comp_artists - own
    others = [a for t in releases.values() if t is not comps[0] for a in t]
    assert not any("COMPILATION" in a for a in others)


def test_covers_embedded_in_two_releases_and_in_folders_for_two(releases) -> None:
    embedded = folder_covers = 0
    for folder, tracks in releases.items():
        jpg = folder / "cover.jpg"
        if tracks[0].pictures:
            embedded += 1
            assert not jpg.exists()
            for audio in tracks:
                (pic,) = audio.pictures
                assert (pic.type, pic.mime, pic.width, pic.height) == (3, "image/jpeg", 600, 600)
                assert pic.data == tracks[0].pictures[0].data
                image = Image.open(io.BytesIO(pic.data))
                assert (image.format, image.size) == ("JPEG", (600, 600))
        else:
            folder_covers += 1
            assert not any(audio.pictures for audio in tracks)
            image = Image.open(jpg)
            assert (image.format, image.size) == ("JPEG", (600, 600))
    assert (embedded, folder_covers) == (2, 2)


def _digests(dest: Path) -> dict[str, str]:
    """Return the sha256 of every file under dest, by relative path."""
    return {
        str(p.relative_to(dest)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(dest.rglob("*"))
        if p.is_file()
    }


def test_same_seed_same_bytes_other_seed_other_music(demo, tmp_path: Path) -> None:
    dest, paths = demo
    demo_generate(dest=tmp_path / "again", seed=2026, scale=SCALE)
    assert _digests(tmp_path / "again") == _digests(dest)
    other = demo_generate(dest=tmp_path / "other", seed=99, scale=SCALE)
    assert [p.relative_to(tmp_path / "other") for p in other] == [
        p.relative_to(dest) for p in paths
    ]
    for mine, theirs in zip(paths, other, strict=True):
        assert FLAC(mine).info.md5_signature != FLAC(theirs).info.md5_signature


def test_every_track_sounds_like_music(demo) -> None:
    failures = {p.name: music_problems(decode(p)) for p in demo[1]}
    assert not {name: why for name, why in failures.items() if why}


def test_music_check_rejects_tones_noise_silence_and_loops() -> None:
    t = np.arange(6 * SR) / SR
    rng = np.random.default_rng(0)
    tone = 0.5 * np.sin(2 * np.pi * 440 * t)
    chord = sum(0.1 * np.sin(2 * np.pi * f * t) for f in (220, 277, 330, 440, 554, 660, 880, 1100))
    gates = np.repeat(rng.random(len(t) // 2205 + 1) < 0.3, 2205)[: len(t)]
    controls = {
        "tone": tone,
        "clipped tone": np.clip(4 * tone, -1, 1),
        "silence": np.zeros_like(t),
        "white noise": 0.3 * rng.standard_normal(len(t)),
        "noise bursts": 0.3 * rng.standard_normal(len(t)) * ((t % 0.5) < 0.05),
        "held chord": chord,
        "chord at random moments": chord * gates,
        "chord beeping in time": chord * ((t % 0.5) < 0.25),
    }
    for name, signal in controls.items():
        x = np.round(np.clip(signal, -1, 32767 / 32768) * 32767).astype(np.int16)
        assert music_problems(np.stack([x, x], axis=1)), f"{name} passed as music"


def test_artists_sound_different(releases) -> None:
    """The three demo artists' albums differ in timbre, not just in notes."""
    prints = {}
    for tracks in releases.values():
        if "COMPILATION" not in tracks[0]:
            profiles = [band_profile(decode(Path(a.filename)).mean(axis=1)) for a in tracks]
            prints[tag(tracks[0], "ARTIST")] = np.mean(profiles, axis=0)
    assert len(prints) == 3
    for (a, pa), (b, pb) in combinations(prints.items(), 2):
        assert np.sqrt(np.mean((pa - pb) ** 2)) > 2.5, f"{a} and {b} sound alike"
