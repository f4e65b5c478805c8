"""Top up a balance by card through Stripe PaymentIntents; credit only from verified webhooks.

Flow: `card_topup_start` creates a PaymentIntent (amount bounded, store currency, the
customer and top-up in its metadata) and a CardTopUp row; the buyer pays it in the
browser with Stripe.js (or, against a local fake, by confirming it); Stripe then sends
`payment_intent.succeeded`, which `tunemeter.shop.webhooks` verifies and hands to
`card_topup_credit`. The redirect back from the payment page never credits anything.

Ledger rules (idempotency keys are transfer ids):
- credit: `topup:stripe:<payment intent>` — clearing → (receivable first, then) balance;
- refund: `topup-refund:stripe:<payment intent>:<cumulative refunded>` — the new part;
- dispute: `topup-dispute:stripe:<dispute id>` — the disputed amount.
A reversal takes what it can from the customer's balance, which never goes negative; the
rest is posted to the customer's receivable account (a negative balance: what they owe
the store), listed by `tunemeter ledger receivables`. A later top-up pays the receivable
off before anything reaches the balance.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import stripe
from django.conf import settings
from django.db import transaction

from tunemeter.customers.services import customer_card_country_record
from tunemeter.display import money_display
from tunemeter.ledger.models import Transfer
from tunemeter.ledger.services import Leg, transfer_post
from tunemeter.shop.models import CardTopUp
from tunemeter.shop.payments import balance_credit, customer_money_accounts

logger = logging.getLogger(__name__)


class CardPaymentError(Exception):
    """A card top-up that cannot be started (bad amount, provider not configured or down)."""


def cards_enabled() -> bool:
    """Return True when Stripe keys are configured: only then are card top-ups offered."""
    return bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_WEBHOOK_SECRET)


def stripe_client() -> stripe.StripeClient:
    """Return a Stripe client for the configured key (and API base, for a local fake)."""
    if not cards_enabled():
        raise CardPaymentError("card payments are not configured")
    base = settings.STRIPE_API_BASE
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        max_network_retries=2,
        base_addresses={"api": base} if base else {},
    )


@dataclass(frozen=True)
class TopUpStarted:
    """What the payment page needs: the intent's id and client secret."""

    topup: CardTopUp
    client_secret: str


def card_topup_start(*, customer, amount_minor: int, reference: str) -> TopUpStarted:
    """Create a PaymentIntent for a top-up of amount_minor (store currency); nothing is credited.

    `reference` is the Stripe idempotency key of the creation: the same form posted twice
    makes one PaymentIntent.
    """
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int):
        raise CardPaymentError("the amount must be a whole number of minor units")
    low, high = settings.STRIPE_MIN_TOPUP_MINOR, settings.STRIPE_MAX_TOPUP_MINOR
    if not low <= amount_minor <= high:
        raise CardPaymentError(
            f"a card top-up is between {money_display(low)} and {money_display(high)}"
        )
    currency = settings.STORE_CURRENCY
    try:
        intent = stripe_client().v1.payment_intents.create(
            params={  # type: ignore[typeddict-unknown-key]  # the stubs omit a documented key
                "amount": amount_minor,
                "currency": currency.lower(),
                "payment_method_types": ["card"],
                "metadata": {"tunemeter_customer": str(customer.pk)},
            },
            options={"idempotency_key": f"topup:{customer.pk}:{reference}"[:255]},
        )
    except stripe.StripeError as exc:
        logger.warning("card top-up not started user=%s error=%s", customer.pk, exc)
        raise CardPaymentError("the card payment provider did not answer; try again") from exc
    topup, _ = CardTopUp.objects.get_or_create(
        payment_intent_id=intent.id,
        defaults={"customer": customer, "amount_minor": amount_minor, "currency": currency},
    )
    logger.info(
        "card top-up started user=%s intent=%s amount=%d", customer.pk, intent.id, amount_minor
    )
    return TopUpStarted(topup=topup, client_secret=intent.client_secret or "")


def _nonzero(*legs: Leg) -> list[Leg]:
    return [leg for leg in legs if leg.amount_in_unit]


def _locked(payment_intent_id: str) -> CardTopUp | None:
    return CardTopUp.objects.select_for_update().filter(payment_intent_id=payment_intent_id).first()


def _locked_known(payment_intent_id: str) -> CardTopUp:
    """Return the top-up row, locked (it exists: the caller found it first)."""
    return CardTopUp.objects.select_for_update().get(payment_intent_id=payment_intent_id)


