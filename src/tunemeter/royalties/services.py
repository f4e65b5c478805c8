"""Accrue royalties at checkout, reverse them on refunds, release escrow, record payouts.

Accruals live in the ledger in micro-units: a transfer from the store's revenue (its
micro-unit account) to each holder's payable account, or to the holder's escrow
account when the holder had no mandate for that right, territory and moment.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from tunemeter.ledger.models import Account
from tunemeter.ledger.services import Leg, account_get, transfer_post
from tunemeter.ledger.units import micro_per_minor
from tunemeter.rights.models import Mandate, RightsHolder
from tunemeter.rights.selectors import SplitBook, deal_for_sale, mandate_for
from tunemeter.royalties.arithmetic import largest_remainder
from tunemeter.royalties.exceptions import PayoutTooLarge, RoyaltiesError
from tunemeter.royalties.models import EscrowRelease, Payout, RoyaltyLine
from tunemeter.royalties.terms import deal_right_types, royalty_micro

logger = logging.getLogger(__name__)


def holder_account(*, holder_id: int, kind: str, currency: str) -> Account:
    """Return a holder's micro-unit account of a kind (payable, escrow, payouts)."""
    return account_get(
        kind=kind, currency=currency, owner=f"holder:{holder_id}", unit=Account.MICRO
    )


def _holders_lock(holder_ids) -> None:
    """Lock holders' rows, in id order: one holder's escrow is decided by one at a time.

    Accrual (mandate or escrow?), returns (from escrow or payable?) and escrow release
    read what the others write; serialising them per holder keeps each share in exactly
    one place. (SQLite serialises every writer anyway.)
    """
    list(RightsHolder.objects.select_for_update().filter(pk__in=set(holder_ids)).order_by("pk"))


def _paid_micro(lines, currency: str) -> dict[int, int]:
    """Return what the store received for each line net of tax, in micro-units.

    Royalties accrue on net receipts, never on the tax collected for a country. A
    release bought whole may carry a discount: its net price is spread over its tracks
    in proportion to their list prices, exactly (largest remainder).
    """
    per_item = defaultdict(list)
    for line in lines:
        per_item[line.item_id].append(line)
    paid = {}
    for item_lines in per_item.values():
        item = item_lines[0].item
        total = item.net_minor * micro_per_minor(currency)
        weights = [(line.pk, line.price_minor) for line in item_lines]
        if sum(w for _, w in weights) == 0:
            paid.update({line.pk: 0 for line in item_lines})
            continue
        paid.update(largest_remainder(total, weights))
    return paid


def royalties_accrue(
    *, order, lines, territory: str, at: datetime, deals: dict | None = None
) -> list[RoyaltyLine]:
    """Accrue every holder's royalties on an order's lines; call inside the checkout.

    `deals` maps a line's id to the deal the sale gate found for it, so the deal is not
    looked up again; a line missing from it is looked up here. Lines sold without a deal
    (only possible with a permissive sale gate) accrue nothing.
    """
    deals = deals or {}
    currency = order.currency
    lines = [line for line in lines if not line.owned and line.price_minor > 0]
    paid = _paid_micro(lines, currency)
    transfer_id = f"royalties:order:{order.pk}"
    rows: list[RoyaltyLine] = []
    book = SplitBook(line.track for line in lines)
    mandates: dict[tuple[int, str], Mandate | None] = {}  # territory and moment are the order's
    for line in lines:
        track = line.track
        deal = deals.get(line.pk) or deal_for_sale(track=track, territory=territory, at=at)
        if deal is None:
            logger.warning("sale without deal order=%s track=%s", order.pk, track.pk)
            continue
        basis = paid[line.pk]
        terms = deal.terms
        for right_type in deal_right_types(terms):
            royalty, rate = royalty_micro(
                terms=terms, right_type=right_type, basis_micro=basis, length_ms=track.length_ms
            )
            if royalty == 0:
                continue
            shares = book.shares(track=track, right_type=right_type, default_holder=deal.licensor)
            parts = largest_remainder(royalty, [(h.pk, bps) for bps, h in shares])
            for bps, holder in shares:
                if (holder.pk, right_type) not in mandates:
                    _holders_lock([holder.pk])
                    mandates[(holder.pk, right_type)] = mandate_for(
                        holder=holder, right_type=right_type, territory=territory, at=at
                    )
                mandate = mandates[(holder.pk, right_type)]
                rows.append(
                    RoyaltyLine(
                        kind=RoyaltyLine.SALE,
                        order=order,
                        quote_line=line,
                        at=at,
                        territory=territory,
                        track=track,
                        release_id=track.release_id,
                        track_title=track.title[:500],
                        release_title=track.release.title[:500],
                        format_id=line.item.format_id,
                        size_bytes=line.size_bytes,
                        currency=currency,
                        paid_micro=basis,
                        basis_micro=basis,
                        deal=deal,
                        right_type=right_type,
                        rate=rate,
                        royalty_micro=royalty,
                        holder=holder,
                        share_bps=bps,
                        amount_micro=parts[holder.pk],
                        mandate=mandate,
                        escrowed=mandate is None,
                        transfer_id=transfer_id,
                    )
                )
    _post(transfer_id, "royalty_accrual", rows, currency, {"order": order.pk})
    RoyaltyLine.objects.bulk_create(rows)
    logger.info(
        "royalties accrued order=%s lines=%d escrowed=%d",
        order.pk,
        len(rows),
        sum(r.escrowed for r in rows),
    )
    return rows


