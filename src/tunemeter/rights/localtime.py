"""Turn a deal's local dates and times into instants, territory by territory.

DDEX reads a deal's `StartDate 2026-12-01` as 00:00 local time in each territory of the
deal, an `EndDate` as the end of that day, local, and a date-time without an offset as
local time too. A territory with several zones takes the safe reading: it opens when its
last zone reaches the start and closes when its first zone reaches the end. The zones of
each territory are a table (data/territory_zones.tsv, tzdb's zone.tab), not code.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo

# The earliest and latest offsets any zone uses (Kiribati +14, Baker Island -12): a
# territory the table lacks is read as if it had them all, the safe reading.
EARLIEST_OFFSET = timedelta(hours=14)
LATEST_OFFSET = timedelta(hours=-12)
LOCAL_FORMAT = "%Y-%m-%dT%H:%M:%S"


@cache
def territory_zones_table() -> dict[str, tuple[str, ...]]:
    """Return {territory code: its zoneinfo names}, read once from the data file."""
    text = resources.files("tunemeter.rights").joinpath("data/territory_zones.tsv").read_text()
    table = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            code, zones = line.split("\t")
            table[code] = tuple(zones.split())
    return table


@cache
def territory_zones(territory: str) -> tuple[ZoneInfo, ...]:
    """Return the time zones of a territory (empty when the table does not know it)."""
    return tuple(ZoneInfo(name) for name in territory_zones_table().get(territory.upper(), ()))


def local_parse(text: str) -> datetime:
    """Parse a stored local (naive) date-time."""
    return datetime.strptime(text, LOCAL_FORMAT)


def local_text(moment: datetime) -> str:
    """Return the stored spelling of a local (naive) date-time."""
    return moment.strftime(LOCAL_FORMAT)


def _instants(local: datetime, territory: str) -> list[datetime]:
    zones = territory_zones(territory)
    if not zones:
        return [
            (local - EARLIEST_OFFSET).replace(tzinfo=UTC),
            (local - LATEST_OFFSET).replace(tzinfo=UTC),
        ]
    return [local.replace(tzinfo=zone).astimezone(UTC) for zone in zones]


def local_opens(local: datetime, territory: str) -> datetime:
    """Return the instant a local start is reached in every zone of territory (the last one)."""
    return max(_instants(local, territory))


def local_closes(local: datetime, territory: str) -> datetime:
    """Return the instant a local end is reached in the first zone of territory."""
    return min(_instants(local, territory))


def envelope_start(local: datetime) -> datetime:
    """Return the first instant a local time is reached anywhere (for database filters)."""
    return (local - EARLIEST_OFFSET).replace(tzinfo=UTC)


def envelope_end(local: datetime) -> datetime:
    """Return the last instant a local time is reached anywhere (for database filters)."""
    return (local - LATEST_OFFSET).replace(tzinfo=UTC)


def zone_reading(local: datetime, territory: str, *, end: bool) -> str:
    """Describe which zone decides a local start (or end) in a territory, for audits."""
    zones = territory_zones(territory)
    if not zones:
        return f"{local_text(local)} local, read in every zone (territory not in the table)"
    instants = [local.replace(tzinfo=z).astimezone(UTC) for z in zones]
    decisive = min(instants) if end else max(instants)
    zone = zones[instants.index(decisive)].key  # the table's first zone among equals
    instant = decisive
    how = "first" if end else "last"
    many = f"{how} of {len(zones)} zones: " if len(zones) > 1 else ""
    return f"{local_text(local)} local ({many}{zone}) = {instant.isoformat()}"
