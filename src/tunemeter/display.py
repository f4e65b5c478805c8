"""Format money, sizes and format names for the active locale, in templates and JSON alike.

money_display is THE money formatter of the store: templates use it as the `money`
filter and the price endpoint puts its output in JSON, so a price reads the same
everywhere. It works on integer minor units only (never floats); micro_display writes
royalties' micro-units exactly. The template-tag modules (storefront's `store`, the
portal's `portal`) are thin filters over these functions.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.formats import get_format
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _

from tunemeter.ledger.units import minor_exponent
from tunemeter.transcoding.formats import FORMATS

# The format table's labels, marked here so makemessages extracts them (a test checks this
# list matches FORMATS); format_label() translates them at run time.
FORMAT_LABELS = [
    gettext_noop("MP3 320 kbps"),
    gettext_noop("MP3 256 kbps"),
    gettext_noop("MP3 128 kbps"),
    gettext_noop("MP3 V0 (VBR ≈245 kbps)"),
    gettext_noop("MP3 V2 (VBR ≈190 kbps)"),
    gettext_noop("AAC 256 kbps"),
    gettext_noop("AAC 128 kbps"),
    gettext_noop("Opus 160 kbps"),
    gettext_noop("Opus 96 kbps"),
    gettext_noop("FLAC (lossless)"),
    gettext_noop("ALAC (lossless)"),
    gettext_noop("WAV (uncompressed)"),
    gettext_noop("AIFF (uncompressed)"),
]

_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "RUB": "₽", "JPY": "¥", "UAH": "₴"}
# Where the symbol goes, per language (CLDR's standard currency patterns).
_PATTERNS = {"en": "{sign}{symbol}{number}", "ru": "{sign}{number}\u00a0{symbol}"}


def currency_exponent(currency: str | None = None) -> int:
    """Return how many decimal places the currency's minor unit has (2 for most)."""
    return minor_exponent(currency or settings.STORE_CURRENCY)


def _group(digits: str, separator: str) -> str:
    groups = []
    while len(digits) > 3:
        digits, tail = digits[:-3], digits[-3:]
        groups.insert(0, tail)
    return separator.join([digits, *groups])


def money_display(amount_minor: int, currency: str | None = None) -> str:
    """Return an amount of minor units as the active locale writes it: €12.34, 12,34 €."""
    currency = (currency or settings.STORE_CURRENCY).upper()
    exponent = currency_exponent(currency)
    whole, fraction = divmod(abs(int(amount_minor)), 10**exponent)
    digits = str(fraction).zfill(exponent) if exponent else ""
    return decimal_display(negative=amount_minor < 0, whole=whole, digits=digits, currency=currency)


def decimal_display(*, negative: bool, whole: int, digits: str, currency: str) -> str:
    """Write whole.digits of a currency as the active locale does (grouping, symbol place)."""
    number = _group(str(whole), get_format("THOUSAND_SEPARATOR"))
    if digits:
        number += get_format("DECIMAL_SEPARATOR") + digits
    language = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    pattern = _PATTERNS.get(language, _PATTERNS["en"])
    sign = "-" if negative else ""
    return pattern.format(sign=sign, symbol=_SYMBOLS.get(currency, currency), number=number)


def size_display(size_bytes: int, exact: bool = True) -> str:
    """Return a size in MB (1,000,000 bytes), marked ≈ when it is an estimate."""
    # Tenths of a MB, or hundredths under 1 MB so a short track never reads 0.0 MB.
    places = 1 if size_bytes >= 1_000_000 else 2
    unit = 10 ** (6 - places)
    scaled = (size_bytes + unit // 2) // unit
    whole, fraction = divmod(scaled, 10**places)
    number = (
        _group(str(whole), get_format("THOUSAND_SEPARATOR"))
        + get_format("DECIMAL_SEPARATOR")
        + str(fraction).zfill(places)
    )
    text = _("%(size)s MB") % {"size": number}
    return text if exact else "≈\u00a0" + text


def format_label(format_id: str) -> str:
    """Return a format's human name ("FLAC (lossless)"), or its id when unknown."""
    fmt = FORMATS.get(format_id)
    return _(fmt.label) if fmt else format_id


def micro_display(amount_micro: int, currency: str | None = None) -> str:
    """Return micro-units as money for the locale: $0.035, 1 234,50 ₽ (exact, never rounded)."""
    currency = (currency or settings.STORE_CURRENCY).upper()
    exponent = currency_exponent(currency)
    whole, fraction = divmod(abs(int(amount_micro)), 1_000_000)
    digits = f"{fraction:06d}".rstrip("0").ljust(exponent, "0")
    return decimal_display(negative=amount_micro < 0, whole=whole, digits=digits, currency=currency)