def _post(transfer_id, kind, rows, currency, metadata):
    """Post rows' amounts from the store's revenue to each holder's payable or escrow."""
    amounts: dict[tuple[int, bool], int] = defaultdict(int)
    for row in rows:
        amounts[(row.holder_id, row.escrowed)] += row.amount_micro
    if not any(amounts.values()):
        return None
    total = sum(amounts.values())
    revenue = account_get(kind=Account.REVENUE, currency=currency, unit=Account.MICRO)
    legs = [Leg(revenue, -total)]
    for (holder_id, escrowed), amount in sorted(amounts.items()):
        kind_ = Account.ESCROW if escrowed else Account.ROYALTIES_PAYABLE
        legs.append(Leg(holder_account(holder_id=holder_id, kind=kind_, currency=currency), amount))
    return transfer_post(transfer_id=transfer_id, kind=kind, legs=legs, metadata=metadata)


# A return restates the sale it reverses; only kind, time, sign and whereabouts differ.
_COPIED_ON_RETURN = (
    "order_id",
    "quote_line_id",
    "territory",
    "track_id",
    "release_id",
    "format_id",
    "track_title",
    "release_title",
    "size_bytes",
    "currency",
    "paid_micro",
    "basis_micro",
    "deal_id",
    "right_type",
    "rate",
    "royalty_micro",
    "holder_id",
    "share_bps",
    "mandate_id",
)


def royalties_reverse(*, order, at: datetime | None = None) -> list[RoyaltyLine]:
    """Return an order's royalties: a negative line for each, from wherever it now sits.

    A share still in escrow leaves escrow; a share already released or payable is taken
    back from the holder's payable balance (which may go negative until new sales).
    """
    at = at or timezone.now()
    _holders_lock(RoyaltyLine.objects.filter(order=order).values_list("holder_id", flat=True))
    originals = list(
        RoyaltyLine.objects.filter(order=order, kind=RoyaltyLine.SALE, reversed_by__isnull=True)
    )
    transfer_id = f"royalties:return:{order.pk}"
    rows = []
    for line in originals:
        still_escrowed = line.escrowed and line.escrow_release_id is None
        copied = {f: getattr(line, f) for f in _COPIED_ON_RETURN}
        rows.append(
            RoyaltyLine(
                **copied,
                kind=RoyaltyLine.RETURN,
                reverses=line,
                at=at,
                amount_micro=-line.amount_micro,
                escrowed=still_escrowed,
                transfer_id=transfer_id,
            )
        )
    _post(transfer_id, "royalty_return", rows, order.currency, {"order": order.pk})
    RoyaltyLine.objects.bulk_create(rows)
    logger.info("royalties returned order=%s lines=%d", order.pk, len(rows))
    return rows


def escrow_release(*, mandate, at: datetime | None = None) -> EscrowRelease | None:
    """Release to a holder the escrowed shares a new mandate covers (sales and their returns)."""
    with transaction.atomic():
        return _escrow_release(mandate, at or timezone.now())


