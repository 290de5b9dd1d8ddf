"""What a node drain does to the bus: evict it (the design's), or wait for it with a PodDisruptionBudget."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Final

from agentsmith.core.rules import PathArg, boolean, fail
from agentsmith.core.values import FactoryBuilt

__all__ = ["DEFAULT_DISRUPTION", "RedisDisruption", "budget_manifest"]

_FACTORIES: Final = "RedisDisruption.evictable() or RedisDisruption.wait_for_bus(evict_unready=False)"


@dataclass(frozen=True, init=False, repr=False)
class RedisDisruption(FactoryBuilt):
    """What a voluntary disruption (``kubectl drain``, a node upgrade, the cluster autoscaler) does to the Redis
    pod (``disruption=``); build it with a factory. The trade-off: docs/operations.md, "Node drains".

    Attributes:
        creates_budget: ``False`` for :meth:`evictable` (no PodDisruptionBudget), ``True`` for :meth:`wait_for_bus`.
        evict_unready: With :meth:`wait_for_bus`, whether a drain may evict the pod while it is not Ready
            (``unhealthyPodEvictionPolicy: AlwaysAllow``); ``False`` otherwise.
    """

    creates_budget: bool
    evict_unready: bool

    _factories: ClassVar[str] = _FACTORIES

    def __repr__(self) -> str:
        """The factory call that builds this value."""
        if not self.creates_budget:
            return "RedisDisruption.evictable()"
        return f"RedisDisruption.wait_for_bus(evict_unready={self.evict_unready!r})"

    @classmethod
    def evictable(cls) -> RedisDisruption:
        """No PodDisruptionBudget: a drain evicts the bus at once and every in-flight job is lost (the design's
        choice; ``RedisMetrics``' ``AgentsmithRedisDown`` says so). The default."""
        return cls._build(creates_budget=False, evict_unready=False)

    @classmethod
    def wait_for_bus(cls, *, evict_unready: bool = False) -> RedisDisruption:
        """A PodDisruptionBudget (``minAvailable: 1``) on the Redis pod: drains and node upgrades wait until an
        operator deletes the pod or the budget (opt-in; docs/operations.md, "Node drains").

        Args:
            evict_unready: Default ``False``: an unready Redis blocks drains too (Kubernetes'
                ``IfHealthyBudget``: it may be unready under load while it holds jobs). ``True``:
                ``unhealthyPodEvictionPolicy: AlwaysAllow``, so a crash-looping bus does not block a drain.
        """
        return cls._build(creates_budget=True, evict_unready=evict_unready)

    @staticmethod
    def _check(path: PathArg, value: object, *, prop: str = "disruption") -> RedisDisruption:
        """``disruption``: a RedisDisruption from a factory."""
        if not isinstance(value, RedisDisruption):
            raise fail(path, prop, value, "must be an agentsmith.RedisDisruption", f"Use {_FACTORIES}.")
        fix = "Pass RedisDisruption.wait_for_bus(evict_unready=True) or evict_unready=False."
        boolean(path, f"{prop}.evict_unready", value.evict_unready, fix=fix)
        return value


#: The design's: no PodDisruptionBudget (:meth:`RedisDisruption.evictable`).
DEFAULT_DISRUPTION: Final = RedisDisruption.evictable()


def budget_manifest(
    disruption: RedisDisruption, *, metadata: Mapping[str, Any], pod_selector: Mapping[str, str]
) -> dict[str, Any]:
    """The ``policy/v1`` PodDisruptionBudget of :meth:`RedisDisruption.wait_for_bus`: exactly the Redis pod."""
    spec: dict[str, Any] = {"minAvailable": 1, "selector": {"matchLabels": dict(pod_selector)}}
    if disruption.evict_unready:
        spec["unhealthyPodEvictionPolicy"] = "AlwaysAllow"
    return {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": dict(metadata), "spec": spec}
