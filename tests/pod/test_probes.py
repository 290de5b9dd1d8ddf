"""RedisProbes and ProbeTiming: one exact error per bad field."""

from __future__ import annotations

import pytest
from _bad_props import BadChart, BadInput, bad, probe

from agentsmith import DEFAULT_LIVENESS, ProbeTiming, RedisProbes

# -- Bad props: one exact error each, before any API object (tests/_bad_props.py) --------

BAD_PROPS = [
    bad(
        "liveness-failure-threshold-zero",
        "redis",
        "probes.liveness.failure_threshold",
        0,
        "must be at least 1",
        "Use 1 or more probes, or None for Kubernetes' default (3).",
        probes=RedisProbes(
            liveness=ProbeTiming(initial_delay_seconds=10, period_seconds=15, timeout_seconds=3, failure_threshold=0)
        ),
    ),
    # -- probe timings ----------------------------------------------------------------------
    bad(
        "liveness-period-zero",
        "redis",
        "probes.liveness.period_seconds",
        0,
        "must be at least 1",
        "Use 1 or more seconds.",
        probes=RedisProbes(liveness=probe(period_seconds=0)),
    ),
    bad(
        "liveness-timeout-zero",
        "redis",
        "probes.liveness.timeout_seconds",
        0,
        "must be at least 1",
        "Use 1 or more seconds.",
        probes=RedisProbes(liveness=probe(timeout_seconds=0)),
    ),
    bad(
        "liveness-delay-negative",
        "redis",
        "probes.liveness.initial_delay_seconds",
        -1,
        "must be at least 0",
        "Use 0 or more seconds.",
        probes=RedisProbes(liveness=probe(initial_delay_seconds=-1)),
    ),
    bad(
        "liveness-period-above-int32",
        "redis",
        "probes.liveness.period_seconds",
        2**31,
        "must be at most 2147483647 (int32)",
        "Use 1 or more seconds.",
        probes=RedisProbes(liveness=probe(period_seconds=2**31)),
    ),
    bad(
        "readiness-period-zero",
        "redis",
        "probes.readiness.period_seconds",
        0,
        "must be at least 1",
        "Use 1 or more seconds.",
        probes=RedisProbes(readiness=probe(period_seconds=0)),
    ),
    bad(
        "readiness-timeout-float",
        "redis",
        "probes.readiness.timeout_seconds",
        1.5,
        "must be an integer, not a float",
        "Use 1 or more seconds.",
        probes=RedisProbes(readiness=probe(timeout_seconds=1.5)),
    ),
    bad(
        "liveness-none",
        "redis",
        "probes.liveness",
        None,
        "must be an agentsmith.ProbeTiming",
        "Pass ProbeTiming(...).",
        probes=RedisProbes(liveness=None),  # type: ignore[arg-type]
    ),
    bad(
        "probes-a-timing",
        "redis",
        "probes",
        DEFAULT_LIVENESS,
        "must be an agentsmith.RedisProbes",
        "Pass RedisProbes(liveness=ProbeTiming(...), readiness=ProbeTiming(...)).",
    ),
]


@pytest.mark.parametrize("row", BAD_PROPS)
def test_bad_input_raises_one_exact_error_before_any_api_object(row: BadInput, bad_chart: BadChart) -> None:
    bad_chart.refuses(row)
