"""What the checks read of the construct tree through jsii, cached where benchmarks/synth_scaling.py shows it pays.

Each read costs a round trip to Node.js; every value cached here is fixed once
its construct exists, so a cached value is never stale.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, TypeVar

import cdk8s
from constructs import IConstruct

from agentsmith.core.identity import IdentityMap

V = TypeVar("V")


class TreeCache:
    """The jsii reads of the checks, each behind a cache that :meth:`disable` can turn off (for the benchmark)."""

    NAMES = ("charts", "roots", "chart_namespaces")

    def __init__(self) -> None:
        self._maps: dict[str, IdentityMap[Any, Any]] = {name: IdentityMap() for name in self.NAMES}
        self._enabled = set(self.NAMES)

    def disable(self, *names: str) -> None:
        """Read through jsii every time for the caches ``names`` (all of :attr:`NAMES` if none is given)."""
        unknown = set(names) - set(self.NAMES)
        if unknown:
            raise ValueError(f"no such cache: {sorted(unknown)}")
        self._enabled -= set(names or self.NAMES)

    def _get(self, name: str, key: Any, read: Callable[[], V]) -> V:
        if name not in self._enabled:
            return read()
        cache = self._maps[name]
        found = cache.get(key)
        if found is None:
            found = cache[key] = read()
        return found

    def placed(self, construct: IConstruct, chart: cdk8s.Chart) -> None:
        """Record that ``construct`` is being created in ``chart``, so that its chart costs no round trip."""
        if "charts" in self._enabled:
            self._maps["charts"][construct] = chart

    def chart(self, construct: IConstruct) -> cdk8s.Chart:
        """The chart of ``construct`` (itself if it is one)."""
        if isinstance(construct, cdk8s.Chart):
            return construct
        return self._get("charts", construct, lambda: cdk8s.Chart.of(construct))

    def root(self, construct: IConstruct) -> IConstruct:
        """The root of ``construct``'s tree (its app)."""
        chart = self._maps["charts"].get(construct) if "charts" in self._enabled else None
        scope = construct if chart is None else chart
        return self._get("roots", scope, lambda: scope.node.root)

    def chart_namespace(self, construct: IConstruct) -> str:
        """The namespace of ``construct``'s chart, ``""`` if it has none."""
        chart = self.chart(construct)
        return self._get("chart_namespaces", chart, lambda: chart.namespace or "")

    def chart_labels(self, construct: IConstruct) -> Mapping[str, str]:
        """The labels of ``construct``'s chart (not cached: read once per construct, it did not pay)."""
        return MappingProxyType(dict(self.chart(construct).labels))


#: The one cache of the process (jsii hands out one Python object per JavaScript object, so one serves every app).
cache = TreeCache()
