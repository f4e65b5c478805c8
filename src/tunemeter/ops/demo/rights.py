"""License the demo catalog so that a new store shows every case of rights and royalties.

- Neon Fjord: worldwide, from a label with a mandate; publishing at a flat 8% to a
  publisher with a mandate.
- Late Tram Home: only in English-speaking territories (a buyer elsewhere sees it
  marked and cannot buy it).
- Tidewater Rooms: worldwide except the US, self-released, statutory publishing rate.
- Tunemeter Sampler Vol. 1: co-owned; one co-owner has given no mandate, so their
  shares wait in escrow until one is registered.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from django.db import transaction

from tunemeter.catalog.models import Release
from tunemeter.rights.identifiers import mod37_36_check_char
from tunemeter.rights.models import PUBLISHING, SOUND_RECORDING, Deal, RightsHolder
from tunemeter.rights.services import deal_create, mandate_register, split_set

logger = logging.getLogger(__name__)

SINCE = datetime(2026, 1, 1, tzinfo=UTC)
# The demo holder user sees a label's sales and a co-owner's escrow.
DEMO_HOLDER_LOGIN = ("Nordlys Records", "Café Lumière")


def _dpid(body: str) -> str:
    return body + mod37_36_check_char(body)


def _holder(kind: str, name: str, *, mandate: str | None = None, right=SOUND_RECORDING, dpid=""):
    holder, created = RightsHolder.objects.get_or_create(
        name=name, defaults={"kind": kind, "dpid": dpid, "contact_email": ""}
    )
    if created and mandate is not None:
        mandate_register(holder=holder, right_type=right, territories=mandate, starts_at=SINCE)
    return holder


@transaction.atomic
def demo_rights_create() -> list[Deal]:
    """Create the demo holders, mandates, deals and splits for demo releases without deals."""
    releases = {r.title: r for r in Release.objects.filter(deals__isnull=True)}
    made = []
    if "Neon Fjord" in releases:
        label = _holder(
            "label", "Nordlys Records", mandate="Worldwide", dpid=_dpid("PADPIDA2026010101")
        )
        publisher = _holder(
            "publisher", "Fjordsang Publishing", mandate="Worldwide", right=PUBLISHING
        )
        release = releases["Neon Fjord"]
        made.append(
            deal_create(
                licensor=label,
                release=release,
                territories="Worldwide",
                starts_at=SINCE,
                sr_share_bps=7000,
                preset="flat-8",
                reference="NR-2026-001",
            )
        )
        split_set(release=release, right_type=PUBLISHING, shares=[(publisher, 10_000)])
    if "Late Tram Home" in releases:
        label = _holder("label", "Marlow Street Music", mandate="US CA GB IE AU NZ")
        made.append(
            deal_create(
                licensor=label,
                release=releases["Late Tram Home"],
                territories="US CA GB IE AU NZ",
                starts_at=SINCE,
                sr_share_bps=6500,
                reference="MSM-17",
            )
        )
    if "Tidewater Rooms" in releases:
        artist = _holder("artist", "Søren Ølgaard", mandate="Worldwide")
        publisher = _holder("publisher", "Kattegat Songs", mandate="Worldwide", right=PUBLISHING)
        release = releases["Tidewater Rooms"]
        made.append(
            deal_create(
                licensor=artist,
                release=release,
                territories="Worldwide -US",
                starts_at=SINCE,
                sr_share_bps=8000,
                preset="statutory-per-track",
            )
        )
        split_set(release=release, right_type=PUBLISHING, shares=[(publisher, 10_000)])
    if "Tunemeter Sampler Vol. 1" in releases:
        collective = _holder("distributor", "Tunemeter Collective", mandate="Worldwide")
        kestrel = _holder("artist", "Kestrel Avenue", mandate="Worldwide")
        lumiere = _holder("artist", "Café Lumière")  # no mandate: escrow
        release = releases["Tunemeter Sampler Vol. 1"]
        made.append(
            deal_create(
                licensor=collective,
                release=release,
                territories="Worldwide",
                starts_at=SINCE,
                sr_share_bps=7000,
            )
        )
        split_set(
            release=release,
            right_type=SOUND_RECORDING,
            shares=[(collective, 5000), (kestrel, 2500), (lumiere, 2500)],
        )
    logger.info("demo rights created deals=%d", len(made))
    return made
