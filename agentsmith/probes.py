"""Probe timings, as a frozen value object."""

from __future__ import annotations

from dataclasses import dataclass

from . import _seed
from ._rules import INT32_MAX, PathArg, fail, integer

__all__ = ["DEFAULT_LIVENESS", "DEFAULT_READINESS", "ProbeTiming"]


@dataclass(frozen=True, kw_only=True)
class ProbeTiming:
    """When and how often Kubernetes runs the ``redis-cli ping`` probe.

    Attributes:
        initial_delay_seconds: ``initialDelaySeconds``; must be >= 0.
        period_seconds: ``periodSeconds``; must be >= 1.
        timeout_seconds: ``timeoutSeconds``; must be >= 1.
    """

    initial_delay_seconds: int
    period_seconds: int
    timeout_seconds: int

    @staticmethod
    def _check(path: PathArg, prop: str, value: object) -> ProbeTiming:
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
        return value


#: The seed's liveness probe: 10 s delay, every 15 s, 3 s timeout.
DEFAULT_LIVENESS = ProbeTiming(
    initial_delay_seconds=_seed.LIVENESS_INITIAL_DELAY_SECONDS,
    period_seconds=_seed.LIVENESS_PERIOD_SECONDS,
    timeout_seconds=_seed.LIVENESS_TIMEOUT_SECONDS,
)
#: The seed's readiness probe: 5 s delay, every 10 s, 3 s timeout.
DEFAULT_READINESS = ProbeTiming(
    initial_delay_seconds=_seed.READINESS_INITIAL_DELAY_SECONDS,
    period_seconds=_seed.READINESS_PERIOD_SECONDS,
    timeout_seconds=_seed.READINESS_TIMEOUT_SECONDS,
)
