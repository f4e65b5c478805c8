"""Put money on customer balances: payment providers, staff credits, gift codes."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tunemeter.ledger.models import Account, Transfer
from tunemeter.ledger.services import Leg, account_get, customer_account, transfer_post
from tunemeter.ledger.units import MAX_AMOUNT_MINOR, amount_minor_check
from tunemeter.shop.exceptions import GiftCodeError
from tunemeter.shop.models import GiftCode

logger = logging.getLogger(__name__)


def _credit(
    *, customer, amount_minor: int, transfer_id: str, kind: str, metadata: dict, currency: str = ""
) -> Transfer:
    """Move amount from payment clearing (money from outside) to the customer's balance."""
    amount_minor_check(amount_minor)
    currency = currency or settings.STORE_CURRENCY
    clearing = account_get(kind=Account.CLEARING, currency=currency)
    balance = customer_account(user=customer, currency=currency)
    return transfer_post(
        transfer_id=transfer_id,
        kind=kind,
        legs=[Leg(clearing, -amount_minor), Leg(balance, amount_minor)],
        metadata={"customer": customer.pk, **metadata},
    )


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
        return _credit(
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
    return _credit(
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
        transfer = _credit(
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
