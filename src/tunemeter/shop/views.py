"""Render the buyer's cart, checkout, balance and order pages.

Every change is a POST with CSRF; GET pages only read. Checkout makes a quote (POST),
shows it (GET) with a Buy button carrying an idempotency key made when the page was
rendered, so a double click pays once.
"""

from __future__ import annotations

import logging
import uuid
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from tunemeter.display import currency_exponent, format_label, money_display
from tunemeter.httputil import safe_next
from tunemeter.ledger.exceptions import LedgerError
from tunemeter.ledger.selectors import balance_minor
from tunemeter.pricing import figures as pricing
from tunemeter.pricing.exceptions import PricingError
from tunemeter.pricing.selectors import covering, quote_detail
from tunemeter.pricing.services import Item, quote_create, quote_refresh
from tunemeter.shop import cart, receipts
from tunemeter.shop import exceptions as shop_errors
from tunemeter.shop.cards import cards_enabled
from tunemeter.shop.forms import BuyForm, CartAddForm, CartItemForm, GiftCodeForm, TopUpForm
from tunemeter.shop.models import Order
from tunemeter.shop.payments import PROVIDERS, giftcode_redeem
from tunemeter.shop.services import order_place
from tunemeter.transcoding.formats import FORMATS

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------- cart


def _cart_rows(request: HttpRequest) -> tuple[list[dict], int]:
    """Return the cart's rows with fresh figures, and the total of what can be bought.

    A track whose release is in the cart in the same format is covered by it: shown at
    0 with the reason, not counted (the quote prices it the same way).
    """
    items = cart.cart_items(session=request.session)
    objects = cart.cart_objects(items=items)
    items = [item for item in items if item.key in objects]
    covered = covering([(objects[item.key], item.format_id) for item in items])
    currency = settings.STORE_CURRENCY
    rows, total = [], 0
    for position, item in enumerate(items):
        obj = objects[item.key]
        covered_by = objects[items[covered[position]].key] if position in covered else None
        # Showing the cart never encodes: a size not known yet is estimated in the
        # background and the row says "calculating…" (checkout's quote waits for it).
        preview = pricing.preview_or_none(
            customer=request.user, obj=obj, format_id=item.format_id, estimate=False
        )
        figures = pricing.figures(preview, format_id=item.format_id, currency=currency)
        if covered_by is not None:
            figures = pricing.covered_figures(figures, release=covered_by, currency=currency)
        if preview is pricing.PENDING:
            buyable = covered_by is None
        else:
            buyable = bool(preview) and preview.available and not preview.owned
            buyable = buyable and not covered_by
            if buyable:
                total += preview.price_minor
        rows.append(
            {
                "item": item,
                "obj": obj,
                "release": obj if item.kind == "release" else obj.release,
                "figures": figures,
                "buyable": buyable,
                "covered_by": covered_by,
            }
        )
    return rows, total


@require_safe
def cart_page(request: HttpRequest) -> HttpResponse:
    rows, total = _cart_rows(request)
    context = {
        "rows": rows,
        "total_minor": total,
        "currency": settings.STORE_CURRENCY,
        "buyable_count": sum(1 for r in rows if r["buyable"]),
        "pending": any(r["figures"].get("pending") for r in rows),
        "formats": list(FORMATS.values()),
    }
    return render(request, "shop/cart.html", context)


@require_POST
def cart_add(request: HttpRequest) -> HttpResponse:
    form = CartAddForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("That item or format does not exist."))
        return redirect(safe_next(request, reverse("shop:cart")))
    kind, object_id, format_id = (form.cleaned_data[k] for k in ("kind", "id", "format"))
    if "show" in request.POST:
        # The no-JavaScript picker: show this format's size and price, change nothing.
        back = safe_next(request, reverse("storefront:home"))
        query = f"format={format_id}" + (f"&track={object_id}" if kind == "track" else "")
        anchor = f"#track-{object_id}" if kind == "track" else "#buy-release"
        return redirect(f"{back.split('?')[0]}?{query}{anchor}")
    try:
        cart.cart_add(session=request.session, kind=kind, object_id=object_id, format_id=format_id)
    except cart.CartError as exc:
        messages.error(request, str(exc))
        return redirect(safe_next(request, reverse("shop:cart")))
    messages.success(
        request, _("Added to your cart (%(format)s).") % {"format": format_label(format_id)}
    )
    return redirect("shop:cart")


