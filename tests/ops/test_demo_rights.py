"""The demo store: every rights case licensed, and first-run logins for three roles."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.shop.factories import customer, fund
from tunemeter.catalog.models import Artist, Release, Track
from tunemeter.ledger.selectors import balance_minor
from tunemeter.ops.demo.customers import DEMO_BALANCE_MINOR, demo_users_create
from tunemeter.ops.demo.rights import DEMO_HOLDER_LOGIN, demo_rights_create
from tunemeter.rights.models import RightsHolder
from tunemeter.rights.selectors import sale_gate
from tunemeter.royalties.models import RoyaltyLine

TITLES = ("Neon Fjord", "Late Tram Home", "Tidewater Rooms", "Tunemeter Sampler Vol. 1")
NOW = datetime(2026, 11, 28, tzinfo=UTC)


@pytest.fixture
def demo_releases(db):
    artist = Artist.objects.create(name="Demo")
    return {
        title: Track.objects.create(
            release=Release.objects.create(
                title=title, artist=artist, loudness_lufs=-14.0, true_peak=0.9
            ),
            position=1,
            title=f"{title} 1",
            artist=artist,
            loudness_lufs=-14.0,
            true_peak=0.9,
        )
        for title in TITLES
    }


def test_demo_rights_show_every_case_once(demo_releases):
    assert len(demo_rights_create()) == 4
    assert demo_rights_create() == []  # idempotent: releases with deals are left alone
    t = demo_releases
    assert sale_gate(track=t["Neon Fjord"], territory="DE", at=NOW) is None
    assert sale_gate(track=t["Late Tram Home"], territory="GB", at=NOW) is None
    assert sale_gate(track=t["Late Tram Home"], territory="DE", at=NOW) is not None
    assert sale_gate(track=t["Tidewater Rooms"], territory="US", at=NOW) is not None
    assert sale_gate(track=t["Tidewater Rooms"], territory="FR", at=NOW) is None
    lumiere = RightsHolder.objects.get(name="Café Lumière")
    assert not lumiere.mandates.exists()


def test_a_sampler_sale_puts_the_unmandated_share_in_escrow(
    demo_releases, ledger_db, demo_payments
):
    from tunemeter.catalog.models import Master
    from tunemeter.pricing.models import FormatRate
    from tunemeter.pricing.services import quote_create
    from tunemeter.shop.services import order_place

    demo_rights_create()
    track = demo_releases["Tunemeter Sampler Vol. 1"]
    track.master = Master.objects.create(
        sha256="0" * 64, audio_sha256="1" * 64, container="wav",
        codec="pcm_s16le", sample_rate=44100, bit_depth=16, channels=2,
        length_samples=44100, size_bytes=0, storage_path="none", source_path="none",
        tag_fingerprint="",
    )  # fmt: skip
    track.save()
    FormatRate.objects.get_or_create(format_id="wav", defaults={"rate_minor_per_mb": 10})
    buyer = customer(country="DE")
    fund(buyer, 1_000)
    order = order_place(
        customer=buyer,
        quote=quote_create(customer=buyer, items=[(track, "wav")]),
        idempotency_key="k",
    )
    lines = {line.holder.name: line for line in RoyaltyLine.objects.filter(order=order)}
    assert set(lines) == {"Tunemeter Collective", "Kestrel Avenue", "Café Lumière"}
    assert lines["Café Lumière"].escrowed and not lines["Kestrel Avenue"].escrowed


def test_first_run_logins_are_made_once_with_random_passwords(demo_releases, settings):
    demo_rights_create()
    holders = list(RightsHolder.objects.filter(name__in=DEMO_HOLDER_LOGIN))
    logins = demo_users_create(holders=holders)
    assert [login.role for login in logins] == ["staff", "buyer", "rights holder"]
    assert len({login.password for login in logins}) == 3
    assert all(len(login.password) >= 16 for login in logins)
    assert demo_users_create(holders=holders) == []
    from django.contrib.auth import get_user_model

    for login in logins:
        assert get_user_model().objects.get(username=login.username).check_password(login.password)
    buyer = get_user_model().objects.get(username="buyer@demo.example")
    assert balance_minor(user=buyer, currency=settings.STORE_CURRENCY) == DEMO_BALANCE_MINOR
    holder_user = get_user_model().objects.get(username="label@demo.example")
    assert {h.name for h in holder_user.rights_holders.all()} == set(DEMO_HOLDER_LOGIN)
