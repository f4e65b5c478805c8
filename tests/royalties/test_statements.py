"""Statements: three periods reconcile to the micro-unit with the ledger."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from unittest import mock

import pytest
from django.utils import translation

from tests.shop.factories import LONG_AGO, customer, fund, tracks
from tunemeter.ledger.models import Account
from tunemeter.pricing.services import quote_create
from tunemeter.rights.models import SOUND_RECORDING, RightsHolder
from tunemeter.rights.services import mandate_register, split_set
from tunemeter.royalties.exports import statement_html, statements_write
from tunemeter.royalties.models import RoyaltyLine
from tunemeter.royalties.periods import period_parse
from tunemeter.royalties.services import payout_record
from tunemeter.royalties.statements import LINE_COLUMNS, statement_summaries
from tunemeter.shop.services import order_place, order_refund

pytestmark = pytest.mark.usefixtures("ledger_db", "demo_payments")
MICRO = 10_000


def at(month, day):
    return datetime(2026, month, day, 12, tzinfo=UTC)


def test_three_periods_reconcile_to_the_micro_unit(tmp_path, settings):
    # Each month buys the same tracks again in another format, each at full price.
    settings.UPGRADE_POLICY = "full"
    pool = tracks(3)
    # Three co-owners at 3333/3333/3334 bps make sub-cent shares on every sale.
    owners = [RightsHolder.objects.create(kind="artist", name=f"o{i}") for i in range(3)]
    for o in owners:
        mandate_register(
            holder=o, right_type=SOUND_RECORDING, territories="Worldwide", starts_at=LONG_AGO
        )
    for t in pool:
        split_set(
            track=t,
            right_type=SOUND_RECORDING,
            shares=[(owners[0], 3333), (owners[1], 3333), (owners[2], 3334)],
        )
    buyer = customer()
    fund(buyer, 10_000)
    staff = customer(staff=True)
    orders = []
    for month in (9, 10, 11):
        for i, t in enumerate(pool):
            with mock.patch("django.utils.timezone.now", return_value=at(month, 1 + i)):
                quote = quote_create(customer=buyer, items=[(t, "wav" if month != 10 else "aiff")])
                orders.append(
                    order_place(customer=buyer, quote=quote, idempotency_key=f"{month}{i}")
                )
    with mock.patch("django.utils.timezone.now", return_value=at(10, 20)):
        order_refund(
            order=orders[0], staff=staff, reason="test"
        )  # a September sale, returned in October
        payout_record(holder=owners[0], amount_minor=1, reference="p1", staff=staff, currency="USD")

    periods = [period_parse(p) for p in ("2026-09", "2026-10", "2026-11")]
    for owner in owners:
        summaries = [
            statement_summaries(period=p, holder_ids=[owner.pk])[owner.pk] for p in periods
        ]
        accrued = sum(
            RoyaltyLine.objects.filter(holder=owner).values_list("amount_micro", flat=True)
        )
        # Rounded earnings of every period plus the last carry are the accruals, exactly.
        assert (
            sum(s.earnings_minor for s in summaries) * MICRO + summaries[-1].carried_out_micro
            == accrued
        )
        for before, after in zip(summaries, summaries[1:], strict=False):
            assert after.opening_minor == before.closing_minor
            assert after.carried_in_micro == before.carried_out_micro
        payable = Account.objects.get(owner=f"holder:{owner.pk}", kind="royalties_payable")
        last = summaries[-1]
        assert last.closing_minor * MICRO + last.carried_out_micro == payable.balance_micro
        assert 0 <= last.carried_out_micro < MICRO
    october = statement_summaries(period=periods[1], holder_ids=[owners[0].pk])[owners[0].pk]
    assert october.returns_micro < 0 and october.payouts_minor == 1

    paths = statements_write(period=periods[1], out_dir=tmp_path)
    assert len(paths) == RightsHolder.objects.count()
    with paths[
        [p.name for p in paths].index(f"statement_2026-10_holder{owners[0].pk}.csv")
    ].open() as f:
        rows = list(csv.reader(f))
    head = dict(r for r in rows if len(r) == 2)
    assert head["payouts"] == "-0.01 USD"
    assert "rounding policy" in head
    table = rows[rows.index([]) + 2 :]
    assert {r[1] for r in table} == {"sale", "return"}
    assert (
        len(table)
        == RoyaltyLine.objects.filter(
            holder=owners[0], at__gte=periods[1].start, at__lt=periods[1].end
        ).count()
    )

    with translation.override("en"):
        html = statement_html(holder=owners[0], period=periods[1])
    assert "Royalty statement" in html and "Closing balance" in html
    # Labelled for a person, never the CSV's field names; printable on A4.
    assert "@page { size: A4" in html
    for field in ("right_type", "price_paid", "share_bps", "size_bytes", "sale_id"):
        assert field not in html
    assert "Price paid" in html and "Your amount" in html
    with translation.override("ru"):
        russian = statement_html(holder=owners[0], period=periods[1])
    assert "Выписка по роялти" in russian and "Баланс на конец" in russian
    assert "Closing balance" not in russian and 'lang="ru"' in russian


@pytest.mark.parametrize("amount", [0, 5, -5, 999_999, -1_000_001, 123_456_789, -(2**62)])
def test_the_database_formats_micro_units_as_python_does(amount):
    from django.db.models import Value
    from django.db.models.fields import BigIntegerField

    from tunemeter.ledger.units import micro_format
    from tunemeter.royalties.statements import MicroText

    text = (
        RightsHolder.objects.none()
        .model.objects.annotate(t=MicroText(Value(amount, output_field=BigIntegerField())))
        .values_list("t", flat=True)
    )
    RightsHolder.objects.create(kind="label", name="x")
    assert list(text) == [micro_format(amount)]


def test_statement_csvs_never_carry_a_formula(tmp_path):
    """OWASP CSV Injection: titles and names starting = + - @ become text ('=…)."""
    from tunemeter.catalog.models import Release, Track
    from tunemeter.royalties.exports import statement_csv_stream

    (track,) = tracks(1)
    holder = RightsHolder.objects.create(kind="label", name="=cmd|' /C calc'!A0")
    mandate_register(
        holder=holder, right_type=SOUND_RECORDING, territories="Worldwide", starts_at=LONG_AGO
    )
    split_set(track=track, right_type=SOUND_RECORDING, shares=[(holder, 10_000)])
    Track.objects.filter(pk=track.pk).update(title='=HYPERLINK("http://evil.example","x")')
    Release.objects.filter(pk=track.release_id).update(title="@SUM(1+1)")
    buyer = customer()
    fund(buyer, 10_000)
    with mock.patch("django.utils.timezone.now", return_value=at(9, 3)):
        quote = quote_create(customer=buyer, items=[(track, "wav")])
        order_place(customer=buyer, quote=quote, idempotency_key="k")
    period = period_parse("2026-09")
    streamed = "".join(statement_csv_stream(holder=holder, period=period))
    (path,) = statements_write(period=period, out_dir=tmp_path, holder_ids=[holder.pk])
    for text in (streamed, path.read_text()):
        rows = list(csv.reader(text.splitlines()))
        cells = [c for r in rows for c in r]
        assert not [c for c in cells if c and c[0] in "=@+"]
        line = rows[rows.index([]) + 2]
        assert line[LINE_COLUMNS.index("track")] == "'" + '=HYPERLINK("http://evil.example","x")'
        assert line[LINE_COLUMNS.index("release")] == "'@SUM(1+1)"
        assert dict(r for r in rows if len(r) == 2)["statement"].startswith("'=cmd")


def test_a_closed_periods_statement_shows_the_names_as_sold(tmp_path):
    """Renaming a track later never rewrites what an earlier statement says was sold."""
    from tunemeter.catalog.models import Release, Track
    from tunemeter.royalties.exports import statement_csv_stream

    (track,) = tracks(1)
    sold_track, sold_release = track.title, track.release.title
    buyer = customer()
    fund(buyer, 10_000)
    with mock.patch("django.utils.timezone.now", return_value=at(9, 3)):
        quote = quote_create(customer=buyer, items=[(track, "wav")])
        order_place(customer=buyer, quote=quote, idempotency_key="k")
    Track.objects.filter(pk=track.pk).update(title="Renamed Later")
    Release.objects.filter(pk=track.release_id).update(title="Reissued Later")
    line = RoyaltyLine.objects.first()
    text = "".join(statement_csv_stream(holder=line.holder, period=period_parse("2026-09")))
    rows = list(csv.reader(text.splitlines()))
    first = rows[rows.index([]) + 2]
    assert first[LINE_COLUMNS.index("track")] == sold_track
    assert first[LINE_COLUMNS.index("release")] == sold_release
    assert "Renamed Later" not in text and "Reissued Later" not in text
