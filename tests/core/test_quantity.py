"""agentsmith.core.quantity: Kubernetes quantities and Redis memory sizes.

Exact unit tests pin each grammar against its source of truth
(k8s.io/apimachinery resource/quantity.go, redis util.c memtoull); Hypothesis
properties check round trips and that arbitrary text yields a value or a
``QuantityError``, never another exception.
"""

from __future__ import annotations

import time
from fractions import Fraction

import pytest
from _support import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from agentsmith.core.quantity import QuantityError, parse_quantity, parse_redis_memory

#: Side-effect free: no example database written under .hypothesis/; fewer examples in the fast profile.
FAST = settings(max_examples=examples(120), deadline=None, database=None)

KUBERNETES_SUFFIXES: dict[str, Fraction] = {
    "": Fraction(1),
    "n": Fraction(1, 10**9),
    "u": Fraction(1, 10**6),
    "m": Fraction(1, 1000),
    "k": Fraction(10**3),
    "M": Fraction(10**6),
    "G": Fraction(10**9),
    "T": Fraction(10**12),
    "P": Fraction(10**15),
    "E": Fraction(10**18),
    "Ki": Fraction(2**10),
    "Mi": Fraction(2**20),
    "Gi": Fraction(2**30),
    "Ti": Fraction(2**40),
    "Pi": Fraction(2**50),
    "Ei": Fraction(2**60),
}
REDIS_UNITS: dict[str, int] = {
    "": 1,
    "b": 1,
    "k": 1000,
    "kb": 1024,
    "m": 1000**2,
    "mb": 1024**2,
    "g": 1000**3,
    "gb": 1024**3,
}


# -- parse_quantity: exact values ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("384Mi", 402653184, id="seed-memory-limit"),
        pytest.param("128Mi", 134217728, id="seed-memory-request"),
        pytest.param("500m", Fraction(1, 2), id="seed-cpu-limit"),
        pytest.param("100m", Fraction(1, 10), id="seed-cpu-request"),
        pytest.param("0", 0, id="zero"),
        pytest.param("2", 2, id="integer"),
        pytest.param("1k", 1000, id="k-is-1000"),
        pytest.param("1Ki", 1024, id="Ki-is-1024"),
        pytest.param("1M", 10**6, id="M-is-mega"),
        pytest.param("1m", Fraction(1, 1000), id="m-is-milli"),
        pytest.param("1u", Fraction(1, 10**6), id="u-is-micro"),
        pytest.param("1n", Fraction(1, 10**9), id="n-is-nano"),
        pytest.param("100000000n", Fraction(1, 10), id="cpu-in-nanocores"),
        pytest.param("1.5u", Fraction(3, 2 * 10**6), id="fraction-of-micro"),
        pytest.param("1E", 10**18, id="E-alone-is-exa"),
        pytest.param("1Ei", 2**60, id="Ei"),
        pytest.param("1e3", 1000, id="e3-exponent"),
        pytest.param("1E3", 1000, id="E3-exponent-not-exa"),
        pytest.param("1e+3", 1000, id="signed-exponent"),
        pytest.param("5e-1", Fraction(1, 2), id="negative-exponent"),
        pytest.param("1e0100", 10**100, id="exponent-leading-zeros"),
        pytest.param("1.5", Fraction(3, 2), id="decimal"),
        pytest.param(".5", Fraction(1, 2), id="leading-dot"),
        pytest.param("1.", 1, id="trailing-dot"),
        pytest.param("0.5Gi", 2**29, id="fraction-of-binary"),
        pytest.param("1.5k", 1500, id="fraction-of-decimal"),
        pytest.param("+1", 1, id="plus-sign"),
        pytest.param("-1", -1, id="minus-sign-parses"),
        pytest.param("007", 7, id="leading-zeros"),
    ],
)
def test_parse_quantity_exact(text: str, expected: Fraction | int) -> None:
    assert parse_quantity(text) == expected
    assert type(parse_quantity(text)) is Fraction


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("100x", id="unknown-suffix"),
        pytest.param("1.5.5", id="two-dots"),
        pytest.param("1K", id="uppercase-K"),
        pytest.param("1U", id="uppercase-U"),
        pytest.param("1N", id="uppercase-N"),
        pytest.param("1µ", id="micro-sign"),
        pytest.param("1ki", id="lowercase-ki"),
        pytest.param("1KiB", id="iec-B"),
        pytest.param("1kb", id="redis-unit"),
        pytest.param("1 Mi", id="inner-space"),
        pytest.param(" 1", id="leading-space"),
        pytest.param("1\n", id="trailing-newline"),
        pytest.param("Mi", id="no-number"),
        pytest.param(".", id="lone-dot"),
        pytest.param("+", id="lone-sign"),
        pytest.param("--1", id="double-sign"),
        pytest.param("1e", id="exponent-without-digits"),
        pytest.param("1e1.5", id="fractional-exponent"),
        pytest.param("1Mi1", id="trailing-digits"),
        pytest.param("0x10", id="hex"),
        pytest.param("1_000", id="underscore"),
        pytest.param("1/2", id="ratio"),
        pytest.param("inf", id="inf"),
        pytest.param("nan", id="nan"),
        pytest.param("\u0661", id="arabic-indic-digit"),
        pytest.param("\uff11", id="fullwidth-digit"),
        pytest.param("1e101", id="exponent-over-100"),
        pytest.param("1" * 101, id="101-digits"),
    ],
)
def test_parse_quantity_rejects(text: str) -> None:
    with pytest.raises(QuantityError):
        parse_quantity(text)


