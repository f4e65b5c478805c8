"""Test that every valid master layout is accepted: RF64, AIFF-C sowt, streamed WAV,
large metadata before the audio, ID3-prefixed FLAC, and files named for another format.

The odd files are written byte by byte here from generated PCM, as the specs lay them out.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from tests.audio import samples, write_audio
from tunemeter.catalog.importing.headers import sniff
from tunemeter.catalog.importing.pipeline import import_run
from tunemeter.catalog.importing.probe import Limits, probe, probe_header
from tunemeter.catalog.models import Master, Track

LIMITS = Limits(max_seconds=4 * 3600, max_sample_rate=384_000, max_channels=8)
RATE = 44100


def pcm16(seconds: float = 0.5, seed: int = 1) -> bytes:
    data = samples(seconds=seconds, rate=RATE, channels=2, seed=seed)
    return np.round(data.T * 32767).astype("<i2").tobytes()


def fmt_chunk(*, tag: int = 1, channels: int = 2, bits: int = 16) -> bytes:
    align = channels * bits // 8
    body = struct.pack("<HHIIHH", tag, channels, RATE, RATE * align, align, bits)
    return b"fmt " + struct.pack("<I", len(body)) + body


def chunk(cid: bytes, body: bytes) -> bytes:
    return cid + struct.pack("<I", len(body)) + body + (b"\0" if len(body) & 1 else b"")


def check(path: Path):
    header = probe_header(path, limits=LIMITS)
    return header, probe(path, header=header, limits=LIMITS)


def test_rf64_is_accepted(tmp_path):
    """EBU Tech 3306: RF64 with a ds64 chunk and 0xFFFFFFFF in the RIFF and data sizes."""
    pcm = pcm16()
    ds64 = chunk(b"ds64", struct.pack("<QQQI", 0, len(pcm), len(pcm) // 4, 0))
    body = b"WAVE" + ds64 + fmt_chunk() + b"data" + struct.pack("<I", 0xFFFFFFFF) + pcm
    path = tmp_path / "lib" / "rf64.wav"
    path.parent.mkdir()
    path.write_bytes(b"RF64" + struct.pack("<I", 0xFFFFFFFF) + body)
    header, audio = check(path)
    assert (audio.length_samples, audio.codec) == (len(pcm) // 4, "pcm_s16le")
    report = import_run(root=path.parent, workers=1)
    assert (len(report.imported), report.rejected) == (1, [])


def test_aiff_c_sowt_little_endian_is_accepted(tmp_path):
    """AIFF-C with compression type 'sowt' holds little-endian 16-bit PCM (Apple)."""
    pcm = pcm16()
    frames = len(pcm) // 4
    rate80 = bytes.fromhex("400EAC44000000000000")  # 44100 as an 80-bit extended float
    comm_body = struct.pack(">hIh", 2, frames, 16) + rate80 + b"sowt" + b"\x00"
    comm_body += b"\0" if len(comm_body) & 1 else b""
    comm = b"COMM" + struct.pack(">I", len(comm_body)) + comm_body
    fver = b"FVER" + struct.pack(">II", 4, 0xA2805140)
    ssnd = b"SSND" + struct.pack(">III", len(pcm) + 8, 0, 0) + pcm
    form = b"AIFC" + fver + comm + ssnd
    path = tmp_path / "sowt.aifc"
    path.write_bytes(b"FORM" + struct.pack(">I", len(form)) + form)
    _, audio = check(path)
    assert audio.length_samples == frames and audio.codec == "pcm_s16le"


@pytest.mark.parametrize("placeholder", [0, 0xFFFFFFFF])
def test_streamed_wav_with_a_placeholder_data_size_is_accepted(tmp_path, placeholder):
    """A WAV written while streaming never gets its sizes filled in: audio runs to EOF."""
    pcm = pcm16(seconds=8)
    body = b"WAVE" + fmt_chunk() + b"data" + struct.pack("<I", placeholder) + pcm
    path = tmp_path / "stream.wav"
    path.write_bytes(b"RIFF" + struct.pack("<I", placeholder) + body)
    _, audio = check(path)
    assert audio.length_samples == len(pcm) // 4  # 8 s, not "6.8 h"


def test_wav_with_more_than_64_kib_of_chunks_before_the_audio_is_accepted(tmp_path):
    pcm = pcm16()
    junk = (
        chunk(b"bext", b"\0" * 602) + chunk(b"iXML", b"<x/>" * 40_000) + chunk(b"JUNK", b"\0" * 3)
    )
    body = b"WAVE" + junk + fmt_chunk() + chunk(b"data", pcm)
    path = tmp_path / "big-meta.wav"
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    assert path.stat().st_size > 160_000
    _, audio = check(path)
    assert audio.length_samples == len(pcm) // 4


def test_flac_behind_an_id3v2_tag_over_64_kib_is_accepted(tmp_path):
    flac = write_audio(tmp_path / "plain.flac", seconds=0.5)
    payload = b"\0" * 100_000  # a picture-sized ID3v2 tag (ID3v2.4 §3.1, syncsafe size)
    size = len(payload)
    syncsafe = bytes([(size >> 21) & 0x7F, (size >> 14) & 0x7F, (size >> 7) & 0x7F, size & 0x7F])
    path = tmp_path / "id3.flac"
    path.write_bytes(b"ID3\x04\x00\x00" + syncsafe + payload + flac.read_bytes())
    header, audio = check(path)
    assert header.container == "flac" and audio.length_samples == round(0.5 * RATE)


def test_content_decides_the_container_and_a_wrong_extension_is_noted(tmp_path):
    lib = tmp_path / "lib"
    write_audio(lib / "01 Really flac.wav", seed=1, seconds=0.3)
    write_audio(lib / "02 Really wav.flac", kind="wav", seed=2, seconds=0.3)
    assert sniff(lib / "01 Really flac.wav").container == "flac"
    report = import_run(root=lib, workers=1)
    assert (len(report.imported), report.rejected) == (2, [])
    notes = {p.name: w for p, w in report.warnings}
    assert "holds FLAC" in notes["01 Really flac.wav"]
    assert "holds WAV" in notes["02 Really wav.flac"]
    assert sorted(Master.objects.values_list("container", flat=True)) == ["flac", "wav"]
    assert Track.objects.count() == 2


pytestmark = pytest.mark.django_db(transaction=True)
