"""Convert between a currency's minor units and micro-units (10^-6 of the currency)."""

from __future__ import annotations

# ISO 4217 currencies whose minor unit is not the hundredth.
_EXPONENTS = {
    **dict.fromkeys(["BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG"], 0),
    **dict.fromkeys(["RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"], 0),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
}


def minor_exponent(currency: str) -> int:
    """Return how many decimals the currency's minor unit has (2 for most)."""
    return _EXPONENTS.get(currency.upper(), 2)


def micro_per_minor(currency: str) -> int:
    """Return how many micro-units make one minor unit (10,000 for cents)."""
    return int(10 ** (6 - minor_exponent(currency)))


def micro_format(amount_micro: int, currency: str = "") -> str:
    """Return a micro-unit amount as an exact decimal string, e.g. -0.000001."""
    sign = "-" if amount_micro < 0 else ""
    whole, fraction = divmod(abs(amount_micro), 1_000_000)
    text = f"{sign}{whole}.{fraction:06d}"
    return f"{text} {currency}".strip()


def minor_format(amount_minor: int, currency: str = "", *, code: bool = True) -> str:
    """Return a minor-unit amount as an exact decimal string, e.g. 12.34."""
    exponent = minor_exponent(currency) if currency else 2
    sign = "-" if amount_minor < 0 else ""
    if exponent == 0:
        text = f"{sign}{abs(amount_minor)}"
    else:
        whole, fraction = divmod(abs(amount_minor), 10**exponent)
        text = f"{sign}{whole}.{fraction:0{exponent}d}"
    return f"{text} {currency}".strip() if code else text