@require_POST
def cart_update(request: HttpRequest) -> HttpResponse:
    """Change an item's format, or remove it (the button pressed says which)."""
    form = CartItemForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("That cart change is not valid."))
        return redirect("shop:cart")
    key = form.cleaned_data["key"]
    if "remove" in request.POST:
        cart.cart_remove(session=request.session, keys=[key])
        messages.success(request, _("Removed from your cart."))
        return redirect("shop:cart")
    format_id = form.cleaned_data["format"]
    if not format_id:
        messages.error(request, _("Choose a format."))
        return redirect("shop:cart")
    try:
        cart.cart_change_format(session=request.session, key=key, format_id=format_id)
    except cart.CartError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("Format changed to %(format)s.") % {"format": format_label(format_id)}
        )
    return redirect("shop:cart")


# ---------------------------------------------------------------- checkout


@login_required
@require_POST
def checkout_start(request: HttpRequest) -> HttpResponse:
    """Quote what the cart holds that can be bought, then show the quote."""
    rows, _total = _cart_rows(request)
    items = [Item(row["obj"], row["item"].format_id) for row in rows if row["buyable"]]
    if not items:
        messages.error(request, _("Nothing in your cart can be bought right now."))
        return redirect("shop:cart")
    try:
        quote = quote_create(customer=request.user, items=items)
    except PricingError as exc:
        messages.error(request, str(exc))
        return redirect("shop:cart")
    return redirect("shop:checkout", quote_id=quote.pk)


def _checkout_context(request: HttpRequest, quote) -> dict:
    currency = quote.currency
    balance = balance_minor(user=request.user, currency=currency)
    shortfall = max(0, quote.total_minor - balance)
    items = list(quote.items.all())
    now = timezone.now()
    topup = (
        reverse("shop:balance")
        + "?"
        + urlencode({"next": reverse("shop:checkout", args=[quote.pk]), "amount_minor": shortfall})
    )
    return {
        "quote": quote,
        "items": items,
        "balance_minor": balance,
        "shortfall_minor": shortfall,
        "currency": currency,
        "expired": quote.expires_at <= now,
        "seconds_left": max(0, int((quote.expires_at - now).total_seconds())),
        "blocked": [i for i in items if not i.available],
        "form": BuyForm(initial={"key": uuid.uuid4().hex}),
        "topup_url": topup,
        "demo_payments": settings.DEMO_PAYMENTS,
    }


@login_required
@require_safe
def checkout(request: HttpRequest, quote_id) -> HttpResponse:
    quote = quote_detail(customer=request.user, quote_id=quote_id)
    if quote is None:
        raise Http404("No such quote")
    if (order := receipts.order_for_quote(customer=request.user, quote_id=quote.pk)) is not None:
        return redirect("shop:order", order_id=order.pk)
    return render(request, "shop/checkout.html", _checkout_context(request, quote))


@login_required
@require_POST
def checkout_refresh(request: HttpRequest, quote_id) -> HttpResponse:
    """Quote the same items again at today's sizes and prices."""
    quote = quote_detail(customer=request.user, quote_id=quote_id)
    if quote is None:
        raise Http404("No such quote")
    fresh = quote_refresh(quote=quote)
    messages.info(request, _("Here are fresh prices, held for another while."))
    return redirect("shop:checkout", quote_id=fresh.pk)


@login_required
@require_POST
def checkout_buy(request: HttpRequest, quote_id) -> HttpResponse:
    """Pay the quote from the balance, once per idempotency key."""
    quote = quote_detail(customer=request.user, quote_id=quote_id)
    if quote is None:
        raise Http404("No such quote")
    form = BuyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("This form is damaged; reload the page."))
        return redirect("shop:checkout", quote_id=quote.pk)
    here = reverse("shop:checkout", args=[quote.pk])
    try:
        order = order_place(
            customer=request.user, quote=quote, idempotency_key=form.cleaned_data["key"]
        )
    except shop_errors.InsufficientFunds as exc:
        messages.error(
            request,
            _("Your balance is short by %(amount)s. Top up, then buy.")
            % {"amount": money_display(exc.needed_minor - exc.balance_minor, exc.currency)},
        )
        return redirect(here)
    except shop_errors.QuoteExpired as exc:
        messages.warning(
            request, _("Those prices had expired. Here are fresh ones: check them and buy again.")
        )
        return redirect("shop:checkout", quote_id=exc.fresh.pk)
    except shop_errors.QuoteStale as exc:
        messages.warning(
            request,
            _("You bought some of these since the prices were made. Here are fresh prices."),
        )
        return redirect("shop:checkout", quote_id=exc.fresh.pk)
    except shop_errors.NotForSale as exc:
        messages.error(request, _("Not for sale in your country: %(reason)s") % {"reason": exc})
        return redirect("shop:cart")
    except shop_errors.CheckoutError as exc:  # includes IdempotencyConflict
        paid = receipts.order_for_quote(customer=request.user, quote_id=quote.pk)
        if paid is not None:
            return redirect("shop:order", order_id=paid.pk)
        logger.warning("checkout refused quote=%s user=%s error=%s", quote.pk, request.user.pk, exc)
        messages.error(request, _("This checkout could not go through; try again."))
        return redirect(here)
    bought = {
        (("track", i.track_id) if i.track_id else ("release", i.release_id), i.format_id)
        for i in quote.items.all()
    }
    cart.cart_remove(
        session=request.session,
        keys=[
            item.key
            for item in cart.cart_items(session=request.session)
            if ((item.kind, item.object_id), item.format_id) in bought
        ],
    )
    messages.success(request, _("Thank you! Your music is ready in your library."))
    return redirect("shop:order", order_id=order.pk)


