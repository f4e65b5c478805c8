"""Card top-ups through Stripe, against localstripe: credited only by verified webhooks,
exactly once; refunds and disputes reverse, onto a receivable once the money is spent.

Signatures per Stripe's webhook scheme (docs.stripe.com/webhooks#verify-events): HMAC-
SHA256 over "<t>.<body>" with the endpoint secret, t within 300 s of now.
"""

from __future__ import annotations

import io
import json
import threading
import time

import pytest
from django.core.management import call_command
from django.db import connections
from django.test import Client

from tests.shop.factories import customer, tracks
from tests.shop.stripe_fake import SECRET_KEY, WEBHOOK_SECRET, event, localstripe_start, sign
from tunemeter.customers.selectors import customer_evidence
from tunemeter.ledger.models import Account, Transfer
from tunemeter.ledger.selectors import balance_minor, ledger_verify
from tunemeter.ops.localstripe import pay as localstripe_pay
from tunemeter.pricing.services import quote_create
from tunemeter.shop.cards import CardPaymentError, card_topup_start, cards_enabled, stripe_client
from tunemeter.shop.models import CardTopUp, WebhookEvent
from tunemeter.shop.services import order_place

pytestmark = pytest.mark.usefixtures("ledger_db")
URL = "/stripe/webhook"


@pytest.fixture(scope="module")
def localstripe():
    proc, base = localstripe_start()
    yield base
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def cards(settings, localstripe):
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_tunemeter"
    settings.STRIPE_API_BASE = localstripe
    settings.STORE_CURRENCY = "USD"
    return localstripe


def pay(payment_intent_id: str) -> dict:
    """Pay an intent at localstripe with a test card, as Stripe.js would."""
    return localstripe_pay(stripe_client(), payment_intent_id)


def deliver(body: bytes, signature: str | None = None, client: Client | None = None):
    headers = {} if signature == "" else {"HTTP_STRIPE_SIGNATURE": signature or sign(body)}
    return (client or Client()).post(URL, body, content_type="application/json", **headers)


def started(buyer, amount=25_00):
    return card_topup_start(customer=buyer, amount_minor=amount, reference=f"r{time.time_ns()}")


def balance(user) -> int:
    return balance_minor(user=user, currency="USD")


def receivable(user) -> int:
    account = Account.objects.filter(kind=Account.RECEIVABLE, owner=f"customer:{user.pk}").first()
    return account.balance_minor if account else 0


def test_without_keys_cards_are_not_offered(settings, client):
    settings.STRIPE_SECRET_KEY = ""
    assert not cards_enabled()
    buyer = customer()
    with pytest.raises(CardPaymentError):
        card_topup_start(customer=buyer, amount_minor=10_00, reference="x")
    client.force_login(buyer)
    assert "Pay by card" not in client.get("/account/balance/").content.decode()
    assert deliver(event("payment_intent.succeeded", {})).status_code == 400


def test_amounts_are_bounded(cards):
    buyer = customer()
    for bad in (0, -5, 4_99, 500_01, 10**12, True, "10"):
        with pytest.raises(CardPaymentError):
            card_topup_start(customer=buyer, amount_minor=bad, reference="x")
    assert CardTopUp.objects.count() == 0


def test_a_verified_success_credits_once_and_records_the_card_country(cards):
    buyer = customer(country="US")
    topup = started(buyer).topup
    intent = pay(topup.payment_intent_id)
    assert intent["status"] == "succeeded" and balance(buyer) == 0  # paid, not yet told
    # Real Stripe puts the card's country in the charge's payment_method_details.
    intent["latest_charge"]["payment_method_details"] = {"card": {"country": "DE"}}
    body = event("payment_intent.succeeded", intent)
    assert deliver(body).status_code == 200
    assert balance(buyer) == 25_00
    assert customer_evidence(user=buyer) == ("US", "DE")
    # The same event again, and the same intent under another event id: nothing more.
    assert deliver(body).content == b"duplicate"
    assert deliver(event("payment_intent.succeeded", intent)).status_code == 200
    assert balance(buyer) == 25_00
    assert Transfer.objects.filter(kind="deposit").count() == 1
    assert ledger_verify() == []


def test_without_details_the_card_country_is_read_from_the_payment_method(cards):
    buyer = customer(country="US")
    topup = started(buyer).topup
    intent = pay(topup.payment_intent_id)  # localstripe's test cards are French
    assert deliver(event("payment_intent.succeeded", intent)).status_code == 200
    assert customer_evidence(user=buyer) == ("US", "FR")
    assert CardTopUp.objects.get().card_country == "FR"


