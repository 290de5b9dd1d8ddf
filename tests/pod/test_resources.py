"""Resources: Kubernetes quantities for the Redis container, one exact error per bad field."""

from __future__ import annotations

import pytest
from _bad_props import BadChart, BadInput, bad
from _support import SynthRedis

from agentsmith import Resources
from testkit.manifests import the_container

# -- Bad props: one exact error each, before any API object (tests/_bad_props.py) --------

NOT_QUANTITY = "is not a Kubernetes quantity"
QUANTITY_FIX = "Use a number with an optional suffix (m, k, M, G, Ki, Mi, Gi, ...), e.g. '500m' or '384Mi'."

BAD_PROPS = [
    bad(
        "memory-request-half-byte",
        "redis",
        "resources.memory_request",
        "0.5",
        "must be a whole number of bytes",
        "Use a whole number of bytes, e.g. '128Mi'.",
        resources=Resources(memory_request="0.5"),
    ),
    # -- resources: Kubernetes quantities > 0, requests <= limits ------------------------
    bad(
        "cpu-limit-unit",
        "redis",
        "resources.cpu_limit",
        "100x",
        NOT_QUANTITY,
        QUANTITY_FIX,
        resources=Resources(cpu_limit="100x"),
    ),
    bad(
        "cpu-request-empty",
        "redis",
        "resources.cpu_request",
        "",
        NOT_QUANTITY,
        QUANTITY_FIX,
        resources=Resources(cpu_request=""),
    ),
    bad(
        "cpu-request-negative",
        "redis",
        "resources.cpu_request",
        "-1",
        "must be greater than 0",
        "Use a quantity such as '100m'.",
        resources=Resources(cpu_request="-1"),
    ),
    bad(
        "cpu-limit-zero",
        "redis",
        "resources.cpu_limit",
        "0",
        "must be greater than 0",
        "Use a quantity such as '500m'.",
        resources=Resources(cpu_limit="0"),
    ),
    bad(
        "cpu-limit-float",
        "redis",
        "resources.cpu_limit",
        0.5,
        "must be a string",
        "Use a string such as '500m'.",
        resources=Resources(cpu_limit=0.5),  # type: ignore[arg-type]
    ),
    bad(
        "cpu-limit-huge-exponent",
        "redis",
        "resources.cpu_limit",
        "1e999",
        "has an exponent out of range",
        "Use an exponent of at most 100.",
        resources=Resources(cpu_limit="1e999"),
    ),
    bad(
        "memory-limit-two-dots",
        "redis",
        "resources.memory_limit",
        "1.5.5",
        NOT_QUANTITY,
        QUANTITY_FIX,
        resources=Resources(memory_limit="1.5.5"),
    ),
    bad(
        "memory-request-MiB",
        "redis",
        "resources.memory_request",
        "128MiB",
        NOT_QUANTITY,
        "Did you mean '128Mi'?",
        resources=Resources(memory_request="128MiB"),
    ),
    bad(
        "memory-request-redis-unit",
        "redis",
        "resources.memory_request",
        "128mb",
        NOT_QUANTITY,
        "Did you mean '128Mi'?",
        resources=Resources(memory_request="128mb"),
    ),
    bad(
        "memory-limit-millibytes",
        "redis",
        "resources.memory_limit",
        "384m",
        "must be a whole number of bytes ('m' means 1/1000)",
        "Did you mean '384Mi'?",
        resources=Resources(memory_limit="384m"),
    ),
    bad(
        "cpu-request-above-limit",
        "redis",
        "resources.cpu_request",
        "1",
        "must not exceed 'resources.cpu_limit' (500m)",
        "Lower the request or raise the limit.",
        resources=Resources(cpu_request="1"),
    ),
    bad(
        "memory-request-above-limit",
        "redis",
        "resources.memory_request",
        "600Mi",
        "must not exceed 'resources.memory_limit' (512Mi)",
        "Lower the request or raise the limit.",
        resources=Resources(memory_request="600Mi"),
    ),
    bad(
        "resources-dict",
        "redis",
        "resources",
        {"cpu": "1"},
        "must be an agentsmith.Resources",
        "Pass Resources(cpu_limit=..., ...).",
    ),
    # -- memory quantities fit a signed 64-bit count of bytes --------------------------------
    bad(
        "memory-limit-17Ei",
        "redis",
        "resources.memory_limit",
        "17Ei",
        "must be at most 9223372036854775807 bytes (a signed 64-bit count, as Kubernetes and Redis keep it)",
        "Use a realistic size such as '384Mi' or '16Gi'.",
        resources=Resources(memory_limit="17Ei"),
    ),
]


@pytest.mark.parametrize("row", BAD_PROPS)
def test_bad_input_raises_one_exact_error_before_any_api_object(row: BadInput, bad_chart: BadChart) -> None:
    bad_chart.refuses(row)


# -- valid edge cases: these must keep passing ------------------------------


def test_quantities_in_nano_and_micro_pass(synth_redis: SynthRedis) -> None:
    # Kubernetes' decimalSI suffixes include n (1e-9) and u (1e-6).
    resources = Resources(cpu_request="100000000n", cpu_limit="500000u")
    objects = synth_redis(resources=resources)
    (deployment,) = (obj for obj in objects if obj["kind"] == "Deployment")
    container = the_container(deployment)
    assert container["resources"]["requests"]["cpu"] == "100000000n"
    assert container["resources"]["limits"]["cpu"] == "500000u"