# ---------------------------------------------------------------- balance and orders


def balance_context(
    request: HttpRequest, topup: TopUpForm | None = None, gift=None, card=None
) -> dict:
    currency = settings.STORE_CURRENCY
    if topup is None:
        initial = {"key": uuid.uuid4().hex}
        try:
            asked = int(request.GET.get("amount_minor", "0"))
        except ValueError:
            asked = 0
        if 0 < asked <= settings.DEMO_MAX_DEPOSIT_MINOR:
            initial["amount"] = Decimal(asked).scaleb(-currency_exponent(currency))
        topup = TopUpForm(initial=initial)
    return {
        "balance_minor": balance_minor(user=request.user, currency=currency),
        "currency": currency,
        "demo_payments": settings.DEMO_PAYMENTS,
        "demo_max_minor": settings.DEMO_MAX_DEPOSIT_MINOR,
        "topup_form": topup,
        "card_payments": cards_enabled(),
        "card_form": card or TopUpForm(initial={"key": uuid.uuid4().hex}, auto_id="card_%s"),
        "card_min_minor": settings.STRIPE_MIN_TOPUP_MINOR,
        "card_max_minor": settings.STRIPE_MAX_TOPUP_MINOR,
        "gift_form": gift or GiftCodeForm(),
        "next": safe_next(request, ""),
    }


@login_required
@require_safe
def balance(request: HttpRequest) -> HttpResponse:
    return render(request, "shop/balance.html", balance_context(request))


@login_required
@require_POST
def balance_topup(request: HttpRequest) -> HttpResponse:
    """Top up with the demo provider (only when demo payments are on), then go back."""
    if not settings.DEMO_PAYMENTS:
        messages.error(request, _("Top-ups are not available in this store."))
        return redirect("shop:balance")
    form = TopUpForm(request.POST)
    if form.is_valid():
        try:
            PROVIDERS["demo"].deposit(
                customer=request.user,
                amount_minor=form.amount_minor,
                reference=form.cleaned_data["key"],
            )
        except (ValueError, LedgerError, PermissionError) as exc:
            logger.warning("top-up refused user=%s error=%s", request.user.pk, exc)
            form.add_error(None, _("This top-up could not be made. Reload the page and retry."))
        else:
            messages.success(
                request,
                _("Added %(amount)s to your balance.")
                % {"amount": money_display(form.amount_minor)},
            )
            return redirect(safe_next(request, reverse("shop:balance")))
    return render(request, "shop/balance.html", balance_context(request, topup=form), status=400)


@login_required
@require_POST
def balance_gift(request: HttpRequest) -> HttpResponse:
    form = GiftCodeForm(request.POST)
    if form.is_valid():
        try:
            giftcode_redeem(customer=request.user, code=form.cleaned_data["code"])
        except shop_errors.GiftCodeError:
            form.add_error("code", _("This gift code does not exist or has already been redeemed."))
        else:
            now_minor = balance_minor(user=request.user, currency=settings.STORE_CURRENCY)
            messages.success(
                request,
                _("Gift code redeemed: your balance is now %(amount)s.")
                % {"amount": money_display(now_minor)},
            )
            return redirect(safe_next(request, reverse("shop:balance")))
    return render(request, "shop/balance.html", balance_context(request, gift=form), status=400)


@login_required
@require_safe
def orders(request: HttpRequest) -> HttpResponse:
    return render(
        request, "shop/orders.html", {"orders": receipts.order_list(customer=request.user)}
    )


@login_required
@require_safe
def order(request: HttpRequest, order_id: int) -> HttpResponse:
    try:
        found, items = receipts.order_receipt(customer=request.user, order_id=order_id)
    except Order.DoesNotExist as exc:
        raise Http404("No such order") from exc
    context = {"order": found, "items": items, "refunded": found.status == Order.REFUNDED}
    return render(request, "shop/receipt.html", context)
