"""Statement times read the same on SQLite and PostgreSQL, whole seconds included."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection

from tunemeter.rights.models import Mandate, RightsHolder
from tunemeter.royalties.statements import UtcText, raw_rows


@pytest.mark.django_db
@pytest.mark.parametrize(
    "moment",
    [datetime(2026, 9, 1, 12, tzinfo=UTC), datetime(2026, 9, 1, 12, 0, 0, 250000, tzinfo=UTC)],
)
def test_time_cell_is_one_format_on_every_backend(moment):
    h = RightsHolder.objects.create(kind="artist", name="x")
    Mandate.objects.create(holder=h, right_type="publishing", starts_at=moment)
    qs = Mandate.objects.annotate(t=UtcText("starts_at")).values_list("t")
    ((cell,),) = list(raw_rows(qs))
    print(connection.vendor, cell)
    assert cell == moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