@pytest.mark.parametrize("value", [None, 1, 0.5, b"1Mi", ["1"]], ids=repr)
def test_parse_quantity_rejects_non_strings(value: object) -> None:
    with pytest.raises(QuantityError) as caught:
        parse_quantity(value)  # type: ignore[arg-type]
    assert caught.value.reason == "must be a string"


def test_quantity_error_reads_as_a_sentence_with_a_fix() -> None:
    with pytest.raises(QuantityError) as caught:
        parse_quantity("128MiB")
    error = caught.value
    assert (error.text, error.reason, error.fix) == ("128MiB", "is not a Kubernetes quantity", "Did you mean '128Mi'?")
    assert str(error) == "'128MiB' is not a Kubernetes quantity. Did you mean '128Mi'?"
    assert isinstance(error, ValueError)


# -- parse_redis_memory: exact values -------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("256mb", 268435456, id="seed-maxmemory"),
        pytest.param("0", 0, id="zero"),
        pytest.param("1", 1, id="bytes"),
        pytest.param("1b", 1, id="b"),
        pytest.param("1B", 1, id="B"),
        pytest.param("1k", 1000, id="k-is-1000"),
        pytest.param("1kb", 1024, id="kb-is-1024"),
        pytest.param("1K", 1000, id="K-is-1000"),
        pytest.param("1KB", 1024, id="KB-is-1024"),
        pytest.param("1kB", 1024, id="kB-mixed-case"),
        pytest.param("1m", 10**6, id="m-is-mega-not-milli"),
        pytest.param("1mb", 2**20, id="mb"),
        pytest.param("1Mb", 2**20, id="Mb"),
        pytest.param("1g", 10**9, id="g"),
        pytest.param("1gb", 2**30, id="gb"),
        pytest.param("1GB", 2**30, id="GB"),
        pytest.param("007mb", 7 * 2**20, id="leading-zeros"),
        pytest.param("18446744073709551615", 2**64 - 1, id="ullong-max"),
        pytest.param("17179869183gb", 2**64 - 2**30, id="largest-whole-gb"),
    ],
)
def test_parse_redis_memory_exact(text: str, expected: int) -> None:
    assert parse_redis_memory(text) == expected
    assert type(parse_redis_memory(text)) is int


