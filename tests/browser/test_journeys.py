"""Drive the store in a real browser: the journeys a buyer takes, end to end."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD
from tunemeter.customers.models import Profile

pytestmark = pytest.mark.django_db(transaction=True)


def test_new_user_registers_with_country_and_signs_in_again(page, store):
    page.goto("/")
    page.get_by_role("link", name="Create account").click()
    page.get_by_label("Email").fill("grace@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Country").select_option("DE")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("grace@example.org")).to_be_visible()
    assert Profile.objects.get(user__email="grace@example.org").country == "DE"

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    page.get_by_role("link", name="Sign in").click()
    # The sign-in name is the email address (Django's form calls it "Username").
    page.get_by_label(re.compile(r"^(Email|Username)$")).fill("grace@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("grace@example.org")).to_be_visible()


def test_search_as_you_type_finds_a_track_and_opens_its_release(page, store):
    page.goto("/")
    page.get_by_role("searchbox").press_sequentially("salt ro")
    result = page.locator("#live-results").get_by_role("link", name="Salt Road")
    expect(result).to_be_visible()
    result.click()
    expect(page).to_have_url(re.compile(rf"/releases/{store.release.pk}/$"))
    expect(page.get_by_role("heading", name="Low Tide")).to_be_visible()


def test_preview_plays_in_the_browser(page, store):
    page.goto(f"/releases/{store.release.pk}/")
    player = page.get_by_label("Preview of Harbour Lights")
    player.evaluate("audio => audio.play()")
    # The element's clock only advances while real decoded audio plays.
    page.wait_for_function(
        "audio => audio.currentTime > 0.5 && !audio.error", arg=player.element_handle()
    )
    assert player.evaluate("audio => audio.duration") > 1
