"""Background jobs of royalties: escrow release sweeps and DSR files kept in storage."""

from __future__ import annotations

import hashlib
import logging

from django.utils import timezone

from tunemeter import storage
from tunemeter.jobs import job
from tunemeter.rights.models import Mandate, RightsHolder
from tunemeter.royalties.periods import period_parse
from tunemeter.royalties.reports import dsr_for_holder
from tunemeter.royalties.services import escrow_release

logger = logging.getLogger(__name__)


@job("royalties.escrow_sweep")
def escrow_sweep_job() -> int:
    """Release escrow every current mandate covers; return how many releases were made.

    Idempotent: released lines are marked, so a rerun finds nothing more to release.
    """
    now = timezone.now()
    made = 0
    for mandate in Mandate.objects.filter(starts_at__lte=now).select_related("holder"):
        if escrow_release(mandate=mandate) is not None:
            made += 1
    return made


@job("royalties.dsr")
def dsr_job(*, holder_id: int, period: str) -> str:
    """Write one holder's DSR file for a period into storage; return its stored path.

    The path carries the file's sha256: a rerun writes the same bytes to the same name.
    """
    holder = RightsHolder.objects.get(pk=holder_id)
    name, spool = dsr_for_holder(holder=holder, period=period_parse(period))
    data = spool.read()
    digest = hashlib.sha256(data).hexdigest()
    relpath = f"reports/dsr/{holder_id}/{period}/{digest[:16]}-{name}"
    storage.store_bytes(data, relpath)
    logger.info("dsr stored holder=%s period=%s path=%s", holder_id, period, relpath)
    return relpath
