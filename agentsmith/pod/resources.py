"""Container resource requests and limits, as a frozen value object."""

from __future__ import annotations

from dataclasses import dataclass

from agentsmith.core import seed
from agentsmith.core.rules import PathArg, fail, quantity

__all__ = ["DEFAULT_MEMORY_LIMIT", "DEFAULT_RESOURCES", "MAX_MEMORY_BYTES", "Resources"]

#: The largest memory request or limit: 2^63 - 1 bytes. Kubernetes keeps
#: memory in a signed 64-bit count of bytes, and redis-server reads the sizes
#: derived from the limit (``--maxmemory-clients`` ...) as signed 64-bit
#: numbers: a larger limit gave a value Redis rejects at start (a crash loop).
MAX_MEMORY_BYTES = 2**63 - 1
#: ``limits.memory`` by default: 256mb of ``maxmemory`` (seed) x 29/16 (the allocator's measured overhead under
#: eviction churn, ``agentsmith._limits.FRAGMENTATION_SHARE``) = 464 MiB, plus a 48mb client budget. The seed's
#: 384Mi was OOM-killed within a second of such churn (docs/design.md, "Sizing under eviction churn").
DEFAULT_MEMORY_LIMIT = "512Mi"


@dataclass(frozen=True, kw_only=True)
class Resources:
    """CPU and memory requests and limits of the Redis container, as Kubernetes quantity strings.

    Attributes:
        cpu_request: Default ``"100m"`` (seed).
        memory_request: Default ``"128Mi"`` (seed).
        cpu_limit: Default ``"500m"`` (seed).
        memory_limit: Default ``"512Mi"``: the seed's ``"384Mi"`` cannot hold its ``256mb`` under eviction
            churn (docs/design.md, "Sizing under eviction churn"); with ``"384Mi"``, ``maxmemory`` ``"211mb"``.
    """

    cpu_request: str = seed.CPU_REQUEST
    memory_request: str = seed.MEMORY_REQUEST
    cpu_limit: str = seed.CPU_LIMIT
    memory_limit: str = DEFAULT_MEMORY_LIMIT

    @staticmethod
    def _check(path: PathArg, value: object, *, prop: str = "resources") -> Resources:
        """Requests and limits are valid quantities (memory in whole bytes) and each request is at most its limit."""
        if not isinstance(value, Resources):
            raise fail(path, prop, value, "must be an agentsmith.Resources", "Pass Resources(cpu_limit=..., ...).")
        cpu_request = quantity(path, f"{prop}.cpu_request", value.cpu_request, example="100m")
        cpu_limit = quantity(path, f"{prop}.cpu_limit", value.cpu_limit, example="500m")
        memory_request = quantity(path, f"{prop}.memory_request", value.memory_request, example="128Mi", whole=True)
        memory_limit = quantity(path, f"{prop}.memory_limit", value.memory_limit, example="384Mi", whole=True)
        for field, amount in (("memory_request", memory_request), ("memory_limit", memory_limit)):
            if amount > MAX_MEMORY_BYTES:
                raise fail(
                    path,
                    f"{prop}.{field}",
                    getattr(value, field),
                    f"must be at most {MAX_MEMORY_BYTES} bytes (a signed 64-bit count, as Kubernetes and Redis "
                    "keep it)",
                    "Use a realistic size such as '384Mi' or '16Gi'.",
                )
        for kind, request, limit in (("cpu", cpu_request, cpu_limit), ("memory", memory_request, memory_limit)):
            if request > limit:
                raise fail(
                    path,
                    f"{prop}.{kind}_request",
                    getattr(value, f"{kind}_request"),
                    f"must not exceed '{prop}.{kind}_limit' ({getattr(value, f'{kind}_limit')})",
                    "Lower the request or raise the limit.",
                )
        return value


#: The seed's requests and limits.
DEFAULT_RESOURCES = Resources()
