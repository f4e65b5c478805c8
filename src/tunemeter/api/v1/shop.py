"""Route buying: quotes, orders (idempotent), balance, deposits (idempotent), gift codes.

Money-moving operations need an `Idempotency-Key` header (see idempotency.py): a replay
gets the first answer, the same key with another body 422, the same key while the first
request runs 409.
"""

from __future__ import annotations

from uuid import UUID

from django.conf import settings
from ninja import Header, Path, Query, Router, Status

from tunemeter.api.v1.auth import scoped
from tunemeter.api.v1.errors import ApiError
from tunemeter.api.v1.idempotency import idempotent
from tunemeter.api.v1.pagination import DEFAULT_LIMIT, MAX_LIMIT, page
from tunemeter.api.v1.schemas import (
    BalanceOut,
    DepositIn,
    ErrorOut,
    GiftCodeIn,
    OrderIn,
    OrderOut,
    OrderPage,
    QuoteIn,
    QuoteOut,
)
from tunemeter.catalog.selectors import releases_filtered, track_detail
from tunemeter.ledger.exceptions import LedgerError
from tunemeter.ledger.selectors import balance_minor
from tunemeter.pricing.exceptions import PricingError
from tunemeter.pricing.models import Quote
from tunemeter.pricing.selectors import quote_detail
from tunemeter.pricing.services import Item, quote_create
from tunemeter.shop import exceptions as shop_errors
from tunemeter.shop.models import Order
from tunemeter.shop.payments import PROVIDERS, giftcode_redeem
from tunemeter.shop.selectors import orders_of
from tunemeter.shop.services import order_place

router = Router(tags=["buying"])

ERRORS = {code: ErrorOut for code in (400, 401, 402, 403, 404, 409, 410, 413, 422, 429, 451)}
KEY_HEADER = Header(
    ..., alias="Idempotency-Key", min_length=1, max_length=100, description="1-100 characters"
)


def quote_item_out(item) -> dict:
    """Return the fields of a quote item both APIs show (the old one adds its own)."""
    return {
        "track_id": item.track_id,
        "release_id": item.release_id,
        "format": item.format_id,
        "size_bytes": item.size_bytes,
        "exact": item.exact,
        "price_minor": item.price_minor,
        "discount_minor": item.discount_minor,
        "owned": item.owned,
        "available": item.available,
        "unavailable_reason": item.unavailable_reason,
    }


def quote_out(quote: Quote) -> dict:
    return {
        "id": quote.pk,
        "currency": quote.currency,
        "territory": quote.territory,
        "total_minor": quote.total_minor,
        "expires_at": quote.expires_at,
        "items": [quote_item_out(item) for item in quote.items.all()],
    }


def order_out(order: Order) -> dict:
    return {
        "id": order.pk,
        "quote_id": order.quote_id,
        "total_minor": order.total_minor,
        "currency": order.currency,
        "status": order.status,
        "created_at": order.created_at,
    }


def balance_out(user) -> dict:
    currency = settings.STORE_CURRENCY
    return {"currency": currency, "balance_minor": balance_minor(user=user, currency=currency)}


@router.post(
    "/quotes",
    response={201: QuoteOut, **ERRORS},
    auth=scoped("purchase"),
    summary="Make a quote",
    operation_id="quotes_create",
    openapi_extra={
        "responses": {
            201: {
                "links": {
                    "GetQuote": {
                        "operationId": "quotes_get",
                        "parameters": {"quote_id": "$response.body#/id"},
                    },
                    "PayQuote": {
                        "operationId": "orders_create",
                        "requestBody": {"quote_id": "$response.body#/id"},
                    },
                }
            }
        }
    },
)
def quotes_create(request, body: QuoteIn):
    items = []
    for n, item in enumerate(body.items):
        if (item.track_id is None) == (item.release_id is None):
            raise ApiError(422, f"item {n}: name a track_id or a release_id, not both")
        if item.track_id is not None:
            obj = track_detail(track_id=item.track_id)
        else:
            obj = releases_filtered().filter(pk=item.release_id).first()
        if obj is None:
            kind = "track" if item.track_id is not None else "release"
            raise ApiError(404, f"item {n}: no such {kind}")
        items.append(Item(obj, item.format))
    try:
        quote = quote_create(customer=request.auth, items=items)
    except PricingError as exc:
        raise ApiError(422, str(exc)) from None
    return Status(201, quote_out(quote_detail(customer=request.auth, quote_id=quote.pk)))


@router.get(
    "/quotes/{quote_id}",
    response={200: QuoteOut, **ERRORS},
    auth=scoped("read"),
    summary="A quote",
    operation_id="quotes_get",
)
def quotes_get(request, quote_id: UUID):
    quote = quote_detail(customer=request.auth, quote_id=quote_id)
    if quote is None:
        raise ApiError(404, "no such quote")
    return quote_out(quote)


