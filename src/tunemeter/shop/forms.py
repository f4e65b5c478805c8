"""Validate the shop's forms: cart changes, top-ups, gift codes and the Buy button."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from tunemeter.display import currency_exponent, money_display
from tunemeter.shop.cart import KINDS
from tunemeter.transcoding.formats import FORMATS

MAX_KEY_LENGTH = 100


def _format_choices():
    return [(f.id, f.label) for f in FORMATS.values()]


class CartAddForm(forms.Form):
    kind = forms.ChoiceField(choices=[(k, k) for k in KINDS])
    id = forms.IntegerField(min_value=1)
    format = forms.ChoiceField(label=_("Format"), choices=_format_choices)


class CartItemForm(forms.Form):
    key = forms.CharField(max_length=100)
    format = forms.ChoiceField(label=_("Format"), choices=_format_choices, required=False)


class IdempotencyKeyField(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(max_length=MAX_KEY_LENGTH, widget=forms.HiddenInput, **kwargs)

    def validate(self, value):
        super().validate(value)
        if not value.isprintable():
            raise forms.ValidationError(_("This form is damaged; reload the page."))


class BuyForm(forms.Form):
    key = IdempotencyKeyField()


class TopUpForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount"),
        min_value=Decimal("0.01"),
        max_digits=12,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01", "min": "0.01"}),
    )
    key = IdempotencyKeyField()

    def clean_amount(self) -> Decimal:
        amount = self.cleaned_data["amount"]
        exponent = currency_exponent()
        if amount != amount.quantize(Decimal(1).scaleb(-exponent)):
            raise forms.ValidationError(
                _("Use at most %(places)d decimal places.") % {"places": exponent}
            )
        if self.amount_minor_of(amount) > settings.DEMO_MAX_DEPOSIT_MINOR:
            raise forms.ValidationError(
                _("A demo top-up is at most %(limit)s."),
                code="limit",
                params={"limit": money_display(settings.DEMO_MAX_DEPOSIT_MINOR)},
            )
        return amount

    @staticmethod
    def amount_minor_of(amount: Decimal) -> int:
        """Return the amount in minor units: exact decimal arithmetic, never a float."""
        return int(amount.scaleb(currency_exponent()))

    @property
    def amount_minor(self) -> int:
        return self.amount_minor_of(self.cleaned_data["amount"])


class GiftCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Gift code"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
