"""Convert between a currency's minor units and micro-units; bound, check and divide amounts."""

from __future__ import annotations

from collections.abc import Hashable

# One money amount (a deposit, a gift code, an order) is at most 10^12 minor units
# (ten billion dollars): far past any sale, far below 2^63, so sums of millions of
# them never overflow SQLite's or PostgreSQL's 64-bit integers (nor turn into floats).
MAX_AMOUNT_MINOR = 10**12
# One ledger entry, in micro-units on royalty accounts: the largest amount times 10^6.
MAX_ENTRY = MAX_AMOUNT_MINOR * 10**6
# A balance: room for 9,000 entries of the largest size, still below 2^63 (9.22e18).
MAX_BALANCE = 9 * 10**18


def amount_minor_check(value: object, *, allow_zero: bool = False) -> int:
    """Return value when it is a whole number of minor units in bounds; raise ValueError.

    Strict: a bool, a float (even 100.0), a string or a Decimal is refused, not converted.
    """
    if type(value) is not int:
        raise ValueError(f"an amount must be a whole number of minor units, not {value!r}")
    low = 0 if allow_zero else 1
    if not low <= value <= MAX_AMOUNT_MINOR:
        raise ValueError(f"an amount must be between {low} and {MAX_AMOUNT_MINOR} minor units")
    return value


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


def largest_remainder(total: int, weights: list[tuple[Hashable, int]]) -> dict[Hashable, int]:
    """Split total in proportion to weights so that the parts sum to total exactly.

    Each part gets the floor of its exact share; the units left over go one each to
    the largest remainders, ties to the smaller key (e.g. holder id). A negative total
    is split as the mirror image of its absolute value.
    """
    if not weights:
        raise ValueError("nothing to split between")
    weight_sum = sum(w for _, w in weights)
    if weight_sum <= 0 or any(w < 0 for _, w in weights):
        raise ValueError("weights must be non-negative with a positive sum")
    sign, total = (-1, -total) if total < 0 else (1, total)
    parts = {key: total * w // weight_sum for key, w in weights}
    left = total - sum(parts.values())
    by_remainder = sorted(weights, key=lambda kw: (-(total * kw[1] % weight_sum), kw[0]))
    for key, _ in by_remainder[:left]:
        parts[key] += 1
    return {key: sign * part for key, part in parts.items()}
