"""Render card top-ups: start one (POST), its payment page, and Stripe's webhook endpoint.

Only the webhook credits a balance; the payment page and the return to it only show
what the webhooks have done so far.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from tunemeter.ledger.selectors import balance_minor
from tunemeter.shop import views
from tunemeter.shop.cards import CardPaymentError, card_topup_start, cards_enabled
from tunemeter.shop.forms import TopUpForm
from tunemeter.shop.models import CardTopUp
from tunemeter.shop.webhooks import WebhookRefused, webhook_receive

logger = logging.getLogger(__name__)


@login_required
@require_POST
def card_topup(request: HttpRequest) -> HttpResponse:
    """Create a PaymentIntent for the amount asked, then show its payment page."""
    if not cards_enabled():
        raise Http404("card payments are not configured")
    form = TopUpForm(request.POST, auto_id="card_%s")
    if form.is_valid():
        try:
            started = card_topup_start(
                customer=request.user,
                amount_minor=form.amount_minor,
                reference=form.cleaned_data["key"],
            )
        except CardPaymentError as exc:
            form.add_error("amount", str(exc))
    if form.errors:
        context = views.balance_context(request, card=form)
        return render(request, "shop/balance.html", context, status=400)
    request.session[f"card:{started.topup.payment_intent_id}"] = started.client_secret
    return redirect("shop:card_topup_page", payment_intent_id=started.topup.payment_intent_id)


@login_required
@require_safe
def card_topup_page(request: HttpRequest, payment_intent_id: str) -> HttpResponse:
    """Show a top-up: the card form (Stripe.js) until a webhook credits it, then the result."""
    topup = CardTopUp.objects.filter(
        payment_intent_id=payment_intent_id, customer_id=request.user.pk
    ).first()
    if topup is None:
        raise Http404("no such top-up")
    currency = settings.STORE_CURRENCY
    return render(
        request,
        "shop/card_topup.html",
        {
            "topup": topup,
            "client_secret": request.session.get(f"card:{payment_intent_id}", ""),
            "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
            # Stripe.js is served by Stripe only: against a local fake the page says how to
            # confirm the intent instead (README, "Card top-ups").
            "use_stripe_js": not settings.STRIPE_API_BASE,
            "balance_minor": balance_minor(user=request.user, currency=currency),
            "currency": currency,
        },
    )


@csrf_exempt  # Stripe cannot send a CSRF token; the signature authenticates the request.
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """Apply a signed Stripe event once (200), or refuse it (400) and apply nothing."""
    try:
        outcome = webhook_receive(
            payload=request.body, signature=request.headers.get("Stripe-Signature", "")
        )
    except WebhookRefused as exc:
        return HttpResponse(f"refused: {exc}", status=400, content_type="text/plain")
    return HttpResponse(outcome, content_type="text/plain")
