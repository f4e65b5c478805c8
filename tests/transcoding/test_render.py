"""Test rendering every format: decodable, tagged, deterministic, gapless where promised."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import replace

import mutagen
import pytest
from mutagen.flac import Picture

from tests.transcoding.helpers import (
    TAGS,
    bits_per_raw_sample,
    decode,
    decode_pcm,
    master,
    sha256,
)
from tunemeter.transcoding.formats import FORMATS
from tunemeter.transcoding.render import output_rate, render
from tunemeter.transcoding.source import RenderError

CODECS = {"mp3": "mp3", "aac": "aac", "libopus": "opus", "flac": "flac", "alac": "alac"}
# Samples a decoder may add beyond the master's (AAC pads to whole 1024-sample frames).
TOLERANCE = {"aac": 2048}


def _codec(fmt, depth: int) -> str:
    if fmt.codec == "lame":
        return "mp3"
    if fmt.codec == "pcm":
        order = "le" if fmt.container == "wav" else "be"
        return f"pcm_s{depth}{order}"
    return CODECS[fmt.codec]


def _rendered(tmp_path, source, fmt, tags=TAGS):
    data = b"".join(render(source, fmt, tags))
    path = tmp_path / f"out-{fmt.id}.{fmt.extension}"
    path.write_bytes(data)
    return path, data


@pytest.fixture(scope="module")
def cd_master(tmp_path_factory):
    return master(tmp_path_factory.mktemp("m"), seconds=2.5, seed=11)


@pytest.mark.parametrize("format_id", sorted(FORMATS))
def test_every_format_decodes_to_the_right_codec_rate_and_length(tmp_path, cd_master, format_id):
    fmt = FORMATS[format_id]
    path, _ = _rendered(tmp_path, cd_master, fmt)
    info = decode(path)
    rate = output_rate(fmt, cd_master.sample_rate)
    assert (info["codec"], info["rate"], info["channels"]) == (_codec(fmt, 16), rate, 2)
    expected = cd_master.samples_at(rate)
    assert expected <= info["samples"] <= expected + TOLERANCE.get(fmt.codec, 0)


def _tag(audio, *names) -> str:
    for name in names:
        value = audio.tags.get(name) if audio.tags is not None else None
        if value:
            first = value[0] if isinstance(value, list) else value
            if hasattr(first, "text"):
                first = first.text[0]
            if isinstance(first, tuple):
                first = first[0]
            return bytes(first).decode() if isinstance(first, bytes) else str(first)
    raise AssertionError(f"none of {names} in {sorted(audio.tags.keys())}")


@pytest.mark.parametrize("format_id", sorted(FORMATS))
def test_every_format_carries_every_tag_and_the_cover(tmp_path, cd_master, format_id):
    path, _ = _rendered(tmp_path, cd_master, FORMATS[format_id])
    audio = mutagen.File(path)
    assert _tag(audio, "TIT2", "title", "\xa9nam") == "Jóga"
    assert _tag(audio, "TPE1", "artist", "\xa9ART") == "Björk"
    assert _tag(audio, "TALB", "album", "\xa9alb") == "Homogenic"
    assert _tag(audio, "TPE2", "albumartist", "aART") == "Björk"
    assert _tag(audio, "TRCK", "tracknumber", "trkn") in ("3/10", "3")
    assert _tag(audio, "TPOS", "discnumber", "disk") in ("1/2", "1")
    assert _tag(audio, "TDRC", "date", "\xa9day") == "1997-09-22"
    assert _tag(audio, "TCON", "genre", "\xa9gen") == "Electronic"
    assert _tag(audio, "TSRC", "isrc", "----:com.apple.iTunes:ISRC") == "GBAAA9700001"
    assert _tag(audio, "TCOM", "composer", "\xa9wrt") == "Björk; Sjón"
    assert _tag(audio, "TPUB", "label", "----:com.apple.iTunes:LABEL") == "One Little Indian"
    assert _tag(audio, "TCOP", "copyright", "cprt") == "℗ 1997 One Little Indian"
    assert _cover(audio) == TAGS.cover
    if FORMATS[format_id].codec == "libopus":
        assert _tag(audio, "r128_track_gain") == str(round((-6.5 - 5) * 256))
    else:
        assert (
            _tag(
                audio,
                "TXXX:REPLAYGAIN_TRACK_GAIN",
                "replaygain_track_gain",
                "----:com.apple.iTunes:REPLAYGAIN_TRACK_GAIN",
            )
            == "-6.50 dB"
        )
        assert (
            _tag(
                audio,
                "TXXX:REPLAYGAIN_ALBUM_GAIN",
                "replaygain_album_gain",
                "----:com.apple.iTunes:REPLAYGAIN_ALBUM_GAIN",
            )
            == "-7.25 dB"
        )


def _cover(audio) -> bytes:
    if getattr(audio, "pictures", None):
        return audio.pictures[0].data
    tags = audio.tags
    if "covr" in tags:
        return bytes(tags["covr"][0])
    if apic := tags.getall("APIC") if hasattr(tags, "getall") else None:
        return apic[0].data
    block = tags.get("metadata_block_picture")
    return Picture(base64.b64decode(block[0])).data


@pytest.mark.parametrize("format_id", sorted(FORMATS))
def test_rendering_twice_is_byte_identical(tmp_path, cd_master, format_id):
    fmt = FORMATS[format_id]
    first = sha256(b"".join(render(cd_master, fmt, TAGS)))
    assert sha256(b"".join(render(cd_master, fmt, TAGS))) == first
    other = replace(TAGS, title="Hunter")
    assert sha256(b"".join(render(cd_master, fmt, other))) != first


@pytest.mark.parametrize(
    "format_id", ["flac", "alac", "wav", "aiff", "mp3-320", "opus-96", "aac-128"]
)
def test_hi_res_master_keeps_depth_for_lossless_and_resamples_for_lossy(tmp_path, format_id):
    source = master(tmp_path, seconds=1.0, rate=96000, bits=24, seed=3)
    fmt = FORMATS[format_id]
    path, _ = _rendered(tmp_path, source, fmt)
    info = decode(path)
    expected_rate = {"mp3": 48000, "aac": 48000, "libopus": 48000}.get(
        "mp3" if fmt.codec == "lame" else fmt.codec, 96000
    )
    assert (info["codec"], info["rate"]) == (_codec(fmt, 24), expected_rate)
    if fmt.codec in ("flac", "alac"):
        assert bits_per_raw_sample(path) in (24, None)
        assert mutagen.File(path).info.bits_per_sample == 24


@pytest.mark.parametrize("format_id", ["mp3-v0", "flac", "opus-160", "wav", "aac-256"])
def test_mono_master_renders_mono(tmp_path, format_id):
    source = master(tmp_path, seconds=0.8, channels=1, seed=4)
    path, _ = _rendered(tmp_path, source, FORMATS[format_id])
    assert decode(path)["channels"] == 1


def test_flac_streaminfo_has_length_and_the_masters_md5(tmp_path, cd_master):
    path, data = _rendered(tmp_path, cd_master, FORMATS["flac"])
    info = mutagen.File(path).info
    assert info.total_samples == cd_master.length_samples
    assert info.md5_signature == int.from_bytes(cd_master.pcm_md5, "big")
    assert hashlib.md5(decode_pcm(path)).digest() == cd_master.pcm_md5


def test_m4a_aac_carries_itunsmpb_gapless_info(tmp_path, cd_master):
    path, _ = _rendered(tmp_path, cd_master, FORMATS["aac-256"])
    smpb = _tag(mutagen.File(path), "----:com.apple.iTunes:iTunSMPB").split()
    assert int(smpb[1], 16) == 1024  # encoder delay (priming)
    assert int(smpb[3], 16) == cd_master.length_samples


def test_opus_has_standard_pre_skip(tmp_path, cd_master):
    path, data = _rendered(tmp_path, cd_master, FORMATS["opus-160"])
    head = data[data.index(b"OpusHead") :]
    assert int.from_bytes(head[10:12], "little") == 312


def test_a_master_corrupt_half_way_raises_a_clear_error(tmp_path):
    source = master(tmp_path, seconds=3.0, seed=8)
    data = bytearray(source.path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 4000] = bytes(4000)
    source.path.write_bytes(bytes(data))
    with pytest.raises(RenderError):
        b"".join(render(source, FORMATS["mp3-320"], TAGS))