@pytest.mark.parametrize(
    "case", ["unsigned", "tampered", "wrong secret", "old", "future", "foreign account", "live"]
)
def test_unverified_events_are_refused_with_400_and_credit_nothing(cards, case, caplog):
    buyer = customer()
    topup = started(buyer).topup
    intent = pay(topup.payment_intent_id)
    body = event("payment_intent.succeeded", intent)
    signature = sign(body)
    if case == "unsigned":
        signature = ""
    elif case == "tampered":
        doc = json.loads(body)
        doc["data"]["object"]["amount"] = 500_00
        body = json.dumps(doc).encode()
    elif case == "wrong secret":
        signature = sign(body, secret="whsec_someone_else")
    elif case == "old":
        signature = sign(body, at=int(time.time()) - 301)
    elif case == "future":
        signature = sign(body, at=int(time.time()) + 3600)
    elif case == "foreign account":
        body = event("payment_intent.succeeded", intent, account="acct_someone_else")
        signature = sign(body)
    elif case == "live":
        body = event("payment_intent.succeeded", intent, livemode=True)
        signature = sign(body)
    response = deliver(body, signature)
    assert response.status_code == 400
    assert balance(buyer) == 0 and not WebhookEvent.objects.exists()
    assert "stripe webhook refused" in caplog.text