TOO_BIG = "must be at most 2**64 - 1 bytes, the largest size Redis accepts"


@pytest.mark.parametrize(
    ("text", "reason", "fix"),
    [
        pytest.param("", "is not a Redis memory size", None, id="empty"),
        pytest.param("mb", "is not a Redis memory size", None, id="unit-only"),
        pytest.param("1.5gb", "is not a Redis memory size", "Did you mean '1536mb'?", id="fraction"),
        pytest.param("-1", "must not be negative", None, id="negative"),
        pytest.param("+1", "is not a Redis memory size", None, id="plus-sign"),
        pytest.param(" 1", "is not a Redis memory size", "Did you mean '1'?", id="leading-space"),
        pytest.param("1 mb", "is not a Redis memory size", "Did you mean '1mb'?", id="inner-space"),
        pytest.param("1Mi", "is not a Redis memory size", "Did you mean '1mb'?", id="kubernetes-Mi"),
        pytest.param("1GiB", "is not a Redis memory size", "Did you mean '1gb'?", id="iec-GiB"),
        pytest.param("1tb", "is not a Redis memory size", None, id="no-tb-in-redis"),
        pytest.param("1e3", "is not a Redis memory size", None, id="exponent"),
        pytest.param("1bb", "is not a Redis memory size", None, id="double-unit"),
        pytest.param("1\u212a", "is not a Redis memory size", None, id="kelvin-sign-is-not-k"),
        pytest.param("1\u212ab", "is not a Redis memory size", None, id="kelvin-sign-kb"),
        pytest.param("\u0661", "is not a Redis memory size", None, id="arabic-indic-digit"),
        pytest.param("1\n", "is not a Redis memory size", None, id="trailing-newline"),
        pytest.param("18446744073709551616", TOO_BIG, None, id="2-pow-64"),
        pytest.param("17179869184gb", TOO_BIG, None, id="2-pow-64-in-gb"),
        pytest.param("1" * 101, "has more than 100 digits", None, id="101-digits"),
    ],
)
def test_parse_redis_memory_rejects(text: str, reason: str, fix: str | None) -> None:
    with pytest.raises(QuantityError) as caught:
        parse_redis_memory(text)
    assert caught.value.reason == reason
    if fix is not None:
        assert caught.value.fix.endswith(fix)


@pytest.mark.parametrize("value", [None, 256, 256.0, b"256mb"], ids=repr)
def test_parse_redis_memory_rejects_non_strings(value: object) -> None:
    with pytest.raises(QuantityError) as caught:
        parse_redis_memory(value)  # type: ignore[arg-type]
    assert str(caught.value) == f"{value!r} must be a string. Use a string such as '256mb'."


def test_kubernetes_unit_hint_names_the_redis_spelling() -> None:
    with pytest.raises(QuantityError) as caught:
        parse_redis_memory("256MiB")
    assert str(caught.value) == (
        "'256MiB' is not a Redis memory size. "
        "Redis has no unit 'MiB'; its 1024-based units are kb, mb and gb. Did you mean '256mb'?"
    )


@pytest.mark.parametrize("parse", [parse_quantity, parse_redis_memory])
@pytest.mark.parametrize(
    "text",
    [
        pytest.param("1" * 5000, id="more-digits-than-int-allows"),
        pytest.param("1e" + "0" * 5000 + "1", id="exponent-with-5000-zeros"),
        pytest.param("1" * 100_000 + "x", id="100k-digits-then-junk"),
        pytest.param("1." + "1" * 100_000, id="100k-decimals"),
        pytest.param(" " * 100_000 + "1", id="100k-spaces"),
    ],
)
def test_huge_input_is_answered_quickly_without_a_bare_value_error(parse: object, text: str) -> None:
    # Python refuses int() of more than 4300 digits with a bare ValueError;
    # the parsers must return a value or raise QuantityError, fast.
    started = time.perf_counter()
    _value_or_quantity_error(parse, text)
    assert time.perf_counter() - started < 1.0


