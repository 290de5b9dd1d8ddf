"""Parsers for Kubernetes quantities and Redis memory sizes; total (a value or :class:`QuantityError`), ASCII.

Why our own: DEVELOPMENT.md, "Why the code is shaped so".
"""

from __future__ import annotations

import re
from fractions import Fraction

__all__ = ["QuantityError", "parse_quantity", "parse_redis_memory"]

#: Longest run of digits accepted in a number or an exponent. Real sizes need
#: about 20; the cap keeps absurd input from reaching ``int()``, which refuses
#: more than 4300 digits with a plain ``ValueError``.
MAX_DIGITS = 100
#: Largest exponent in ``<number>e<exponent>``.
MAX_EXPONENT = 100
#: Redis parses sizes into an ``unsigned long long`` (util.c memtoull).
REDIS_MAX_BYTES = 2**64 - 1


class QuantityError(ValueError):
    """The text is not a valid quantity or size.

    Attributes:
        text: the input, as given.
        reason: what is wrong, as a predicate: ``"is not a Kubernetes quantity"``.
        fix: one or two sentences saying what to write instead.
    """

    def __init__(self, text: object, reason: str, fix: str) -> None:
        self.text = text
        self.reason = reason
        self.fix = fix
        super().__init__(f"{text!r} {reason}. {fix}")


# k8s.io/apimachinery/pkg/api/resource/quantity.go:
#   <quantity> ::= <signedNumber><suffix>
#   <suffix>   ::= <binarySI> | <decimalExponent> | <decimalSI>
#   <decimalSI> ::= n | u | m | "" | k | M | G | T | P | E   (nano, micro, milli, ...)
# "1E" is 10**18 (exa) while "1E3" is 1000 (exponent), as in quantity.go.
_QUANTITY = re.compile(
    r"(?P<number>[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))"
    r"(?:(?P<binary>Ki|Mi|Gi|Ti|Pi|Ei)|[eE](?P<exponent>[+-]?[0-9]+)|(?P<decimal>[numkMGTPE]?))",
    re.ASCII,
)
_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {
    "n": Fraction(1, 10**9),
    "u": Fraction(1, 10**6),
    "m": Fraction(1, 1000),
    "": Fraction(1),
    "k": Fraction(10**3),
    "M": Fraction(10**6),
    "G": Fraction(10**9),
    "T": Fraction(10**12),
    "P": Fraction(10**15),
    "E": Fraction(10**18),
}
_QUANTITY_FIX = "Use a number with an optional suffix (m, k, M, G, Ki, Mi, Gi, ...), e.g. '500m' or '384Mi'."
# Units people carry over from Redis or from "MiB": the Kubernetes spelling.
_KUBERNETES_SPELLING = {
    "ki": "Ki", "mi": "Mi", "gi": "Gi", "ti": "Ti",
    "kib": "Ki", "mib": "Mi", "gib": "Gi", "tib": "Ti",
    "kb": "Ki", "mb": "Mi", "gb": "Gi", "tb": "Ti",
}  # fmt: skip


def parse_quantity(text: str) -> Fraction:
    """Return the exact value of a Kubernetes quantity (``"500m"`` -> 1/2).

    Raises:
        QuantityError: ``text`` is not a quantity in Kubernetes' grammar.
    """
    if not isinstance(text, str):
        raise QuantityError(text, "must be a string", "Use a string such as '500m' or '384Mi'.")
    match = _QUANTITY.fullmatch(text)
    if match is None:
        raise QuantityError(text, "is not a Kubernetes quantity", _quantity_hint(text))
    number = match["number"]
    if sum(character.isdigit() for character in number) > MAX_DIGITS:
        raise QuantityError(text, f"has more than {MAX_DIGITS} digits", _QUANTITY_FIX)
    value = Fraction(number)
    if match["binary"]:
        return value * _BINARY[match["binary"]]
    if match["exponent"] is not None:
        sign = -1 if match["exponent"].startswith("-") else 1
        digits = match["exponent"].lstrip("+-").lstrip("0") or "0"
        if len(digits) > 3 or int(digits) > MAX_EXPONENT:
            raise QuantityError(text, "has an exponent out of range", f"Use an exponent of at most {MAX_EXPONENT}.")
        return value * Fraction(10) ** (sign * int(digits))
    return value * _DECIMAL[match["decimal"]]


