"""Define tax lines: the tax charged (or returned) on one sale, per country and rate.

A line is written in the same transaction as the ledger transfer that moved the tax
to the country's tax-payable account, and carries that transfer's time: the
quarterly return sums lines, and reconciles with the ledger's tax accounts.
Lines are never edited; a refund appends negative lines.
"""

from __future__ import annotations

from django.db import models


class TaxLine(models.Model):
    """Net sales and tax of one sale (positive) or refund (negative) in one country at one rate."""

    SALE, REFUND = "sale", "refund"

    kind = models.CharField(max_length=6, choices=[(SALE, "sale"), (REFUND, "refund")])
    reference = models.CharField(max_length=100, help_text='what was sold, e.g. "order:12"')
    country = models.CharField(max_length=2)
    rate_bps = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    net_minor = models.BigIntegerField()
    tax_minor = models.BigIntegerField()
    transfer_id = models.CharField(max_length=200)
    at = models.DateTimeField(help_text="the time of the ledger transfer that moved the tax")

    class Meta:
        indexes = [models.Index(fields=["at", "country"], name="taxline_at_country")]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "reference", "country", "rate_bps"], name="taxline_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.reference} {self.country}: {self.tax_minor} {self.currency}"
