"""Check out: pay a quote from the balance, atomically and idempotently; refund by reversal."""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from tunemeter.ledger.models import Account, Transfer
from tunemeter.ledger.services import (
    Leg,
    account_get,
    customer_account,
    transfer_post,
    transfer_reverse,
)
from tunemeter.library.selectors import owned_formats
from tunemeter.library.services import entitlements_grant, entitlements_revoke
from tunemeter.observability import metrics
from tunemeter.pricing.exceptions import QuoteExpired
from tunemeter.pricing.gate import sale_verdict
from tunemeter.pricing.models import Quote, QuoteLine
from tunemeter.pricing.services import quote_refresh
from tunemeter.royalties.services import royalties_accrue, royalties_reverse
from tunemeter.shop.exceptions import CheckoutError, IdempotencyConflict, NotForSale, QuoteStale
from tunemeter.shop.models import Order
from tunemeter.tax.services import tax_account, tax_line_record, tax_lines_reverse

logger = logging.getLogger(__name__)


def _existing(customer, idempotency_key: str, quote: Quote) -> Order | None:
    order = Order.objects.filter(customer=customer, idempotency_key=idempotency_key).first()
    if order is not None and order.quote_id != quote.pk:
        raise IdempotencyConflict("this idempotency key was already used for another quote")
    return order


def order_place(*, customer, quote: Quote, idempotency_key: str) -> Order:
    """Pay a quote from the customer's balance: all or nothing, once per idempotency key.

    Raises QuoteExpired (with a fresh quote), QuoteStale, NotForSale,
    InsufficientFunds or IdempotencyConflict; on any of them nothing is written.
    """
    if quote.customer_id != customer.pk:
        raise CheckoutError("this quote belongs to another customer")
    if (order := _existing(customer, idempotency_key, quote)) is not None:
        return order
    if quote.expires_at <= timezone.now():
        raise QuoteExpired(fresh=quote_refresh(quote=quote))
    try:
        with transaction.atomic():
            return _place(customer, quote, idempotency_key)
    except QuoteStale as exc:
        raise QuoteStale(str(exc), fresh=quote_refresh(quote=quote)) from None
    except IntegrityError:
        # A concurrent request with the same key (or quote) committed first.
        order = _existing(customer, idempotency_key, quote)
        if order is None:
            raise CheckoutError("this quote has already been paid") from None
        return order


def _place(customer, quote: Quote, idempotency_key: str) -> Order:
    currency = quote.currency
    balance = customer_account(user=customer, currency=currency)
    revenue = account_get(kind=Account.REVENUE, currency=currency)
    touched = [balance.pk, revenue.pk]
    tax = None
    if quote.tax_country:
        tax = tax_account(country=quote.tax_country, currency=currency)
        touched.append(tax.pk)
    # Lock every account this transfer touches, in id order as the ledger does, before
    # any check: concurrent checkouts queue here, and a refund locking the same accounts
    # in the same order cannot deadlock with a checkout.
    list(Account.objects.select_for_update().filter(pk__in=touched).order_by("pk"))
    if (order := _existing(customer, idempotency_key, quote)) is not None:
        return order
    if Order.objects.filter(quote=quote).exists():
        raise CheckoutError("this quote has already been paid")
    lines = list(
        QuoteLine.objects.filter(item__quote=quote)
        .select_related("item__quote", "track__release")
        .order_by("item__position", "pk")
    )
    owned = owned_formats(customer=customer, track_ids=[line.track_id for line in lines])
    now = timezone.now()
    deals = {}  # the deal the gate found for each line, handed to accrual
    for line in lines:
        if not line.owned and line.item.format_id in owned.get(line.track_id, ()):
            raise QuoteStale("you bought some of these since the quote", fresh=None)
        verdict = sale_verdict(track=line.track, territory=quote.territory, at=now)
        if verdict.reason is not None:
            raise NotForSale(f"{line.track.title}: {gettext(verdict.reason)}")
        # Conflicting evidence of the buyer's country: the sale must be licensed in both.
        if quote.card_country and quote.card_country != quote.territory:
            other = sale_verdict(track=line.track, territory=quote.card_country, at=now)
            if other.reason is not None:
                raise NotForSale(f"{line.track.title}: {gettext(other.reason)}")
        if verdict.deal is not None:
            deals[line.pk] = verdict.deal
        if not line.item.available:
            # Refused when quoted (priced at 0), sellable now: the quote no longer says
            # what would be bought. Never hand over an item that was quoted as free.
            raise QuoteStale("availability changed since the quote", fresh=None)
    transfer = None
    if quote.total_minor > 0:
        # The buyer pays gross; the store keeps the net; the tax is owed to the country.
        legs = [Leg(balance, -quote.total_minor), Leg(revenue, quote.total_minor - quote.tax_minor)]
        if tax is not None:
            legs.append(Leg(tax, quote.tax_minor))
        transfer = transfer_post(
            transfer_id=f"order:{customer.pk}:{idempotency_key}",
            kind="purchase",
            legs=legs,
            metadata={"customer": customer.pk, "quote": str(quote.pk)},
        )
    order = Order.objects.create(
        customer=customer,
        quote=quote,
        idempotency_key=idempotency_key,
        total_minor=quote.total_minor,
        currency=currency,
        transfer_id=transfer.pk if transfer else "",
    )
    tax_line_record(
        reference=f"order:{order.pk}",
        country=quote.tax_country,
        rate_bps=quote.tax_rate_bps,
        currency=currency,
        net_minor=quote.total_minor - quote.tax_minor,
        tax_minor=quote.tax_minor,
        transfer=transfer,
    )
    royalties_accrue(order=order, lines=lines, territory=quote.territory, at=now, deals=deals)
    entitlements_grant(order=order, lines=[line for line in lines if not line.owned])
    logger.info("order placed id=%s customer=%s total=%d", order.pk, customer.pk, order.total_minor)
    transaction.on_commit(metrics.ORDERS.inc)  # counted once it is real
    return order


def order_refund(*, order: Order, staff, reason: str) -> Order:
    """Refund an order (staff only): reverse its payment and royalties, revoke its entitlements."""
    if not staff.is_staff:
        raise PermissionError("only staff may refund")
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.status == Order.REFUNDED:
            return order
        if order.transfer_id:
            # The reversal returns the tax from the country's account too.
            reversal = transfer_reverse(
                transfer=Transfer.objects.get(pk=order.transfer_id),
                transfer_id=f"refund:{order.pk}",
                kind="refund",
                metadata={"staff": staff.pk, "reason": reason, "order": order.pk},
            )
            tax_lines_reverse(reference=f"order:{order.pk}", transfer=reversal)
        royalties_reverse(order=order)
        entitlements_revoke(order=order)
        order.status = Order.REFUNDED
        order.save(update_fields=["status"])
        logger.info("order refunded id=%s staff=%s", order.pk, staff.pk)
        transaction.on_commit(metrics.REFUNDS.inc)
    return order
