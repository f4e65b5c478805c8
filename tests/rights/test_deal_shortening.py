"""A fixed-term deal can be replaced earlier: its end moves forward, never back."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.shop.factories import LONG_AGO, tracks
from tunemeter.rights.models import RightsHolder
from tunemeter.rights.services import deal_create, deal_replace


@pytest.mark.django_db
def test_a_fixed_term_deal_can_be_replaced_mid_term():
    (track,) = tracks(1, territories=None)
    label = RightsHolder.objects.create(kind="label", name="L")
    deal = deal_create(
        licensor=label,
        release=track.release,
        territories="Worldwide",
        starts_at=LONG_AGO,
        ends_at=datetime(2030, 1, 1, tzinfo=UTC),
        sr_share_bps=7000,
    )
    new = deal_replace(deal=deal, starts_at=datetime(2027, 1, 1, tzinfo=UTC), sr_share_bps=8000)
    assert new.supersedes_id == deal.pk