@router.post(
    "/orders",
    response={201: OrderOut, 200: OrderOut, **ERRORS},
    auth=scoped("purchase"),
    summary="Pay a quote from the balance (Idempotency-Key required)",
    operation_id="orders_create",
    openapi_extra={
        "responses": {
            201: {
                "links": {
                    "GetOrder": {
                        "operationId": "orders_get",
                        "parameters": {"order_id": "$response.body#/id"},
                    }
                }
            }
        }
    },
)
def orders_create(request, body: OrderIn, idempotency_key: str = KEY_HEADER):
    user = request.auth

    def run() -> tuple[int, dict]:
        quote = quote_detail(customer=user, quote_id=body.quote_id)
        if quote is None:
            raise ApiError(404, "no such quote")
        try:
            order = order_place(customer=user, quote=quote, idempotency_key=idempotency_key)
        except shop_errors.InsufficientFunds as exc:
            raise ApiError(402, str(exc)) from None
        except shop_errors.QuoteExpired as exc:
            fresh = quote_detail(customer=user, quote_id=exc.fresh.pk)
            raise ApiError(
                410, str(exc), code="quote_expired", detail={"fresh_quote": quote_out(fresh)}
            ) from None
        except shop_errors.QuoteStale as exc:
            fresh = quote_detail(customer=user, quote_id=exc.fresh.pk)
            raise ApiError(
                409, str(exc), code="quote_stale", detail={"fresh_quote": quote_out(fresh)}
            ) from None
        except shop_errors.NotForSale as exc:
            raise ApiError(451, str(exc), code="not_for_sale") from None
        except shop_errors.IdempotencyConflict as exc:
            raise ApiError(422, str(exc), code="idempotency_key_reused") from None
        except shop_errors.CheckoutError as exc:
            raise ApiError(422, str(exc), code="checkout_refused") from None
        return 201, order_out(order)

    status, out = idempotent(
        user=user,
        operation="orders.create",
        key=idempotency_key,
        payload=body.model_dump(mode="json"),
        run=run,
    )
    return Status(status, out)


@router.get("/orders", response={200: OrderPage, **ERRORS}, auth=scoped("read"), summary="Orders")
def orders_list(
    request,
    cursor: str | None = Query(None, max_length=100),
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
):
    return page(orders_of(customer=request.auth), cursor=cursor, limit=limit, render=order_out)


@router.get(
    "/orders/{order_id}",
    response={200: OrderOut, **ERRORS},
    auth=scoped("read"),
    summary="An order",
    operation_id="orders_get",
)
def orders_get(request, order_id: int = Path(..., ge=1, le=2**63 - 1)):
    order = orders_of(customer=request.auth).filter(pk=order_id).first()
    if order is None:
        raise ApiError(404, "no such order")
    return order_out(order)


@router.get(
    "/balance", response={200: BalanceOut, **ERRORS}, auth=scoped("read"), summary="Balance"
)
def balance_get(request):
    return balance_out(request.auth)


@router.post(
    "/deposits",
    response={201: BalanceOut, **ERRORS},
    auth=scoped("purchase"),
    summary="Top up the balance (Idempotency-Key required)",
)
def deposits_create(request, body: DepositIn, idempotency_key: str = KEY_HEADER):
    user = request.auth

    def run() -> tuple[int, dict]:
        provider = PROVIDERS.get(body.provider)
        if provider is None:
            raise ApiError(422, f"unknown payment provider {body.provider!r}")
        try:
            provider.deposit(
                customer=user, amount_minor=body.amount_minor, reference=idempotency_key
            )
        except PermissionError as exc:
            raise ApiError(403, str(exc), code="payments_disabled") from None
        except (ValueError, LedgerError) as exc:
            raise ApiError(422, str(exc), code="deposit_refused") from None
        return 201, balance_out(user)

    status, out = idempotent(
        user=user,
        operation="deposits.create",
        key=idempotency_key,
        payload=body.model_dump(mode="json"),
        run=run,
    )
    return Status(status, out)


@router.post(
    "/giftcodes/redeem",
    response={200: BalanceOut, **ERRORS},
    auth=scoped("purchase"),
    summary="Redeem a gift code (once; redeeming again is harmless)",
)
def giftcodes_redeem(request, body: GiftCodeIn):
    try:
        giftcode_redeem(customer=request.auth, code=body.code)
    except shop_errors.GiftCodeError as exc:
        raise ApiError(422, str(exc), code="giftcode_refused") from None
    return balance_out(request.auth)