def _escrow_release(mandate, at: datetime) -> EscrowRelease | None:
    holder = mandate.holder
    _holders_lock([holder.pk])
    scope = mandate.scope()
    candidates = RoyaltyLine.objects.filter(
        holder=holder,
        right_type=mandate.right_type,
        kind=RoyaltyLine.SALE,
        escrowed=True,
        escrow_release__isnull=True,
        at__gte=mandate.starts_at,
    ).select_related("reversed_by")
    if mandate.ends_at is not None:
        candidates = candidates.filter(at__lt=mandate.ends_at)
    released: list[RoyaltyLine] = []
    for line in candidates:
        if not scope.covers(line.territory):
            continue
        released.append(line)
        returned = getattr(line, "reversed_by", None)
        if returned is not None and returned.escrowed and returned.escrow_release_id is None:
            released.append(returned)
    if not released:
        return None
    by_currency: dict[str, int] = defaultdict(int)
    for line in released:
        by_currency[line.currency] += line.amount_micro
    if len(by_currency) > 1:
        raise RoyaltiesError("escrow in several currencies: release them one currency at a time")
    ((currency, amount),) = by_currency.items()
    transfer_id = f"escrow-release:mandate:{mandate.pk}"
    if amount:
        transfer_post(
            transfer_id=transfer_id,
            kind="escrow_release",
            legs=[
                Leg(
                    holder_account(holder_id=holder.pk, kind=Account.ESCROW, currency=currency),
                    -amount,
                ),
                Leg(
                    holder_account(
                        holder_id=holder.pk, kind=Account.ROYALTIES_PAYABLE, currency=currency
                    ),
                    amount,
                ),
            ],
            metadata={"mandate": mandate.pk, "holder": holder.pk, "lines": len(released)},
        )
    release = EscrowRelease.objects.create(
        holder=holder,
        mandate=mandate,
        amount_micro=amount,
        currency=currency,
        transfer_id=transfer_id if amount else "",
        at=at,
    )
    updated = RoyaltyLine.objects.filter(
        pk__in=[line.pk for line in released], escrow_release__isnull=True
    ).update(escrow_release=release)
    if updated != len(released):
        raise RoyaltiesError("escrow lines were released concurrently")
    logger.info(
        "escrow released holder=%s mandate=%s lines=%d amount_micro=%d",
        holder.pk,
        mandate.pk,
        len(released),
        amount,
    )
    return release


def payout_record(
    *, holder, amount_minor: int, reference: str, staff, currency: str, at: datetime | None = None
) -> Payout:
    """Record money paid to a holder: a transfer out of their payable balance, never more.

    Idempotent by (holder, reference): recording the same payout again returns it.
    """
    if not staff.is_staff:
        raise PermissionError("only staff may record payouts")
    if amount_minor <= 0:
        raise RoyaltiesError("a payout must be positive")
    reference = reference.strip()
    if not reference:
        raise RoyaltiesError("a payout needs a reference")
    amount_micro = amount_minor * micro_per_minor(currency)
    with transaction.atomic():
        payable = holder_account(
            holder_id=holder.pk, kind=Account.ROYALTIES_PAYABLE, currency=currency
        )
        payable = Account.objects.select_for_update().get(pk=payable.pk)
        existing = Payout.objects.filter(holder=holder, reference=reference).first()
        if existing is not None:
            if existing.amount_minor != amount_minor or existing.currency != currency:
                raise RoyaltiesError(f"payout {reference!r} was recorded with another amount")
            return existing
        if amount_micro > payable.balance_micro:
            raise PayoutTooLarge(
                f"payable balance is {payable.balance_micro} micro-units, less than {amount_micro}"
            )
        # A reference may be 200 characters: the transfer id (also 200) takes its hash.
        digest = hashlib.sha256(reference.encode()).hexdigest()[:32]
        transfer_id = f"payout:{holder.pk}:{digest}"
        transfer_post(
            transfer_id=transfer_id,
            kind="payout",
            legs=[
                Leg(payable, -amount_micro),
                Leg(
                    holder_account(holder_id=holder.pk, kind=Account.PAYOUTS, currency=currency),
                    amount_micro,
                ),
            ],
            metadata={"holder": holder.pk, "reference": reference, "staff": staff.pk},
        )
        payout = Payout.objects.create(
            holder=holder,
            amount_minor=amount_minor,
            currency=currency,
            reference=reference,
            recorded_by=staff,
            transfer_id=transfer_id,
            paid_at=at or timezone.now(),
        )
    logger.info(
        "payout recorded holder=%s amount_minor=%d ref=%s", holder.pk, amount_minor, reference
    )
    return payout


def escrow_release_on_mandate(*, sender, mandate, **kwargs) -> None:
    """Receive rights' mandate_registered: release the escrow the new mandate covers."""
    escrow_release(mandate=mandate)
