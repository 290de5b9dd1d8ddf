"""Probe timings, as a frozen value object."""

from __future__ import annotations

from dataclasses import dataclass

from . import _seed

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
