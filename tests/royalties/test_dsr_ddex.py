"""DSR files a validator accepts: recipients, multiple-string cells, the sender, the version."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.royalties import dsr_parser
from tunemeter import settings as default_settings
from tunemeter.rights.identifiers import validate_dpid
from tunemeter.rights.models import RightsHolder
from tunemeter.royalties.dsr import MESSAGE_VERSION, DsrSale, dsr_filename, dsr_write
from tunemeter.royalties.periods import period_parse
from tunemeter.royalties.reports import dsr_header

DPID = "PADPIDA2014120301L"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "dpid", "recipient"),
    [
        ("Nightjar Records", DPID, DPID),
        ("Les Disques_de l'Été", "", "Les-Disques-de-l-Ete"),
        ("Søren Ølgaard", "", "Soren-Olgaard"),
        ("Северный ветер", "", "Severnyi-veter"),
        ("夜鶯", "", None),  # no Latin letters at all: the holder's id stands in
    ],
)
def test_the_file_names_recipient_is_heads_party_id_or_name_exactly(name, dpid, recipient):
    """DSR Part 1 (Architecture) 8.1: the file name's MessageRecipient is the recipient's
    DPID or name as given in the HEAD Record (RecipientPartyId / RecipientName), written in
    ASCII. Before the fix a holder without a DPID got a hyphenated name in the file name and
    its raw name in HEAD, and DDEX's validator rejected the file."""
    holder = RightsHolder.objects.create(kind="label", name=name, dpid=dpid)
    recipient = recipient or f"Holder-{holder.pk}"
    header = dsr_header(
        holder=holder, period=period_parse("2026-11"),
        created_at=datetime(2026, 12, 1, tzinfo=UTC),
    )  # fmt: skip
    out = io.StringIO()
    dsr_write(header=header, rows=[], out=out)
    head = dsr_parser.parse(out.getvalue()).head
    match = dsr_parser.FILE_NAME.fullmatch(dsr_filename(header=header))
    assert match and match["recipient"] == recipient and recipient.isascii()
    assert recipient in (head["RecipientPartyId"], head["RecipientName"])


def test_composers_are_a_multiple_string_cell_joined_by_the_secondary_delimiter():
    """DSR Part 1, "Communicating delimiters": a Cell holding several values separates them
    with the secondary delimiter `|`, and a `|` inside a value is escaped. Composer is such
    a Cell in AS02.04 (Part 8). Before the fix composers were free text joined by ", "."""
    sale = DsrSale(
        territory="DE", dsp_release_id="1", upc="", release_title="R", release_artist="A",
        label="L", dsp_resource_id="2", isrc="", track_title="T", track_artist="A",
        duration_seconds=60, format="flac", sales_units=1, return_units=0,
        unit_price_micro=990_000, composers=("Ada Lux", "Bo|Ng", "Ck, Jr."),
    )  # fmt: skip
    header = dsr_header(
        holder=RightsHolder(pk=1, name="Nightjar", dpid=DPID), period=period_parse("2026-11"),
        created_at=datetime(2026, 12, 1, tzinfo=UTC),
    )  # fmt: skip
    out = io.StringIO()
    dsr_write(header=header, rows=[sale], out=out)
    (line,) = [x for x in out.getvalue().splitlines() if x.startswith("AS02.04")]
    cell = line.split("\t")[12]
    names = re.split(r"(?<!\\)\|", cell)
    assert names == ["Ada Lux", "Bo\\\\|Ng", "Ck, Jr."]


def test_the_default_sender_dpid_passes_its_check_character():
    """A DPID ends in an ISO 7064 MOD 37,36 check character (DDEX Party Identifier
    standard); the shipped placeholder must pass it. Before the fix PADPIDA0000000000Z
    failed the project's own check."""
    source = Path(default_settings.__file__).read_text()
    default = re.search(r'"TUNEMETER_DDEX_PARTY_ID", "(PADPIDA\w+)"', source)[1]
    validate_dpid(default)


def test_the_message_version_has_the_form_part_8_gives_it():
    """DSR Part 8 5.1.1 (HEAD), Cell 2: the MessageVersion is dsrf/xxx/yyy/zzz, the versions
    of the architecture (Part 1), the allowed-value set and the Record type definitions."""
    assert re.fullmatch(r"dsrf/\d+(\.\d+)+/\d+(\.\d+)*/\d+(\.\d+)+", MESSAGE_VERSION)
    out = io.StringIO()
    header = dsr_header(
        holder=RightsHolder(pk=1, name="Nightjar", dpid=DPID), period=period_parse("2026-11"),
        created_at=datetime(2026, 12, 1, tzinfo=UTC),
    )  # fmt: skip
    dsr_write(header=header, rows=[], out=out)
    assert out.getvalue().split("\t")[1:4] == [MESSAGE_VERSION, "BasicAudioProfile", "1.4"]
