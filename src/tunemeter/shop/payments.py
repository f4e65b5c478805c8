"""Put money on customer balances: payment providers, staff credits, gift codes."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tunemeter.ledger.exceptions import TransferConflict
from tunemeter.ledger.models import Account, Transfer
from tunemeter.ledger.services import Leg, account_get, customer_account, transfer_post
from tunemeter.ledger.units import MAX_AMOUNT_MINOR, amount_minor_check
from tunemeter.shop.exceptions import GiftCodeError
from tunemeter.shop.models import GiftCode

logger = logging.getLogger(__name__)


def clearing_id(currency: str) -> int:
    """Return the id of the payment clearing account of a currency."""
    return account_get(kind=Account.CLEARING, currency=currency).pk


def customer_money_accounts(
    *, customer, currency: str, receivable: bool = True
) -> tuple[Account, Account, Account | None]:
    """Return (clearing, balance, receivable) of a customer, locked in id order as the ledger
    locks them: what a credit or a reversal decides from their balances cannot change.

    With receivable=False the receivable account is only looked up (None when the customer
    never owed anything), not created.
    """
    clearing = account_get(kind=Account.CLEARING, currency=currency)
    balance = customer_account(user=customer, currency=currency)
    owner = f"customer:{customer.pk}"
    owed: Account | None
    if receivable:
        owed = account_get(
            kind=Account.RECEIVABLE, currency=currency, owner=owner, customer=customer
        )
    else:
        owed = Account.objects.filter(
            kind=Account.RECEIVABLE, currency=currency, unit=Account.MINOR, owner=owner
        ).first()
    ids = [clearing.pk, balance.pk] + ([owed.pk] if owed else [])
    locked = {
        a.pk: a for a in Account.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    }
    return locked[clearing.pk], locked[balance.pk], locked[owed.pk] if owed else None


def balance_credit(
    *, customer, amount_minor: int, transfer_id: str, kind: str, metadata: dict, currency: str = ""
) -> Transfer:
    """Move amount from payment clearing (money from outside) to the customer.

    What the customer owes (a receivable: a card payment reversed after it was spent)
    is paid off first; the rest reaches the balance.
    """
    amount_minor_check(amount_minor)
    currency = currency or settings.STORE_CURRENCY
    with transaction.atomic():
        existing = Transfer.objects.filter(pk=transfer_id).first()
        if existing is not None:
            # A retry: the same deposit stands (its split may have settled a receivable);
            # the same id for another amount is a conflict, as in transfer_post.
            paid_in = -sum(
                e.amount_minor
                for e in existing.entries.all()
                if e.account_id == clearing_id(currency)
            )
            if paid_in != amount_minor:
                raise TransferConflict(f"transfer {transfer_id} was posted with other entries")
            return existing
        clearing, balance, receivable = customer_money_accounts(
            customer=customer, currency=currency, receivable=False
        )
        owed = -receivable.balance_minor if receivable and receivable.balance_minor < 0 else 0
        settle = min(owed, amount_minor)
        legs = [Leg(clearing, -amount_minor), Leg(balance, amount_minor - settle)]
        if settle and receivable is not None:
            legs.append(Leg(receivable, settle))
        transfer = transfer_post(
            transfer_id=transfer_id,
            kind=kind,
            legs=[leg for leg in legs if leg.amount_in_unit],
            metadata={"customer": customer.pk, "receivable_settled": settle, **metadata},
        )
    if settle:
        logger.info("receivable settled customer=%s amount=%d", customer.pk, settle)
    return transfer


class PaymentProvider(ABC):
    """A way for customers to top up their balance. `reference` makes a deposit idempotent."""

    name: str

    @abstractmethod
    def deposit(self, *, customer, amount_minor: int, reference: str) -> Transfer:
        """Credit the customer once for this reference; return the transfer."""


class DemoProvider(PaymentProvider):
    """Instant top-ups with no real money: only in demo or debug mode."""

    name = "demo"

    def deposit(self, *, customer, amount_minor: int, reference: str) -> Transfer:
        if not settings.DEMO_PAYMENTS:
            raise PermissionError("demo payments are disabled")
        amount_minor_check(amount_minor)
        if amount_minor > min(settings.DEMO_MAX_DEPOSIT_MINOR, MAX_AMOUNT_MINOR):
            raise ValueError(f"demo top-ups are at most {settings.DEMO_MAX_DEPOSIT_MINOR}")
        return balance_credit(
            customer=customer,
            amount_minor=amount_minor,
            transfer_id=f"deposit:demo:{customer.pk}:{reference}",
            kind="deposit",
            metadata={"provider": self.name},
        )


PROVIDERS: dict[str, PaymentProvider] = {"demo": DemoProvider()}


def credit_manual(*, staff, customer, amount_minor: int, reason: str, reference: str) -> Transfer:
    """Credit a customer by hand (staff only), with the reason kept on the transfer."""
    if not staff.is_staff:
        raise PermissionError("only staff may credit balances")
    if not reason.strip():
        raise ValueError("a manual credit needs a reason")
    return balance_credit(
        customer=customer,
        amount_minor=amount_minor,
        transfer_id=f"credit:{reference}",
        kind="manual_credit",
        metadata={"staff": staff.pk, "reason": reason},
    )


def giftcode_redeem(*, customer, code: str) -> Transfer:
    """Redeem a gift code once; the same customer redeeming again gets the same transfer."""
    code = code.strip().upper()
    with transaction.atomic():
        gift = GiftCode.objects.select_for_update().filter(code=code).first()
        if gift is None:
            raise GiftCodeError("no such gift code")
        if gift.redeemed_by_id is not None and gift.redeemed_by_id != customer.pk:
            raise GiftCodeError("this gift code has already been redeemed")
        if gift.currency != settings.STORE_CURRENCY:
            raise GiftCodeError(
                f"this gift code is in {gift.currency}; the store sells in "
                f"{settings.STORE_CURRENCY}"
            )
        transfer = balance_credit(
            customer=customer,
            amount_minor=gift.amount_minor,
            currency=gift.currency,
            transfer_id=f"gift:{gift.code}",
            kind="gift_code",
            metadata={"code": gift.code},
        )
        if gift.redeemed_by_id is None:
            gift.redeemed_by, gift.redeemed_at = customer, timezone.now()
            gift.save(update_fields=["redeemed_by", "redeemed_at"])
            logger.info("gift code redeemed code=%s customer=%s", gift.code, customer.pk)
    return transfer
