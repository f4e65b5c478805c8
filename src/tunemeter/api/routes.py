"""Route the JSON API: formats, quotes, orders, deposits, gift codes, balance.

Money-moving requests take an `Idempotency-Key` header: the same key gives the same
result, whatever the network did to the first answer.
"""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import get_object_or_404
from ninja import Header, NinjaAPI, Status
from ninja.security import django_auth

from tunemeter.api.schemas import (
    BalanceOut,
    DepositIn,
    ErrorOut,
    FormatOut,
    GiftCodeIn,
    OrderIn,
    OrderOut,
    QuoteIn,
    QuoteOut,
)
from tunemeter.api.v1.shop import quote_item_out
from tunemeter.catalog.models import Release, Track
from tunemeter.ledger.exceptions import LedgerError
from tunemeter.ledger.selectors import balance_minor
from tunemeter.pricing.exceptions import PricingError
from tunemeter.pricing.models import Quote
from tunemeter.pricing.rates import rate_minor_per_mb
from tunemeter.pricing.selectors import quote_item_note
from tunemeter.pricing.services import Item, quote_create
from tunemeter.shop import exceptions as shop_errors
from tunemeter.shop.payments import PROVIDERS, giftcode_redeem
from tunemeter.shop.services import order_place
from tunemeter.transcoding.formats import FORMATS

api = NinjaAPI(title="Tunemeter", version="1", auth=django_auth, urls_namespace="api")

MAX_KEY_LENGTH = 100


def _bad_key(key: str) -> Status | None:
    """Refuse keys that could not be stored whole: truncating would merge distinct requests."""
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        return Status(
            422, {"detail": f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable characters"}
        )
    return None


def _quote_out(quote: Quote) -> dict:
    return {
        "id": quote.pk,
        "currency": quote.currency,
        "total_minor": quote.total_minor,
        "expires_at": quote.expires_at,
        "items": [
            {
                **quote_item_out(item),
                "credit_minor": item.credit_minor,
                "covered_by_release_id": item.covered_by.release_id if item.covered_by else None,
                "note": quote_item_note(item=item),
            }
            for item in quote.items.select_related("covered_by").order_by("position")
        ],
    }


@api.get("/formats", response=list[FormatOut], auth=None)
def formats(request):
    return [
        {
            "id": f.id,
            "label": f.label,
            "mode": f.mode,
            "extension": f.extension,
            "rate_minor_per_mb": rate_minor_per_mb(f.id),
        }
        for f in FORMATS.values()
    ]


@api.post("/quotes", response={201: QuoteOut, 422: ErrorOut})
def quotes_create(request, body: QuoteIn):
    items = []
    for item in body.items:
        if (item.track_id is None) == (item.release_id is None):
            return Status(422, {"detail": "each item names a track_id or a release_id"})
        obj = (
            get_object_or_404(Track, pk=item.track_id)
            if item.track_id
            else get_object_or_404(Release, pk=item.release_id)
        )
        items.append(Item(obj, item.format))
    try:
        quote = quote_create(customer=request.auth, items=items)
    except PricingError as exc:
        return Status(422, {"detail": str(exc)})
    return Status(201, _quote_out(quote))


@api.post(
    "/orders",
    response={
        201: OrderOut,
        402: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        410: ErrorOut,
        422: ErrorOut,
        451: ErrorOut,
    },
)
def orders_create(
    request, body: OrderIn, idempotency_key: str = Header(..., alias="Idempotency-Key")
):
    if (refused := _bad_key(idempotency_key)) is not None:
        return refused
    quote = get_object_or_404(Quote, pk=body.quote_id, customer=request.auth)
    try:
        order = order_place(customer=request.auth, quote=quote, idempotency_key=idempotency_key)
    except shop_errors.InsufficientFunds as exc:
        return Status(402, {"detail": str(exc)})
    except shop_errors.QuoteExpired as exc:
        return Status(410, {"detail": str(exc), "fresh_quote": _quote_out(exc.fresh)})
    except shop_errors.QuoteStale as exc:
        return Status(409, {"detail": str(exc), "fresh_quote": _quote_out(exc.fresh)})
    except shop_errors.NotForSale as exc:
        return Status(451, {"detail": str(exc)})
    except (shop_errors.IdempotencyConflict, shop_errors.CheckoutError) as exc:
        return Status(422, {"detail": str(exc)})
    return Status(
        201,
        {
            "id": order.pk,
            "quote_id": order.quote_id,
            "total_minor": order.total_minor,
            "currency": order.currency,
            "status": order.status,
        },
    )


@api.post("/deposits", response={201: BalanceOut, 403: ErrorOut, 422: ErrorOut})
def deposits_create(
    request, body: DepositIn, idempotency_key: str = Header(..., alias="Idempotency-Key")
):
    if (refused := _bad_key(idempotency_key)) is not None:
        return refused
    provider = PROVIDERS.get(body.provider)
    if provider is None:
        return Status(422, {"detail": f"unknown payment provider {body.provider!r}"})
    try:
        provider.deposit(
            customer=request.auth, amount_minor=body.amount_minor, reference=idempotency_key
        )
    except PermissionError as exc:
        return Status(403, {"detail": str(exc)})
    except (ValueError, LedgerError) as exc:  # LedgerError: the key was used for another amount
        return Status(422, {"detail": str(exc)})
    return Status(201, _balance(request))


@api.post("/giftcodes/redeem", response={200: BalanceOut, 422: ErrorOut})
def giftcodes_redeem(request, body: GiftCodeIn):
    try:
        giftcode_redeem(customer=request.auth, code=body.code)
    except shop_errors.GiftCodeError as exc:
        return Status(422, {"detail": str(exc)})
    return Status(200, _balance(request))


@api.get("/balance", response=BalanceOut)
def balance(request):
    return _balance(request)


def _balance(request) -> dict:
    currency = settings.STORE_CURRENCY
    return {
        "currency": currency,
        "balance_minor": balance_minor(user=request.auth, currency=currency),
    }
