"""Test the staff admin: every page renders, lists search and filter, the ledger is
read-only, and the refund action reverses payments with the reason staff give."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.shop.factories import customer, fund, tracks
from tunemeter.ledger.models import Account, Transfer
from tunemeter.ledger.selectors import balance_minor, ledger_verify
from tunemeter.library.models import Entitlement
from tunemeter.pricing.services import quote_create
from tunemeter.shop.models import GiftCode, Order
from tunemeter.shop.services import order_place

pytestmark = pytest.mark.django_db

# The apps whose admin this suite covers in depth (rights and royalties test their own).
OWN_APPS = {"catalog", "pricing", "shop", "ledger"}


@pytest.fixture
def staff_client(client):
    staff = get_user_model().objects.create_superuser("root", "root@example.org", "x" * 12)
    client.force_login(staff)
    client.staff = staff
    return client


def _changelist(model) -> str:
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")


def _paid_order(buyer, *, key: str) -> Order:
    (track,) = tracks(1, seconds=1)
    quote = quote_create(customer=buyer, items=[(track, "wav")])
    return order_place(customer=buyer, quote=quote, idempotency_key=key)


def test_every_admin_changelist_renders(staff_client):
    for model in admin.site._registry:
        url = _changelist(model)
        assert staff_client.get(url).status_code == 200, url


def test_own_lists_search_and_filter(staff_client, demo_payments):
    buyer = customer("finder")
    fund(buyer, 1_000)
    _paid_order(buyer, key="s1")
    GiftCode.objects.create(code="spring-26", amount_minor=500, currency="USD")
    searched = 0
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in OWN_APPS:
            continue
        assert model_admin.list_filter or model_admin.search_fields, model
        url = _changelist(model)
        if model_admin.search_fields:
            assert staff_client.get(url, {"q": "finder"}).status_code == 200, url
            searched += 1
    assert searched >= 10
    body = staff_client.get(_changelist(Order), {"q": "finder@example.org"}).content.decode()
    assert "1 order" in body
    body = staff_client.get(_changelist(GiftCode), {"state": "no"}).content.decode()
    assert "SPRING-26" in body
    body = staff_client.get(_changelist(GiftCode), {"state": "yes"}).content.decode()
    assert "SPRING-26" not in body


def test_ledger_is_read_only_in_the_admin(staff_client, demo_payments):
    buyer = customer()
    transfer = fund(buyer, 700)
    account = Account.objects.get(customer=buyer)
    assert staff_client.get(reverse("admin:ledger_transfer_add")).status_code == 403
    assert staff_client.get(reverse("admin:ledger_entry_add")).status_code == 403
    delete = reverse("admin:ledger_transfer_delete", args=[transfer.pk])
    assert staff_client.post(delete, {"post": "yes"}).status_code == 403
    change = reverse("admin:ledger_account_change", args=[account.pk])
    page = staff_client.get(change)
    assert page.status_code == 200 and 'name="balance_minor"' not in page.content.decode()
    assert staff_client.post(change, {"balance_minor": 1_000_000}).status_code == 403
    account.refresh_from_db()
    assert account.balance_minor == 700


def _refund(client, orders, reason: str):
    return client.post(
        _changelist(Order),
        {
            "action": "refund",
            "_selected_action": [o.pk for o in orders],
            "reason": reason,
        },
        follow=True,
    )


def test_refund_action_reverses_orders_with_the_given_reason(staff_client, demo_payments):
    buyer = customer()
    fund(buyer, 1_000)
    first, second = _paid_order(buyer, key="a"), _paid_order(buyer, key="b")
    spent = first.total_minor + second.total_minor
    assert balance_minor(user=buyer, currency="USD") == 1_000 - spent

    response = _refund(staff_client, [first, second], "")
    assert "Give a reason" in response.content.decode()
    assert not Order.objects.filter(status=Order.REFUNDED).exists()

    response = _refund(staff_client, [first], "duplicate purchase")
    assert "Refunded 1 order." in response.content.decode()
    response = _refund(staff_client, [first, second], "customer asked")
    assert "Refunded 1 order. 1 already refunded" in response.content.decode()

    assert set(Order.objects.values_list("status", flat=True)) == {Order.REFUNDED}
    assert balance_minor(user=buyer, currency="USD") == 1_000
    assert not Entitlement.objects.filter(customer=buyer, revoked_at__isnull=True).exists()
    reasons = {
        t.metadata["order"]: t.metadata["reason"] for t in Transfer.objects.filter(kind="refund")
    }
    assert reasons == {first.pk: "duplicate purchase", second.pk: "customer asked"}
    assert reasons and ledger_verify() == []


def test_orders_cannot_be_deleted_from_the_admin(staff_client, demo_payments):
    buyer = customer()
    fund(buyer, 1_000)
    order = _paid_order(buyer, key="keep")
    delete = reverse("admin:shop_order_delete", args=[order.pk])
    assert staff_client.post(delete, {"post": "yes"}).status_code == 403
    assert Order.objects.filter(pk=order.pk).exists()


@pytest.mark.usefixtures("demo_payments")
def test_the_admin_shows_money_as_money(staff_client):
    buyer = customer()
    fund(buyer, 224)
    order = _paid_order(buyer, key="money")
    orders = staff_client.get(_changelist(Order)).content.decode()
    assert f"{order.total_minor / 100:.2f} USD" in orders
    accounts = staff_client.get(_changelist(Account)).content.decode()
    assert f"{(224 - order.total_minor) / 100:.2f} USD" in accounts
    gift = GiftCode.objects.create(code="TWO", amount_minor=224, currency="USD")
    assert "2.24 USD" in staff_client.get(_changelist(GiftCode)).content.decode()
    assert gift.pk
