"""Receive Stripe webhooks: verify each event, then apply it exactly once.

Verification follows Stripe's scheme ("Check the webhook signatures", docs.stripe.com/
webhooks#verify-events): the `Stripe-Signature` header carries `t=<unix time>` and one or
more `v1=<hex>`; v1 is HMAC-SHA256 with the endpoint secret over `<t>.<raw body>`, and
an event whose t is further than the tolerance from now is refused (replay). The
official library's `stripe.Webhook.construct_event` does exactly this (constant-time
comparison). Beyond the signature the store refuses events of another account (a
Connect `account` other than STRIPE_ACCOUNT_ID) and of the other mode (live events
with a test key and the reverse). A refused event gets 400, is logged, moves nothing.

Exactly once: the event id is recorded (unique) in the transaction that applies it, and
every ledger transfer has an id derived from the payment intent, refund total or
dispute: a duplicate, a replay under a new event id, or twenty concurrent deliveries
credit once.
"""

from __future__ import annotations

import json
import logging
import time

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction

from tunemeter.shop.cards import (
    card_topup_credit,
    card_topup_dispute,
    card_topup_refund,
    stripe_client,
)
from tunemeter.shop.models import WebhookEvent

logger = logging.getLogger(__name__)


class WebhookRefused(Exception):
    """An event that failed verification: answer 400, apply nothing."""


def webhook_verify(*, payload: bytes, signature: str) -> dict:
    """Return the event as a dict when its signature, age, account and mode check out."""
    if not settings.STRIPE_WEBHOOK_SECRET:
        raise WebhookRefused("card payments are not configured")
    if not signature:
        raise WebhookRefused("no Stripe-Signature header")
    try:
        stripe.Webhook.construct_event(
            payload,
            signature,
            settings.STRIPE_WEBHOOK_SECRET,
            tolerance=settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS,
        )
        event = json.loads(payload)
    except (stripe.SignatureVerificationError, ValueError) as exc:
        raise WebhookRefused(f"signature: {exc}") from None
    # The library refuses only old timestamps; a signature dated ahead is refused too.
    stamps = [p[2:] for p in signature.split(",") if p.startswith("t=")]
    if not stamps or abs(time.time() - int(stamps[0])) > settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS:
        raise WebhookRefused("signature timestamp outside the tolerance")
    if not isinstance(event, dict) or not isinstance(event.get("data"), dict):
        raise WebhookRefused("not an event")
    account = event.get("account") or ""
    if account != (settings.STRIPE_ACCOUNT_ID if account else ""):
        raise WebhookRefused(f"event of another account {account!r}")
    live_key = settings.STRIPE_SECRET_KEY.startswith(("sk_live_", "rk_live_"))
    if bool(event.get("livemode")) != live_key:
        raise WebhookRefused("event of the other mode (live/test)")
    return event


def _card_country(intent: dict) -> str:
    """Return the card's country from a PaymentIntent (expanded latest charge or charges)."""
    charge = intent.get("latest_charge")
    if not isinstance(charge, dict):
        charges = (intent.get("charges") or {}).get("data") or [None]
        charge = charges[0]
    if not isinstance(charge, dict):
        return ""
    card = (charge.get("payment_method_details") or {}).get("card") or {}
    if card.get("country"):
        return str(card["country"])
    # An event without the charge's details (older API versions, local fakes): ask for the
    # payment method. Evidence only: when Stripe does not answer, the credit goes on.
    method = charge.get("payment_method")
    if not isinstance(method, str) or not method:
        return ""
    try:
        found = stripe_client().v1.payment_methods.retrieve(method)
    except stripe.StripeError as exc:
        logger.warning("card country not read method=%s error=%s", method, exc)
        return ""
    return str((found.to_dict().get("card") or {}).get("country") or "")


def _apply(event: dict, card_country: str) -> str:
    kind, obj, event_id = event.get("type", ""), event["data"].get("object") or {}, event["id"]
    if kind == "payment_intent.succeeded":
        transfer = card_topup_credit(
            payment_intent_id=obj["id"],
            amount_minor=int(obj.get("amount_received") or obj["amount"]),
            currency=obj["currency"],
            card_country=card_country,
            event_id=event_id,
        )
        return f"credited {transfer.pk}" if transfer else "not credited"
    if kind == "checkout.session.completed":
        if obj.get("payment_status") != "paid" or not obj.get("payment_intent"):
            return "session not paid"
        transfer = card_topup_credit(
            payment_intent_id=obj["payment_intent"],
            amount_minor=int(obj["amount_total"]),
            currency=obj["currency"],
            card_country="",
            event_id=event_id,
        )
        return f"credited {transfer.pk}" if transfer else "not credited"
    if kind == "charge.refunded":
        transfer = card_topup_refund(
            payment_intent_id=obj.get("payment_intent") or "",
            refunded_total_minor=int(obj["amount_refunded"]),
            event_id=event_id,
            card_country=((obj.get("payment_method_details") or {}).get("card") or {}).get(
                "country"
            )
            or "",
        )
        return f"refunded {transfer.pk}" if transfer else "nothing to refund"
    if kind == "charge.dispute.created":
        transfer = card_topup_dispute(
            payment_intent_id=obj.get("payment_intent") or "",
            dispute_id=obj["id"],
            amount_minor=int(obj["amount"]),
            event_id=event_id,
        )
        return f"disputed {transfer.pk}" if transfer else "nothing to reverse"
    return "ignored"


def webhook_receive(*, payload: bytes, signature: str) -> str:
    """Verify and apply one delivery; return what was done. Raise WebhookRefused (→ 400)."""
    try:
        event = webhook_verify(payload=payload, signature=signature)
    except WebhookRefused as exc:
        logger.warning("stripe webhook refused reason=%s bytes=%d", exc, len(payload))
        raise
    event_id = str(event.get("id") or "")
    if not event_id:
        raise WebhookRefused("event without id")
    if WebhookEvent.objects.filter(event_id=event_id).exists():
        return "duplicate"
    card_country = ""
    if event.get("type") == "payment_intent.succeeded":
        # Read before the transaction: no network call while holding database locks.
        card_country = _card_country(event["data"].get("object") or {})
    try:
        with transaction.atomic():
            if WebhookEvent.objects.filter(event_id=event_id).exists():
                return "duplicate"
            record = WebhookEvent.objects.create(event_id=event_id, type=event.get("type", ""))
            outcome = _apply(event, card_country)
            WebhookEvent.objects.filter(pk=record.pk).update(outcome=outcome[:200])
    except IntegrityError:
        # The same event, delivered concurrently, was applied by the other delivery.
        return "duplicate"
    except (KeyError, TypeError, ValueError) as exc:
        logger.warning("stripe webhook malformed event=%s error=%r", event_id, exc)
        raise WebhookRefused(f"malformed event: {exc!r}") from None
    logger.info("stripe webhook event=%s type=%s outcome=%s", event_id, event.get("type"), outcome)
    return outcome
