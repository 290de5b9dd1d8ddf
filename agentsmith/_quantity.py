"""Parsers for Kubernetes quantities and Redis memory sizes.

Kept in one small module so that every construct validates sizes the same way.
No well-kept lightweight library parses both: the official ``kubernetes``
client has ``parse_quantity`` but would pull an HTTP client, auth plugins and
websockets into a manifest library for one function, and nothing on PyPI
parses Redis's ``k``/``kb`` rules. The grammars below are copied from their
sources of truth and pinned by property tests.
"""

from __future__ import annotations

import re
from fractions import Fraction

__all__ = ["QuantityError", "parse_quantity", "parse_redis_memory"]


class QuantityError(ValueError):
    """The text is not a valid quantity or size; the message says why."""


# k8s.io/apimachinery/pkg/api/resource/quantity.go:
#   <quantity> ::= <signedNumber><suffix>
#   <suffix>   ::= <binarySI> | <decimalExponent> | <decimalSI>
_QUANTITY = re.compile(
    r"(?P<number>[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))"
    r"(?:(?P<binary>Ki|Mi|Gi|Ti|Pi|Ei)|[eE](?P<exponent>[+-]?[0-9]+)|(?P<decimal>[mkMGTPE]?))"
)
_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {
    "m": Fraction(1, 1000),
    "": Fraction(1),
    "k": Fraction(10**3),
    "M": Fraction(10**6),
    "G": Fraction(10**9),
    "T": Fraction(10**12),
    "P": Fraction(10**15),
    "E": Fraction(10**18),
}


def parse_quantity(text: str) -> Fraction:
    """Return the exact value of a Kubernetes quantity (``"500m"`` -> 1/2).

    Raises:
        QuantityError: ``text`` is not a quantity in Kubernetes' grammar.
    """
    if not isinstance(text, str):
        raise QuantityError(f"expected a string such as '500m' or '384Mi', got {type(text).__name__}")
    match = _QUANTITY.fullmatch(text)
    if match is None:
        raise QuantityError(
            "not a Kubernetes quantity: use a number with an optional suffix "
            "(m, k, M, G, Ki, Mi, Gi, ...), e.g. '500m' or '384Mi'"
        )
    value = Fraction(match["number"])
    if match["binary"]:
        return value * _BINARY[match["binary"]]
    if match["exponent"] is not None:
        exponent = int(match["exponent"])
        if abs(exponent) > 100:
            raise QuantityError("exponent out of range: use at most e100")
        return value * Fraction(10) ** exponent
    return value * _DECIMAL[match["decimal"]]


# redis/src/util.c memtoull(): a non-negative integer, then an optional unit,
# case-insensitive. Note that "k" is 1000 while "kb" is 1024 (and so on).
_REDIS_MEMORY = re.compile(r"(?P<number>[0-9]+)(?P<unit>b|k|kb|m|mb|g|gb)?", re.IGNORECASE)
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


def parse_redis_memory(text: str) -> int:
    """Return the number of bytes in a Redis memory size (``"256mb"`` -> 268435456).

    Raises:
        QuantityError: ``text`` is not in Redis's memory-size syntax.
    """
    if not isinstance(text, str):
        raise QuantityError(f"expected a string such as '256mb', got {type(text).__name__}")
    match = _REDIS_MEMORY.fullmatch(text)
    if match is None:
        raise QuantityError(
            "not a Redis memory size: use an integer with an optional unit "
            "b, k, kb, m, mb, g or gb (k=1000, kb=1024), e.g. '256mb'"
        )
    unit = match["unit"].lower() if match["unit"] else None
    return int(match["number"]) * _REDIS_UNITS[unit]
