"""Record tax: the tax-payable account per country, tax lines for sales and refunds."""

from __future__ import annotations

import logging

from tunemeter.ledger.models import Account, Transfer
from tunemeter.ledger.services import account_get
from tunemeter.tax.models import TaxLine

logger = logging.getLogger(__name__)


def tax_account(*, country: str, currency: str) -> Account:
    """Return the store's tax-payable account for a country (what it owes that tax authority)."""
    return account_get(kind=Account.TAX_PAYABLE, currency=currency, owner=f"tax:{country}")


def tax_line_record(
    *,
    reference: str,
    country: str,
    rate_bps: int,
    currency: str,
    net_minor: int,
    tax_minor: int,
    transfer: Transfer | None,
) -> TaxLine | None:
    """Record a sale's net and tax for the return; call in the transaction that posted it.

    Nothing is recorded for a sale with no tax country (no tax collected) or nothing sold.
    """
    if not country or (net_minor == 0 and tax_minor == 0):
        return None
    line, _ = TaxLine.objects.get_or_create(
        kind=TaxLine.SALE,
        reference=reference,
        country=country,
        rate_bps=rate_bps,
        defaults={
            "currency": currency,
            "net_minor": net_minor,
            "tax_minor": tax_minor,
            "transfer_id": transfer.pk if transfer else "",
            "at": transfer.created_at if transfer else None,
        },
    )
    logger.info(
        "tax recorded ref=%s country=%s rate_bps=%d net=%d tax=%d",
        reference,
        country,
        rate_bps,
        net_minor,
        tax_minor,
    )
    return line


def tax_lines_reverse(*, reference: str, transfer: Transfer) -> list[TaxLine]:
    """Append a negative line for each of a sale's tax lines (a refund); idempotent."""
    rows = []
    for line in TaxLine.objects.filter(kind=TaxLine.SALE, reference=reference):
        row, _ = TaxLine.objects.get_or_create(
            kind=TaxLine.REFUND,
            reference=reference,
            country=line.country,
            rate_bps=line.rate_bps,
            defaults={
                "currency": line.currency,
                "net_minor": -line.net_minor,
                "tax_minor": -line.tax_minor,
                "transfer_id": transfer.pk,
                "at": transfer.created_at,
            },
        )
        rows.append(row)
    logger.info("tax reversed ref=%s lines=%d", reference, len(rows))
    return rows
