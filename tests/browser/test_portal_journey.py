"""Drive the rights holder's portal in a real browser: sign in, read the sales, download."""

from __future__ import annotations

import csv
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.conftest import PASSWORD
from tests.royalties import dsr_parser
from tunemeter.customers.services import customer_register
from tunemeter.pricing.services import quote_create
from tunemeter.rights.models import Deal
from tunemeter.rights.services import holder_user_attach
from tunemeter.royalties.models import RoyaltyLine
from tunemeter.shop.services import order_place

pytestmark = pytest.mark.django_db(transaction=True)


def _download(page: Page, link, dest):
    with page.expect_download() as info:
        link.click()
    download = info.value
    download.save_as(dest)
    return download.suggested_filename, dest


def test_holder_signs_in_sees_the_chart_and_downloads_statements(page, store, buyer, tmp_path):
    release = store.release
    label = Deal.objects.get(release=release).licensor
    quote = quote_create(customer=buyer, items=[(release, "wav")])
    order_place(customer=buyer, quote=quote, idempotency_key="portal-journey")
    lines = RoyaltyLine.objects.filter(holder=label)
    assert lines.count() == 3
    holder_user = customer_register(email="label@example.org", password=PASSWORD, country="DE")
    holder_user_attach(holder=label, user=holder_user)

    page.goto("/")
    page.get_by_test_id("nav-signin").click()
    page.get_by_label("Email").fill("label@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_test_id("form-submit").click()
    page.get_by_test_id("nav-portal").click()

    expect(page.get_by_test_id("holder-name")).to_have_text(label.name)
    chart = page.get_by_test_id("sales-chart")
    expect(chart.get_by_role("img", name="Royalties per day")).to_be_visible()
    expect(chart.get_by_test_id("chart-bar")).to_have_count(30)
    # Today's bar (the last) is the only one drawn, and it has height.
    assert float(chart.get_by_test_id("chart-bar").last.get_attribute("height")) > 0
    expect(page.get_by_test_id("downloads-total")).to_have_text("3")
    expect(page.locator("[data-testid=sales-by-territory] tr[data-territory=FR]")).to_contain_text(
        "France"
    )
    expect(page.get_by_test_id("escrow-table")).to_contain_text("France")

    page.get_by_test_id("portal-statements").click()
    month = f"{timezone.now():%Y-%m}"
    row = page.locator(f"[data-testid=statement-row][data-period='{month}']")
    expect(row).to_be_visible()

    name, saved = _download(page, row.get_by_test_id("download-csv"), tmp_path / "statement.csv")
    assert name == f"statement_{month}_holder{label.pk}.csv"
    rows = list(csv.reader(saved.open(encoding="utf-8", newline="")))
    head, table = dict(rows[: rows.index([])]), rows[rows.index([]) + 2 :]
    assert head["statement"].startswith(label.name)
    assert len(table) == 3 and {r[3] for r in table} == {"FR"}
    assert {r[6] for r in table} == set(release.tracks.values_list("title", flat=True))

    name, saved = _download(page, row.get_by_test_id("download-dsr"), tmp_path / "report.tsv")
    assert dsr_parser.FILE_NAME.fullmatch(name), name
    report = dsr_parser.parse(saved.read_text(encoding="utf-8"))
    assert [s["Territory"] for s in report.summaries] == ["FR"]
    (block,) = report.blocks
    assert block.release["ReleaseTitle"] == "Low Tide"
    assert len(block.resources) == 3
    assert sum(int(s["Usages"]) for s in block.sales) == 3
    expect(page).to_have_url(re.compile(rf"/portal/{label.pk}/statements/$"))
