"""cdk8s constructs for agentsmith's Kubernetes manifests.

Public API::

    from agentsmith import AgentsmithNamespace, EphemeralRedis

    ns = AgentsmithNamespace(chart, "namespace")
    redis = EphemeralRedis(chart, "redis", namespace=ns.name)
    redis.url  # "redis://redis:6379"
"""

from __future__ import annotations

from .connection_secret import RedisConnectionSecret
from .errors import AgentsmithConfigError
from .namespace import AgentsmithNamespace
from .probes import DEFAULT_LIVENESS, DEFAULT_READINESS, ProbeTiming
from .redis import EphemeralRedis
from .resources import DEFAULT_RESOURCES, Resources

__all__ = [
    "DEFAULT_LIVENESS",
    "DEFAULT_READINESS",
    "DEFAULT_RESOURCES",
    "AgentsmithConfigError",
    "AgentsmithNamespace",
    "EphemeralRedis",
    "ProbeTiming",
    "RedisConnectionSecret",
    "Resources",
]
