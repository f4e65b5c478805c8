"""Create the first-run users of a demo store: a buyer, a rights holder and staff."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from tunemeter.customers.services import customer_register
from tunemeter.rights.services import holder_user_attach
from tunemeter.shop.payments import credit_manual

logger = logging.getLogger(__name__)

DEMO_BALANCE_MINOR = 20_00


@dataclass(frozen=True)
class DemoLogin:
    """A role, its login and its password (shown once)."""

    role: str
    username: str
    password: str
    path: str


def _password() -> str:
    return secrets.token_urlsafe(12)


@transaction.atomic
def demo_users_create(*, holders=()) -> list[DemoLogin]:
    """Create the staff user, a buyer with a demo balance and a holder user; once.

    Return their logins with fresh random passwords; nothing when they already exist.
    """
    users = get_user_model().objects
    if users.filter(username="staff@demo.example").exists():
        return []
    logins = []
    staff_password = _password()
    staff = users.create_superuser(
        username="staff@demo.example", email="staff@demo.example", password=staff_password
    )
    logins.append(DemoLogin("staff", staff.username, staff_password, "/admin/"))

    buyer_password = _password()
    buyer = customer_register(email="buyer@demo.example", password=buyer_password, country="DE")
    credit_manual(
        staff=staff,
        customer=buyer,
        amount_minor=DEMO_BALANCE_MINOR,
        reason="demo balance",
        reference=f"demo-balance-{buyer.pk}",
    )
    logins.append(DemoLogin("buyer", buyer.username, buyer_password, "/"))

    holder_password = _password()
    holder_user = users.create_user(
        username="label@demo.example", email="label@demo.example", password=holder_password
    )
    for holder in holders:
        holder_user_attach(holder=holder, user=holder_user)
    logins.append(DemoLogin("rights holder", holder_user.username, holder_password, "/portal/"))
    logger.info(
        "demo users created staff=%s buyer=%s holder=%s", staff.pk, buyer.pk, holder_user.pk
    )
    return logins
