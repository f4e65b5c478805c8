"""Test the Russian catalog: complete, compiled in sync, and used by the pages."""

from __future__ import annotations

import gettext
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from tests.shop.factories import customer, tracks
from tunemeter.display import FORMAT_LABELS, format_label
from tunemeter.storefront.po import mo_build, po_parse
from tunemeter.transcoding.formats import FORMATS

PO = Path(settings.LOCALE_PATHS[0]) / "ru" / "LC_MESSAGES" / "django.po"


def test_the_committed_mo_is_exactly_the_compiled_po():
    assert PO.with_suffix(".mo").read_bytes() == mo_build(po_parse(PO.read_text("utf-8")))


def test_every_russian_entry_is_translated_and_keeps_its_placeholders():
    import re

    text = PO.read_text("utf-8")
    assert "#, fuzzy" not in text
    catalog = po_parse(text)
    entries = len(re.findall(r"^msgid ", text, re.MULTILINE))  # the header included
    assert len(catalog) == entries
    for key, value in catalog.items():
        if not key:
            continue
        source = key.decode().split("\0")[0]
        for form in value.decode().split("\0"):
            assert sorted(re.findall(r"%\(\w+\)[sd]", source)) == sorted(
                re.findall(r"%\(\w+\)[sd]", form)
            ), source


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext's msgfmt is not installed")
def test_msgfmt_agrees_with_the_pure_python_compiler(tmp_path):
    out = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(out), str(PO)], check=True)
    theirs = gettext.GNUTranslations(out.open("rb"))._catalog
    ours = gettext.GNUTranslations(PO.with_suffix(".mo").open("rb"))._catalog
    assert {k: v for k, v in theirs.items() if k} == {k: v for k, v in ours.items() if k}


def test_format_labels_are_all_marked_for_translation():
    assert [f.label for f in FORMATS.values()] == FORMAT_LABELS
    with translation.override("ru"):
        assert format_label("flac") == "FLAC (без потерь)"


@pytest.mark.django_db
def test_pages_speak_russian_after_the_switch(client):
    album = tracks(2)
    client.post("/i18n/setlang/", {"language": "ru", "next": "/"})
    home = client.get("/").content.decode()
    assert "Новые релизы" in home and "Корзина" in home and "2 трека" in home
    release = client.get(reverse("storefront:release", args=[album[0].release_id])).content.decode()
    assert "В корзину" in release and "Формат для всего релиза" in release and " МБ" in release
    client.post(reverse("shop:cart_add"), {"kind": "track", "id": album[0].pk, "format": "wav"})
    cart = client.get(reverse("shop:cart")).content.decode()
    assert "Ваша корзина" in cart and "WAV (без сжатия)" in cart and "\u00a0$" in cart
    client.force_login(customer())
    account = client.get(reverse("customers:account")).content.decode()
    assert "Ваша учётная запись" in account
