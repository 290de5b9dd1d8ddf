"""Probe timings, as a frozen value object."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from agentsmith.core import seed
from agentsmith.core.rules import INT32_MAX, PathArg, fail, integer

__all__ = [
    "DEFAULT_LIVENESS",
    "DEFAULT_PROBES",
    "DEFAULT_READINESS",
    "LIVENESS_FAILURE_THRESHOLD",
    "ProbeTiming",
    "RedisProbes",
]

#: Liveness probes that may fail in a row before Kubernetes restarts Redis:
#: with the seed's 15 s period a block shorter than 105 s (7 periods) never
#: restarts it; a hung Redis is restarted within about 2 minutes instead of
#: 45 s. A restart loses every in-flight job, a block only delays them
#: (docs/security.md, "Hostile clients: connections, CPU and retained memory").
LIVENESS_FAILURE_THRESHOLD = 8


@dataclass(frozen=True, kw_only=True)
class ProbeTiming:
    """When and how often Kubernetes runs one probe.

    Attributes:
        initial_delay_seconds: ``initialDelaySeconds``, at least 0.
        period_seconds: ``periodSeconds``, at least 1.
        timeout_seconds: ``timeoutSeconds``, at least 1.
        failure_threshold: Default ``None``: Kubernetes' 3. ``failureThreshold``, at least 1.
    """

    initial_delay_seconds: int
    period_seconds: int
    timeout_seconds: int
    failure_threshold: int | None = None

    @staticmethod
    def _check(path: PathArg, value: object, *, prop: str) -> ProbeTiming:
        """Kubernetes' bounds, all int32: initialDelaySeconds >= 0 (0: probe at once), the others >= 1."""
        if not isinstance(value, ProbeTiming):
            raise fail(path, prop, value, "must be an agentsmith.ProbeTiming", "Pass ProbeTiming(...).")
        delay = value.initial_delay_seconds
        integer(
            path, f"{prop}.initial_delay_seconds", delay, minimum=0, maximum=INT32_MAX, fix="Use 0 or more seconds."
        )
        # Kubernetes silently replaces 0 with its default (10 s period, 1 s timeout).
        for field in ("period_seconds", "timeout_seconds"):
            seconds = getattr(value, field)
            integer(path, f"{prop}.{field}", seconds, minimum=1, maximum=INT32_MAX, fix="Use 1 or more seconds.")
        if value.failure_threshold is not None:
            integer(
                path,
                f"{prop}.failure_threshold",
                value.failure_threshold,
                minimum=1,
                maximum=INT32_MAX,
                fix="Use 1 or more probes, or None for Kubernetes' default (3).",
            )
        return value


#: The seed's liveness probe: 10 s delay, every 15 s, 3 s timeout; plus
#: ``failureThreshold`` :data:`LIVENESS_FAILURE_THRESHOLD` (8; the seed sets none).
DEFAULT_LIVENESS = ProbeTiming(
    initial_delay_seconds=seed.LIVENESS_INITIAL_DELAY_SECONDS,
    period_seconds=seed.LIVENESS_PERIOD_SECONDS,
    timeout_seconds=seed.LIVENESS_TIMEOUT_SECONDS,
    failure_threshold=LIVENESS_FAILURE_THRESHOLD,
)
#: The seed's readiness probe: 5 s delay, every 10 s, 3 s timeout.
DEFAULT_READINESS = ProbeTiming(
    initial_delay_seconds=seed.READINESS_INITIAL_DELAY_SECONDS,
    period_seconds=seed.READINESS_PERIOD_SECONDS,
    timeout_seconds=seed.READINESS_TIMEOUT_SECONDS,
)


@dataclass(frozen=True, kw_only=True)
class RedisProbes:
    """The timings of ``EphemeralRedis``'s two probes (``probes=``); what they run follows ``access``.

    Attributes:
        liveness: Default :data:`DEFAULT_LIVENESS`: the seed's 10 s delay, 15 s period, 3 s timeout, plus
            ``failureThreshold: 8`` (docs/security.md, "Honest probes").
        readiness: Default :data:`DEFAULT_READINESS`: the seed's 5 s delay, 10 s period, 3 s timeout.
    """

    liveness: ProbeTiming = DEFAULT_LIVENESS
    readiness: ProbeTiming = DEFAULT_READINESS

    @staticmethod
    def _check(path: PathArg, value: object, *, prop: str = "probes") -> RedisProbes:
        """``probes``: a RedisProbes whose two timings are valid."""
        if not isinstance(value, RedisProbes):
            raise fail(
                path,
                "probes",
                value,
                "must be an agentsmith.RedisProbes",
                "Pass RedisProbes(liveness=ProbeTiming(...), readiness=ProbeTiming(...)).",
            )
        ProbeTiming._check(path, value.liveness, prop="probes.liveness")
        ProbeTiming._check(path, value.readiness, prop="probes.readiness")
        return value


#: The seed's probe timings (:data:`DEFAULT_LIVENESS`, :data:`DEFAULT_READINESS`).
DEFAULT_PROBES = RedisProbes()


def probe_manifest(timing: ProbeTiming, command: Sequence[str]) -> dict[str, Any]:
    """An ``exec`` probe running ``command`` with ``timing`` (``failureThreshold`` only when set)."""
    probe: dict[str, Any] = {
        "exec": {"command": list(command)},
        "initialDelaySeconds": timing.initial_delay_seconds,
        "periodSeconds": timing.period_seconds,
        "timeoutSeconds": timing.timeout_seconds,
    }
    if timing.failure_threshold is not None:
        probe["failureThreshold"] = timing.failure_threshold
    return probe
