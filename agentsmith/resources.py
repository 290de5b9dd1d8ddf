"""Container resource requests and limits, as a frozen value object."""

from __future__ import annotations

from dataclasses import dataclass

from . import _seed

__all__ = ["DEFAULT_RESOURCES", "Resources"]


@dataclass(frozen=True, kw_only=True)
class Resources:
    """CPU and memory requests and limits of the Redis container.

    Why a small frozen dataclass instead of cdk8s-plus ``ContainerResources``:
    the values are plain Kubernetes quantity strings, exactly as they appear in
    the manifest and in the seed, so they can be validated and quoted in error
    messages before anything is handed to jsii, compared with ``==`` in tests
    and shared between instances without aliasing. ``cdk8s_plus_27.Cpu`` and
    ``Size`` objects live in the Node.js process and cannot be inspected cheaply.

    Attributes:
        cpu_request: ``requests.cpu``. Default ``"100m"`` (seed).
        memory_request: ``requests.memory``. Default ``"128Mi"`` (seed).
        cpu_limit: ``limits.cpu``. Default ``"500m"`` (seed).
        memory_limit: ``limits.memory``. Default ``"384Mi"`` (seed): headroom
            above Redis's ``maxmemory`` of ``256mb`` for the process itself.
    """

    cpu_request: str = _seed.CPU_REQUEST
    memory_request: str = _seed.MEMORY_REQUEST
    cpu_limit: str = _seed.CPU_LIMIT
    memory_limit: str = _seed.MEMORY_LIMIT


#: The seed's requests and limits.
DEFAULT_RESOURCES = Resources()
