"""`tunemeter statements`: CSV, HTML and DSR files for real sales, read back."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from unittest import mock

import pytest
from django.core.management import call_command

from tests.royalties import dsr_parser
from tests.shop.factories import customer, fund, tracks
from tunemeter.pricing.services import quote_create
from tunemeter.rights.models import Deal
from tunemeter.shop.services import order_place, order_refund

pytestmark = pytest.mark.usefixtures("ledger_db", "demo_payments")


def test_statements_command_writes_csv_html_and_a_valid_dsr(tmp_path):
    first, second = tracks(2)
    (other,) = tracks(1)
    label = Deal.objects.get(release=first.release).licensor
    buyers = {t: customer(country=t) for t in ("DE", "JP")}
    for b in buyers.values():
        fund(b, 10_000)
    orders = []
    with mock.patch("django.utils.timezone.now", return_value=datetime(2026, 11, 5, tzinfo=UTC)):
        for t, b in buyers.items():
            quote = quote_create(customer=b, items=[(first.release, "wav"), (other, "wav")])
            orders.append(order_place(customer=b, quote=quote, idempotency_key=t))
        order_refund(order=orders[1], staff=customer(staff=True), reason="test")

    out = io.StringIO()
    call_command("statements", period="2026-11", out=tmp_path, stdout=out)
    assert "Statements 2026-11" in out.getvalue() and label.name in out.getvalue()

    csv_path = tmp_path / f"statement_2026-11_holder{label.pk}.csv"
    rows = list(csv.reader(csv_path.open()))
    table = rows[rows.index([]) + 2 :]
    # Two tracks bought in DE and in JP, and the JP order returned: 4 sales, 2 returns.
    assert sorted(r[1] for r in table) == ["return"] * 2 + ["sale"] * 4
    assert (tmp_path / f"statement_2026-11_holder{label.pk}.html").read_text().count("<tr>") > 6

    (dsr_path,) = [
        p for p in tmp_path.glob("DSR_*.tsv") if f"{label.name}".replace(" ", "-") in p.name
    ]
    assert dsr_parser.FILE_NAME.fullmatch(dsr_path.name)
    report = dsr_parser.parse(dsr_path.read_text(encoding="utf-8"))
    assert report.head["UsageStartDate"] == "2026-11-01"
    assert report.head["UsageEndDate"] == "2026-11-30"
    assert {s["Territory"] for s in report.summaries} == {"DE", "JP"}
    assert len(report.blocks) == 2  # one release in each of two territories
    sales = [s for b in report.blocks for s in b.sales]
    assert sum(int(s["Usages"]) for s in sales) == 4
    assert sum(int(s["Returns"]) for s in sales) == 2
    assert all(len(b.resources) == 2 for b in report.blocks)  # the label's two tracks


def test_statements_command_refuses_a_bad_period(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not a period"):
        call_command("statements", period="November", out=tmp_path)


def test_audit_explains_a_sale_and_answers_licensed_or_not():
    (track,) = tracks(1, territories="Worldwide -US")
    buyer = customer(country="DE")
    fund(buyer, 10_000)
    quote = quote_create(customer=buyer, items=[(track, "wav")])
    order = order_place(customer=buyer, quote=quote, idempotency_key="k")
    out = io.StringIO()
    call_command("audit", "sale", str(order.pk), stdout=out)
    text = out.getvalue()
    deal = Deal.objects.get(release=track.release)
    for expected in (
        f"order {order.pk}",
        f"deal {deal.pk}",
        "territories Worldwide -US",
        "PayAsYouGoModel / PermanentDownload",
        "ESCROW (no mandate)",
        f"royalties:order:{order.pk}",
        f"statement_{order.created_at:%Y-%m}_holder{deal.licensor_id}.csv",
        "licensed",
    ):
        assert expected in text, expected

    out = io.StringIO()
    call_command("audit", "licensed", str(track.pk), "de", "2026-11-28T12:00:00", stdout=out)
    assert "LICENSED" in out.getvalue() and f"deal {deal.pk}" in out.getvalue()
    with pytest.raises(SystemExit) as refused:
        call_command("audit", "licensed", str(track.pk), "US", "2026-11-28T12:00:00", stdout=out)
    assert refused.value.code == 1
    assert "NOT LICENSED: not available in your territory" in out.getvalue()
