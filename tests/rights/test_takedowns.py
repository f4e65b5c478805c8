"""Takedowns: never backdated, lifted with a half-open period, decided by who owns the whole."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from tests.shop.factories import LONG_AGO, customer, fund, tracks
from tunemeter.pricing.services import quote_create
from tunemeter.rights.exceptions import RightsError
from tunemeter.rights.models import SOUND_RECORDING, Deal, RightsHolder, Takedown
from tunemeter.rights.selectors import sale_gate, sale_licence
from tunemeter.rights.services import (
    holder_user_attach,
    mandate_register,
    split_set,
    takedown_create,
    takedown_lift,
)
from tunemeter.shop.exceptions import NotForSale
from tunemeter.shop.services import order_place

pytestmark = pytest.mark.usefixtures("ledger_db", "demo_payments")
_keys = iter(range(1, 10_000))


def _buys(track, country: str) -> bool:
    buyer = customer(country=country)
    fund(buyer, 10_000)
    quote = quote_create(customer=buyer, items=[(track, "wav")])
    try:
        order_place(customer=buyer, quote=quote, idempotency_key=f"t{next(_keys)}")
    except NotForSale:
        return False
    return True


def test_a_takedown_is_never_backdated():
    """The past is immutable: what was licensed stays licensed, so a takedown starts now or
    later (as a deal's end is never moved into the past). Before the fix a takedown dated
    2001 rewrote what `audit licensed` said about every sale since."""
    (track,) = tracks(1)
    with pytest.raises(RightsError, match="cannot be backdated"):
        takedown_create(track=track, territories="Worldwide", effective_at=LONG_AGO)
    assert not Takedown.objects.exists()
    past = datetime(2020, 6, 1, tzinfo=UTC)
    assert sale_licence(track=track, territory="DE", at=past).deal is not None


def test_a_takedown_can_be_lifted_and_both_periods_stay_auditable():
    """A takedown has a half-open period [effective_at, ends_at), like a deal; lifting it
    sets its end (now or later) and keeps the time it was in force on record. Before the
    fix a takedown could never end and a re-licensed territory stayed blocked."""
    (track,) = tracks(1)
    staff = customer("staff1", staff=True)
    takedown = takedown_create(track=track, territories="DE", requested_by=staff)
    assert not _buys(track, "DE") and _buys(track, "FR")
    with pytest.raises(RightsError, match="say why"):
        takedown_lift(takedown=takedown, lifted_by=staff, reason=" ")
    with pytest.raises(RightsError, match="never in the past"):
        takedown_lift(takedown=takedown, lifted_by=staff, reason="x", ends_at=LONG_AGO)
    lifted = takedown_lift(takedown=takedown, lifted_by=staff, reason="licence renewed")
    assert _buys(track, "DE")
    assert lifted.ends_at > lifted.effective_at
    during = lifted.effective_at + (lifted.ends_at - lifted.effective_at) / 2
    assert sale_gate(track=track, territory="DE", at=during) == (
        "withdrawn from sale in your territory"
    )
    assert sale_gate(track=track, territory="DE", at=lifted.ends_at) is None
    assert (lifted.lifted_by, lifted.lift_reason) == (staff, "licence renewed")


def _portal_post(client, holder, user, subject: str):
    client.force_login(user)
    return client.post(
        reverse("portal:takedowns", args=[holder.pk]),
        {"subject": subject, "territories": "Worldwide",
         "effective_at": f"{timezone.now():%Y-%m-%dT%H:%M}", "reason": "dispute"},
        follow=True,
    )  # fmt: skip


def test_a_partial_owner_only_requests_and_staff_confirm(client):
    """Who may take down what: a holder with a mandate owning the whole recording decides;
    a 25% co-owner without a mandate only asks, and staff confirm (DDEX has no portal rule;
    the store's: a takedown is a licensor's act). Before the fix the co-owner withdrew the
    whole release worldwide at once."""
    first, second = tracks(2)
    label = Deal.objects.get(release=first.release).licensor
    artist = RightsHolder.objects.create(kind="artist", name="Co-owner")
    split_set(right_type=SOUND_RECORDING, release=first.release,
              shares=[(label, 7500), (artist, 2500)])  # fmt: skip
    # The portal lists releases the holder has a share in.
    user = get_user_model().objects.create_user("coowner", password="x" * 12)
    holder_user_attach(holder=artist, user=user)
    page = _portal_post(client, artist, user, f"release:{first.release_id}")
    assert "Takedown requested" in page.content.decode()
    takedown = Takedown.objects.get()
    assert takedown.confirmed_at is None
    assert _buys(first, "US")  # nothing withdrawn yet

    staff = customer("boss", staff=True, country="")
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    response = client.post(
        reverse("admin:rights_takedown_changelist"),
        {"action": "confirm", "_selected_action": [takedown.pk]},
        follow=True,
    )
    assert response.status_code == 200
    takedown.refresh_from_db()
    assert takedown.confirmed_by == staff and not _buys(first, "US")

    # The label alone, with a mandate, owns the whole of an unsplit release: it decides.
    (solo,) = tracks(1)
    solo_label = Deal.objects.get(release=solo.release).licensor
    mandate_register(holder=solo_label, right_type=SOUND_RECORDING, territories="Worldwide",
                     starts_at=timezone.now() - timedelta(days=1))  # fmt: skip
    label_user = get_user_model().objects.create_user("labeluser", password="x" * 12)
    holder_user_attach(holder=solo_label, user=label_user)
    page = _portal_post(client, solo_label, label_user, f"release:{solo.release_id}")
    assert "Takedown recorded" in page.content.decode()
    assert not _buys(solo, "DE")