def _quantity_hint(text: str) -> str:
    """The generic fix, or a did-you-mean when the input is one slip away."""
    candidate = "".join(text.split())
    match = re.fullmatch(r"([+-]?[0-9.]+)([A-Za-z]+)", candidate, re.ASCII)
    if match and match[2].lower() in _KUBERNETES_SPELLING:
        candidate = match[1] + _KUBERNETES_SPELLING[match[2].lower()]
    if candidate != text and _QUANTITY.fullmatch(candidate):
        return f"Did you mean {candidate!r}?"
    return _QUANTITY_FIX


# redis/src/util.c memtoull(): ASCII digits, then an optional unit compared
# with strcasecmp. Note that "k" is 1000 while "kb" is 1024 (and so on).
_REDIS_MEMORY = re.compile(r"(?P<number>[0-9]+)(?P<unit>b|k|kb|m|mb|g|gb)?", re.IGNORECASE | re.ASCII)
_REDIS_UNITS = {
    None: 1,
    "b": 1,
    "k": 1000,
    "kb": 1024,
    "m": 1000**2,
    "mb": 1024**2,
    "g": 1000**3,
    "gb": 1024**3,
}
_REDIS_FIX = "Use an integer with an optional unit b, k, kb, m, mb, g or gb (k=1000, kb=1024), e.g. '256mb'."
# Kubernetes (and IEC) binary units and their Redis spelling.
_REDIS_SPELLING = {"ki": "kb", "kib": "kb", "mi": "mb", "mib": "mb", "gi": "gb", "gib": "gb"}


def parse_redis_memory(text: str) -> int:
    """Return the number of bytes in a Redis memory size (``"256mb"`` -> 268435456).

    Raises:
        QuantityError: ``text`` is not in Redis's memory-size syntax, or is
            larger than Redis can hold (2**64 - 1 bytes).
    """
    if not isinstance(text, str):
        raise QuantityError(text, "must be a string", "Use a string such as '256mb'.")
    match = _REDIS_MEMORY.fullmatch(text)
    if match is None:
        reason = "must not be negative" if text.lstrip().startswith("-") else "is not a Redis memory size"
        raise QuantityError(text, reason, _redis_hint(text))
    if len(match["number"]) > MAX_DIGITS:
        raise QuantityError(text, f"has more than {MAX_DIGITS} digits", _REDIS_FIX)
    size = int(match["number"]) * _REDIS_UNITS[match["unit"].lower() if match["unit"] else None]
    if size > REDIS_MAX_BYTES:
        raise QuantityError(
            text, "must be at most 2**64 - 1 bytes, the largest size Redis accepts", "Use a size such as '256mb'."
        )
    return size


def _redis_hint(text: str) -> str:
    """The generic fix, or a did-you-mean for a space, a Kubernetes unit or a fraction."""
    candidate = "".join(text.split())
    match = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)([A-Za-z]*)", candidate, re.ASCII)
    if match is None or len(match[1]) > 40:
        return _REDIS_FIX
    number, unit = match[1], match[2]
    note = ""
    if unit.lower() in _REDIS_SPELLING:
        unit = _REDIS_SPELLING[unit.lower()]
        note = f"Redis has no unit {match[2]!r}; its 1024-based units are kb, mb and gb. "
    if unit.lower() not in _REDIS_UNITS and unit:
        return _REDIS_FIX
    if "." in number:
        # Redis takes whole numbers: express the size in the largest whole unit.
        size = Fraction(number) * _REDIS_UNITS[unit.lower() or None]
        if size.denominator != 1:
            return f"Redis takes whole numbers of bytes. {_REDIS_FIX}"
        note += "Redis takes whole numbers. "
        candidate = _format_redis(int(size))
    else:
        candidate = number + unit
    if candidate == text:
        return _REDIS_FIX
    return f"{note}Did you mean {candidate!r}?"


def _format_redis(size: int) -> str:
    """``size`` bytes in the largest 1024-based Redis unit that divides it exactly."""
    for unit in ("gb", "mb", "kb"):
        if size and size % _REDIS_UNITS[unit] == 0:
            return f"{size // _REDIS_UNITS[unit]}{unit}"
    return str(size)