def card_topup_credit(
    *, payment_intent_id: str, amount_minor: int, currency: str, card_country: str, event_id: str
) -> Transfer | None:
    """Credit a succeeded top-up once; return its transfer (None: unknown or mismatched intent).

    Call only with facts from a verified webhook. A receivable (a reversed payment the
    customer had already spent) is paid off first.
    """
    with transaction.atomic():
        topup = _locked(payment_intent_id)
        if topup is None:
            logger.warning("webhook for an unknown payment intent=%s", payment_intent_id)
            return None
        if amount_minor != topup.amount_minor or currency.upper() != topup.currency:
            logger.error(
                "webhook amount mismatch intent=%s got=%d %s expected=%d %s",
                payment_intent_id,
                amount_minor,
                currency,
                topup.amount_minor,
                topup.currency,
            )
            return None
        transfer = balance_credit(
            customer=topup.customer,
            amount_minor=amount_minor,
            currency=topup.currency,
            transfer_id=f"topup:stripe:{payment_intent_id}",
            kind="deposit",
            metadata={
                "provider": "stripe",
                "payment_intent": payment_intent_id,
                "event": event_id,
            },
        )
        topup.status = CardTopUp.SUCCEEDED
        topup.card_country = card_country or topup.card_country
        topup.save(update_fields=["status", "card_country"])
        if card_country:
            customer_card_country_record(user=topup.customer, country=card_country)
    logger.info(
        "card top-up credited user=%s intent=%s amount=%d",
        topup.customer_id,
        payment_intent_id,
        amount_minor,
    )
    return transfer


def _reverse(topup: CardTopUp, amount_minor: int, transfer_id: str, kind: str, meta: dict):
    """Take amount back: from the balance as far as it goes, the rest onto the receivable."""
    clearing, balance, receivable = customer_money_accounts(
        customer=topup.customer, currency=topup.currency
    )
    assert receivable is not None  # created on request
    from_balance = min(balance.balance_minor, amount_minor)
    owed = amount_minor - from_balance
    transfer = transfer_post(
        transfer_id=transfer_id,
        kind=kind,
        legs=_nonzero(
            Leg(clearing, amount_minor), Leg(balance, -from_balance), Leg(receivable, -owed)
        ),
        metadata={"provider": "stripe", "customer": topup.customer_id, "owed": owed, **meta},
    )
    log = logger.warning if owed else logger.info
    log(
        "card top-up reversed kind=%s user=%s intent=%s amount=%d receivable=%d",
        kind,
        topup.customer_id,
        topup.payment_intent_id,
        amount_minor,
        owed,
    )
    return transfer


def card_topup_refund(
    *, payment_intent_id: str, refunded_total_minor: int, event_id: str, card_country: str = ""
) -> Transfer | None:
    """Reverse what a refund newly took back (Stripe reports the charge's cumulative refund).

    A refund reported before the success event credits the top-up first: a refunded
    charge had succeeded.
    """
    topup = CardTopUp.objects.filter(payment_intent_id=payment_intent_id).first()
    if topup is None:
        logger.warning("refund for an unknown payment intent=%s", payment_intent_id)
        return None
    card_topup_credit(
        payment_intent_id=payment_intent_id,
        amount_minor=topup.amount_minor,
        currency=topup.currency,
        card_country=card_country,
        event_id=event_id,
    )
    with transaction.atomic():
        topup = _locked_known(payment_intent_id)
        room = topup.amount_minor - topup.refunded_minor - topup.disputed_minor
        new = min(refunded_total_minor - topup.refunded_minor, room)
        if new <= 0:
            return None
        transfer = _reverse(
            topup,
            new,
            f"topup-refund:stripe:{payment_intent_id}:{refunded_total_minor}",
            "topup_refund",
            {"payment_intent": payment_intent_id, "event": event_id},
        )
        topup.refunded_minor += new
        topup.save(update_fields=["refunded_minor"])
    return transfer


def card_topup_dispute(
    *, payment_intent_id: str, dispute_id: str, amount_minor: int, event_id: str
) -> Transfer | None:
    """Reverse a disputed amount once per dispute (the bank took it back from the store)."""
    topup = CardTopUp.objects.filter(payment_intent_id=payment_intent_id).first()
    if topup is None:
        logger.warning("dispute for an unknown payment intent=%s", payment_intent_id)
        return None
    card_topup_credit(
        payment_intent_id=payment_intent_id,
        amount_minor=topup.amount_minor,
        currency=topup.currency,
        card_country="",
        event_id=event_id,
    )
    with transaction.atomic():
        topup = _locked_known(payment_intent_id)
        transfer_id = f"topup-dispute:stripe:{dispute_id}"
        if Transfer.objects.filter(pk=transfer_id).exists():
            return None
        room = topup.amount_minor - topup.refunded_minor - topup.disputed_minor
        amount = min(amount_minor, room)
        if amount <= 0:
            return None
        transfer = _reverse(
            topup,
            amount,
            transfer_id,
            "topup_dispute",
            {"payment_intent": payment_intent_id, "dispute": dispute_id, "event": event_id},
        )
        topup.disputed_minor += amount
        topup.save(update_fields=["disputed_minor"])
    return transfer