def test_twenty_concurrent_deliveries_credit_once(cards):
    buyer = customer()
    topup = started(buyer).topup
    body = event("payment_intent.succeeded", pay(topup.payment_intent_id))
    signature = sign(body)
    barrier = threading.Barrier(20)
    codes: list[int] = []

    def one():
        try:
            barrier.wait()
            codes.append(deliver(body, signature).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes == [200] * 20
    assert balance(buyer) == 25_00
    assert Transfer.objects.filter(kind="deposit").count() == 1
    assert WebhookEvent.objects.count() == 1
    assert ledger_verify() == []


def test_refund_before_success_arrives_out_of_order_credits_then_reverses(cards):
    buyer = customer()
    topup = started(buyer).topup
    intent = pay(topup.payment_intent_id)
    refund = stripe_client().v1.refunds.create(
        params={"payment_intent": topup.payment_intent_id, "amount": 10_00}
    )
    charge = stripe_client().v1.charges.retrieve(refund.charge).to_dict()
    assert charge["amount_refunded"] == 10_00
    assert deliver(event("charge.refunded", charge)).status_code == 200
    assert balance(buyer) == 15_00
    assert deliver(event("payment_intent.succeeded", intent)).status_code == 200
    assert balance(buyer) == 15_00  # the late success adds nothing
    # The whole charge refunded later: only the rest is taken back.
    stripe_client().v1.refunds.create(params={"payment_intent": topup.payment_intent_id})
    charge = stripe_client().v1.charges.retrieve(refund.charge).to_dict()
    assert deliver(event("charge.refunded", charge)).status_code == 200
    assert balance(buyer) == 0 and receivable(buyer) == 0
    assert ledger_verify() == []


def test_a_refund_after_spending_leaves_a_receivable_that_the_next_top_up_pays_off(cards, settings):
    """The rule: a reversal never makes a balance negative; what is missing is owed."""
    settings.MIN_TRACK_PRICE_MINOR = 20_00
    (track,) = tracks(1)
    buyer = customer()
    topup = started(buyer).topup
    intent = pay(topup.payment_intent_id)
    deliver(event("payment_intent.succeeded", intent))
    quote = quote_create(customer=buyer, items=[(track, "wav")])
    order_place(customer=buyer, quote=quote, idempotency_key="spend")
    assert balance(buyer) == 5_00
    refund = stripe_client().v1.refunds.create(params={"payment_intent": topup.payment_intent_id})
    charge = stripe_client().v1.charges.retrieve(refund.charge).to_dict()
    assert deliver(event("charge.refunded", charge)).status_code == 200
    assert balance(buyer) == 0 and receivable(buyer) == -20_00
    assert ledger_verify() == []
    # A dispute on the same (fully refunded) charge takes nothing more.
    dispute = {"id": "dp_1", "object": "dispute", "amount": 25_00, "charge": charge["id"],
               "payment_intent": topup.payment_intent_id}  # fmt: skip
    assert deliver(event("charge.dispute.created", dispute)).content == b"nothing to reverse"
    listing = io.StringIO()
    call_command("ledger", "receivables", stdout=listing)
    assert f"{buyer.email}\towes 20.00 USD" in listing.getvalue()
    # The next top-up settles what is owed first.
    second = started(buyer, 30_00).topup
    deliver(event("payment_intent.succeeded", pay(second.payment_intent_id)))
    assert receivable(buyer) == 0 and balance(buyer) == 10_00
    assert ledger_verify() == []


def test_a_dispute_reverses_once(cards):
    buyer = customer()
    topup = started(buyer).topup
    deliver(event("payment_intent.succeeded", pay(topup.payment_intent_id)))
    dispute = {"id": "dp_2", "object": "dispute", "amount": 25_00, "charge": "ch_x",
               "payment_intent": topup.payment_intent_id}  # fmt: skip
    assert deliver(event("charge.dispute.created", dispute)).status_code == 200
    assert deliver(event("charge.dispute.created", dispute)).status_code == 200
    assert balance(buyer) == 0 and receivable(buyer) == 0
    assert Transfer.objects.filter(kind="topup_dispute").count() == 1


def test_the_return_page_never_credits(cards, client):
    buyer = customer()
    client.force_login(buyer)
    response = client.post("/account/balance/card", {"amount": "12.50", "key": "k1"})
    assert response.status_code == 302
    topup = CardTopUp.objects.get()
    assert topup.amount_minor == 12_50
    pay(topup.payment_intent_id)
    page = client.get(response.url).content.decode()
    assert 'data-testid="card-topup-pending"' in page and balance(buyer) == 0


def test_localstripe_delivers_its_own_signed_webhook_end_to_end(cards, live_server, client):
    """The `make run` walk: localstripe signs and posts payment_intent.succeeded itself."""
    import requests

    requests.post(
        f"{cards}/_config/webhooks/tunemeter",
        data={"url": f"{live_server.url}{URL}", "secret": WEBHOOK_SECRET},
        timeout=10,
    ).raise_for_status()
    buyer = customer()
    client.force_login(buyer)
    client.post("/account/balance/card", {"amount": "20.00", "key": "k2"})
    pay(CardTopUp.objects.get().payment_intent_id)
    deadline = time.monotonic() + 20
    while balance(buyer) == 0 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert balance(buyer) == 20_00
    assert CardTopUp.objects.get().status == CardTopUp.SUCCEEDED


def test_any_deposit_pays_a_receivable_off_first_and_a_reused_reference_still_conflicts(cards):
    from tunemeter.ledger.exceptions import TransferConflict
    from tunemeter.shop.payments import credit_manual

    buyer, staff = customer(), customer(staff=True)
    topup = started(buyer).topup
    deliver(event("payment_intent.succeeded", pay(topup.payment_intent_id)))
    order_place(
        customer=buyer,
        quote=quote_create(customer=buyer, items=[(tracks(1)[0], "wav")]),
        idempotency_key="spend",
    )
    spent = 25_00 - balance(buyer)
    dispute = {"id": "dp_3", "amount": 25_00, "payment_intent": topup.payment_intent_id}
    deliver(event("charge.dispute.created", dispute))
    assert (balance(buyer), receivable(buyer)) == (0, -spent)
    credit_manual(
        staff=staff, customer=buyer, amount_minor=10_00, reason="goodwill", reference="g1"
    )
    assert (balance(buyer), receivable(buyer)) == (10_00 - spent, 0)
    # Retrying the same credit returns it; the same reference for another amount conflicts.
    credit_manual(
        staff=staff, customer=buyer, amount_minor=10_00, reason="goodwill", reference="g1"
    )
    with pytest.raises(TransferConflict):
        credit_manual(staff=staff, customer=buyer, amount_minor=9_00, reason="x", reference="g1")
    assert balance(buyer) == 10_00 - spent
    assert ledger_verify() == []


def test_a_bad_card_amount_is_shown_on_the_balance_page_and_creates_nothing(cards, client):
    client.force_login(customer())
    for amount in ("abc", "20.001", "100000.00", "1.00"):
        response = client.post("/account/balance/card", {"amount": amount, "key": "k3"})
        assert response.status_code == 400
        assert 'data-testid="card-topup-form"' in response.content.decode()
    assert "between $5.00 and $500.00" in response.content.decode()
    assert CardTopUp.objects.count() == 0
