"""Test the error pages: in the store's style and the visitor's language."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def _russian(client):
    client.post("/i18n/setlang/", {"language": "ru", "next": "/"})


def test_a_missing_page_is_the_stores_own_404_in_either_language(client):
    response = client.get("/no/such/page/")
    body = response.content.decode()
    assert response.status_code == 404
    assert 'class="top"' in body and "Page not found" in body and 'data-testid="error-page"' in body
    _russian(client)
    body = client.get("/releases/999999/").content.decode()
    assert "Страница не найдена" in body and "Page not found" not in body


def test_a_forged_download_link_answers_a_translated_page(client):
    _russian(client)
    response = client.get("/download/t/forged-token/song.mp3")
    body = response.content.decode()
    assert response.status_code == 403
    assert 'data-testid="link-error"' in body
    assert "Ссылка для скачивания недействительна" in body
    assert "not valid" not in body
