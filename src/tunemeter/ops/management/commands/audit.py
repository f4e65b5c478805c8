"""Explain a sale, or whether a sale then and there would have been licensed."""

from __future__ import annotations

from datetime import UTC, datetime

from django.core.management.base import BaseCommand, CommandError

from tunemeter.catalog.models import Track
from tunemeter.ops.audit import licence_audit, sale_audit
from tunemeter.shop.models import Order


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{text!r} is not an ISO 8601 date-time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Command(BaseCommand):
    help = "Audit sales: `audit sale ORDER_ID`, `audit licensed TRACK_ID TERRITORY DATETIME`."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        sale = sub.add_parser("sale", help="the chain from order to statement")
        sale.add_argument("order_id", type=int)
        licensed = sub.add_parser("licensed", help="was a sale licensed then and there?")
        licensed.add_argument("track_id", type=int)
        licensed.add_argument("territory")
        licensed.add_argument("at", help="ISO 8601, UTC when no offset is given")

    def handle(self, *args, what, **options):
        if what == "sale":
            try:
                lines = sale_audit(order_id=options["order_id"])
            except Order.DoesNotExist:
                raise CommandError(f"no order {options['order_id']}") from None
            self.stdout.write("\n".join(lines))
            return
        try:
            ok, lines = licence_audit(
                track_id=options["track_id"],
                territory=options["territory"],
                at=_moment(options["at"]),
            )
        except Track.DoesNotExist:
            raise CommandError(f"no track {options['track_id']}") from None
        except ValueError as exc:
            raise CommandError(str(exc), returncode=2) from None
        self.stdout.write("\n".join(lines))
        if not ok:
            raise SystemExit(1)