def test_exponent_leading_zeros_do_not_count_as_digits() -> None:
    assert parse_quantity("1e" + "0" * 5000 + "1") == 10


# -- properties --------------------------------------------------------------------------


@FAST
@given(number=st.integers(min_value=-(10**15), max_value=10**15), suffix=st.sampled_from(sorted(KUBERNETES_SUFFIXES)))
def test_quantity_round_trip_integer_with_suffix(number: int, suffix: str) -> None:
    assert parse_quantity(f"{number}{suffix}") == number * KUBERNETES_SUFFIXES[suffix]


@FAST
@given(
    whole=st.integers(min_value=0, max_value=10**9),
    decimals=st.text(alphabet="0123456789", min_size=1, max_size=9),
    suffix=st.sampled_from(sorted(KUBERNETES_SUFFIXES)),
)
def test_quantity_round_trip_decimal_with_suffix(whole: int, decimals: str, suffix: str) -> None:
    expected = (whole + Fraction(int(decimals), 10 ** len(decimals))) * KUBERNETES_SUFFIXES[suffix]
    assert parse_quantity(f"{whole}.{decimals}{suffix}") == expected


@FAST
@given(
    number=st.integers(min_value=-(10**9), max_value=10**9),
    exponent=st.integers(min_value=-100, max_value=100),
    e=st.sampled_from(["e", "E"]),
)
def test_quantity_round_trip_exponent(number: int, exponent: int, e: str) -> None:
    assert parse_quantity(f"{number}{e}{exponent}") == number * Fraction(10) ** exponent


@FAST
@given(
    number=st.integers(min_value=0, max_value=2**34 - 1),
    unit=st.sampled_from(sorted(REDIS_UNITS)).flatmap(
        lambda unit: st.tuples(*(st.sampled_from([c.lower(), c.upper()]) for c in unit)).map("".join)
    ),
)
def test_redis_memory_round_trip_any_case(number: int, unit: str) -> None:
    # 2**34 - 1 gb is the largest whole count of gb below 2**64 bytes.
    assert parse_redis_memory(f"{number}{unit}") == number * REDIS_UNITS[unit.lower()]


def _value_or_quantity_error(parse: object, text: str) -> None:
    try:
        result = parse(text)  # type: ignore[operator]
    except QuantityError as error:
        assert str(error).startswith(repr(text))
        assert error.reason and error.fix.endswith((".", "?"))
    else:
        assert isinstance(result, (Fraction, int))


@FAST
@given(text=st.text())
def test_parse_quantity_never_crashes_on_arbitrary_text(text: str) -> None:
    _value_or_quantity_error(parse_quantity, text)


@FAST
@given(text=st.text())
def test_parse_redis_memory_never_crashes_on_arbitrary_text(text: str) -> None:
    _value_or_quantity_error(parse_redis_memory, text)


#: Characters either grammar cares about, so that near-misses are generated often.
NEAR_MISS = st.text(alphabet="0123456789.+-eEimkKMGTPbBgG \u212a\u0661", max_size=30)


@FAST
@given(text=NEAR_MISS)
def test_parse_quantity_never_crashes_on_near_misses(text: str) -> None:
    _value_or_quantity_error(parse_quantity, text)


@FAST
@given(text=NEAR_MISS)
def test_parse_redis_memory_never_crashes_on_near_misses(text: str) -> None:
    _value_or_quantity_error(parse_redis_memory, text)


@FAST
@given(text=NEAR_MISS)
def test_redis_memory_results_are_whole_non_negative_bytes_below_2_pow_64(text: str) -> None:
    try:
        size = parse_redis_memory(text)
    except QuantityError:
        return
    assert type(size) is int
    assert 0 <= size <= 2**64 - 1
