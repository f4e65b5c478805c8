"""Move money: post balanced, idempotent transfers and keep balances in the same transaction."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F

from tunemeter.ledger.exceptions import (
    AmountOutOfBounds,
    InsufficientFunds,
    TransferConflict,
    UnbalancedTransfer,
)
from tunemeter.ledger.models import Account, Entry, Transfer
from tunemeter.ledger.units import MAX_ENTRY

logger = logging.getLogger(__name__)

STORE = "store"


@dataclass(frozen=True)
class Leg:
    """One side of a transfer: a signed amount on an account, in the account's unit."""

    account: Account
    amount_in_unit: int


def account_get(
    *, kind: str, currency: str, owner: str = STORE, customer=None, unit: str = Account.MINOR
) -> Account:
    """Return the account of this kind, currency, unit and owner, creating it if needed."""
    try:
        with transaction.atomic():
            account, _ = Account.objects.get_or_create(
                kind=kind,
                currency=currency,
                unit=unit,
                owner=owner,
                defaults={"customer": customer},
            )
    except IntegrityError:  # created by a concurrent request
        account = Account.objects.get(kind=kind, currency=currency, unit=unit, owner=owner)
    return account


def customer_account(*, user, currency: str) -> Account:
    """Return a customer's balance account in a currency."""
    return account_get(
        kind=Account.CUSTOMER, currency=currency, owner=f"customer:{user.pk}", customer=user
    )


def _same_legs(transfer: Transfer, legs: list[Leg]) -> bool:
    posted = sorted(transfer.entries.values_list("account_id", "amount_in_unit"))
    return posted == sorted((leg.account.pk, leg.amount_in_unit) for leg in legs)


def transfer_post(
    *,
    transfer_id: str,
    kind: str,
    legs: list[Leg],
    metadata: dict | None = None,
    reverses: Transfer | None = None,
) -> Transfer:
    """Post a balanced transfer, or return the one already posted under this id.

    The id is the idempotency key: posting it again with the same legs returns the
    first transfer, with other legs raises TransferConflict. Customer balances may
    not go below zero (InsufficientFunds; nothing is written).
    """
    totals: dict[tuple[str, str], int] = defaultdict(int)
    for leg in legs:
        if type(leg.amount_in_unit) is not int or abs(leg.amount_in_unit) > MAX_ENTRY:
            raise AmountOutOfBounds(f"transfer {transfer_id}: bad amount {leg.amount_in_unit!r}")
        if leg.amount_in_unit == 0:
            continue
        totals[(leg.account.currency, leg.account.unit)] += leg.amount_in_unit
    if any(totals.values()) or not legs:
        raise UnbalancedTransfer(f"transfer {transfer_id} does not sum to zero: {dict(totals)}")
    try:
        with transaction.atomic():
            return _post(transfer_id, kind, legs, metadata or {}, reverses)
    except IntegrityError:
        # A concurrent request posted the same id first: that one stands.
        existing = Transfer.objects.filter(pk=transfer_id).first()
        if existing is None:
            raise
        if not _same_legs(existing, legs):
            raise TransferConflict(
                f"transfer {transfer_id} was posted with other entries"
            ) from None
        return existing


def _post(
    transfer_id: str, kind: str, legs: list[Leg], metadata: dict, reverses: Transfer | None
) -> Transfer:
    existing = Transfer.objects.filter(pk=transfer_id).first()
    if existing is not None:
        if not _same_legs(existing, legs):
            raise TransferConflict(f"transfer {transfer_id} was posted with other entries")
        return existing
    amounts: dict[int, int] = defaultdict(int)
    for leg in legs:
        amounts[leg.account.pk] += leg.amount_in_unit
    # Lock in id order so two transfers touching the same accounts cannot deadlock.
    locked = {
        a.pk: a for a in Account.objects.select_for_update().filter(pk__in=amounts).order_by("pk")
    }
    for account_id, amount in amounts.items():
        account = locked[account_id]
        if account.kind == Account.CUSTOMER and account.balance_minor + amount < 0:
            raise InsufficientFunds(
                balance_minor=account.balance_minor, needed_minor=-amount, currency=account.currency
            )
    transfer = Transfer.objects.create(
        id=transfer_id, kind=kind, metadata=metadata, reverses=reverses
    )
    Entry.objects.bulk_create(
        Entry(
            transfer=transfer,
            account=leg.account,
            amount_in_unit=leg.amount_in_unit,
            currency=leg.account.currency,
        )
        for leg in legs
        if leg.amount_in_unit != 0
    )
    for account_id, amount in amounts.items():
        Account.objects.filter(pk=account_id).update(balance_in_unit=F("balance_in_unit") + amount)
    logger.info("transfer posted id=%s kind=%s legs=%d", transfer_id, kind, len(legs))
    return transfer


def transfer_reverse(
    *, transfer: Transfer, transfer_id: str, kind: str, metadata: dict | None = None
) -> Transfer:
    """Post the exact opposite of a transfer (a refund, a correction); idempotent by id."""
    legs = [
        Leg(account=e.account, amount_in_unit=-e.amount_in_unit)
        for e in transfer.entries.select_related("account")
    ]
    return transfer_post(
        transfer_id=transfer_id,
        kind=kind,
        legs=legs,
        metadata={**(metadata or {}), "reverses": transfer.pk},
        reverses=transfer,
    )
