"""Credit a customer by hand: `tunemeter credit EMAIL AMOUNT_MINOR --reason TEXT --staff EMAIL`."""

from __future__ import annotations

import uuid

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from tunemeter.shop.payments import credit_manual


class Command(BaseCommand):
    help = "Credit a customer's balance (staff only), with a reason kept on the transfer."

    def add_arguments(self, parser) -> None:
        parser.add_argument("email")
        parser.add_argument("amount_minor", type=int)
        parser.add_argument("--reason", required=True)
        parser.add_argument("--staff", required=True, help="email or username of the staff member")
        parser.add_argument("--reference", default=None, help="idempotency key (default: random)")

    def handle(self, *args, email, amount_minor, reason, staff, reference, **options) -> None:
        users = get_user_model().objects
        try:
            customer = users.get(email__iexact=email)
            staff_user = (
                users.get(username=staff)
                if users.filter(username=staff).exists()
                else users.get(email__iexact=staff)
            )
        except get_user_model().DoesNotExist as exc:
            raise CommandError(f"no such user: {exc}") from exc
        try:
            transfer = credit_manual(
                staff=staff_user,
                customer=customer,
                amount_minor=amount_minor,
                reason=reason,
                reference=reference or uuid.uuid4().hex,
            )
        except (PermissionError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"credited {amount_minor} to {customer.email} (transfer {transfer.pk})")
