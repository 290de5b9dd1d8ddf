"""Opt-in metrics for the bus: a redis_exporter sidecar, a scrape target and tested alerts."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

from agentsmith.core import redis_props, seed
from agentsmith.core.rules import NAMESPACE_NAME_LABEL, PathArg, boolean, fail, integer, selector
from agentsmith.endpoint import SecretKeyRef
from agentsmith.metrics.dashboard import GrafanaDashboard
from agentsmith.pod.network import NetworkPeer
from agentsmith.pod.resources import Resources

__all__ = [
    "DEFAULT_EXPORTER_IMAGE",
    "DEFAULT_EXPORTER_RESOURCES",
    "DEFAULT_SCRAPERS",
    "EXPORTER_PORT",
    "RedisMetrics",
]

#: oliver006/redis_exporter, the exporter Bitnami's chart and the Prometheus docs use. A pinned tag.
DEFAULT_EXPORTER_IMAGE: Final = "oliver006/redis_exporter:v1.67.0"
#: redis_exporter's own default port (``--web.listen-address=:9121``).
EXPORTER_PORT: Final = 9121
#: A Go binary that holds one Redis connection: about 15 MB resident when scraped every 30 s.
DEFAULT_EXPORTER_RESOURCES: Final = Resources(
    cpu_request="10m", memory_request="32Mi", cpu_limit="100m", memory_limit="64Mi"
)
#: Prometheus pods (``app.kubernetes.io/name: prometheus``, as prometheus-operator labels them)
#: in the namespace named ``monitoring`` (``kubernetes.io/metadata.name`` is set by Kubernetes).
DEFAULT_SCRAPERS: Final[tuple[NetworkPeer, ...]] = (
    NetworkPeer(
        namespace_selector=MappingProxyType({NAMESPACE_NAME_LABEL: "monitoring"}),
        pod_selector=MappingProxyType({"app.kubernetes.io/name": "prometheus"}),
    ),
)
_OWNED_LABEL_KEYS: Final = (seed.SELECTOR_LABEL_KEY, seed.NAME_LABEL_KEY, seed.COMPONENT_LABEL_KEY)
# prometheus-operator's Duration pattern (monitoring.coreos.com/v1 CRDs).
_DURATION = re.compile(r"((([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?|0)")


@dataclass(frozen=True, kw_only=True)
class RedisMetrics:
    """Opt-in metrics and alerts for an ``EphemeralRedis``, so that job loss is never silent.

    It adds a redis_exporter sidecar, a ``<name>-metrics`` Service, a NetworkPolicy rule for the scrapers,
    a ServiceMonitor, a PrometheusRule and, with the guard, a read-only ACL user ``metrics`` for the exporter
    (docs/operations.md, "Metrics and alerts").

    Attributes:
        image: Default :data:`DEFAULT_EXPORTER_IMAGE`. The exporter image.
        port: Default ``9121``. The exporter's port (container, Service, NetworkPolicy).
        resources: Default :data:`DEFAULT_EXPORTER_RESOURCES`: 10m/32Mi requested, 100m/64Mi limit.
        scrape_from: Default :data:`DEFAULT_SCRAPERS`: Prometheus pods in namespace ``monitoring``. Not empty.
        password: Default ``None``: the ``RedisAccess.password`` Secret's, or ``nopass`` without one;
            required with ``RedisAccess.roles``. The ``metrics`` user's password.
        service_monitor: Default ``True``. Create the ServiceMonitor.
        prometheus_rule: Default ``True``. Create the PrometheusRule.
        monitor_labels: Default none. Extra labels on both, e.g. ``{"release": "kube-prometheus-stack"}``.
        scrape_interval: Default ``"30s"``. The ServiceMonitor's ``interval``.
        alert_after: Default ``"1m"``. The rules' ``for``, except evictions, OOM errors and rejected
            connections, which fire at once.
        memory_threshold: Default ``0.9``. Share of ``maxmemory`` above which ``AgentsmithRedisMemoryHigh`` fires.
        client_memory_threshold: Default ``0.9``. Share of the client memory budget above which
            ``AgentsmithRedisClientMemoryHigh`` fires.
        dashboard: Default ``None``: no dashboard. :class:`GrafanaDashboard` adds a ConfigMap
            ``<name>-dashboard`` holding a Grafana dashboard, labelled for the Grafana sidecar.
    """

    image: str = DEFAULT_EXPORTER_IMAGE
    port: int = EXPORTER_PORT
    resources: Resources = DEFAULT_EXPORTER_RESOURCES
    scrape_from: Sequence[NetworkPeer] = DEFAULT_SCRAPERS
    password: SecretKeyRef | None = None
    service_monitor: bool = True
    prometheus_rule: bool = True
    monitor_labels: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    scrape_interval: str = "30s"
    alert_after: str = "1m"
    memory_threshold: float = 0.9
    client_memory_threshold: float = 0.9
    dashboard: GrafanaDashboard | None = None

    @staticmethod
    def _check(path: PathArg, value: object, *, prop: str = "metrics") -> RedisMetrics | None:
        """None, or valid RedisMetrics (``EphemeralRedis`` checks its port against Redis's)."""
        if value is None:
            return None
        if not isinstance(value, RedisMetrics):
            raise fail(path, "metrics", value, "must be an agentsmith.RedisMetrics", "Pass metrics=RedisMetrics().")
        redis_props.image(path, value.image, prop="metrics.image", example=DEFAULT_EXPORTER_IMAGE)
        integer(path, "metrics.port", value.port, minimum=1, maximum=65535, fix="Use a TCP port such as 9121.")
        Resources._check(path, value.resources, prop="metrics.resources")
        NetworkPeer._check_all(path, value.scrape_from, prop="metrics.scrape_from")
        if value.password is not None:
            SecretKeyRef._check(path, value.password, prop="metrics.password")
        for flag in ("service_monitor", "prometheus_rule"):
            boolean(path, f"metrics.{flag}", getattr(value, flag))
        selector(path, "metrics.monitor_labels", value.monitor_labels)
        owned = sorted(set(value.monitor_labels) & set(_OWNED_LABEL_KEYS))
        if owned:
            raise fail(
                path,
                "metrics.monitor_labels",
                dict(value.monitor_labels),
                f"must not set {owned[0]!r}: the construct owns it (the ServiceMonitor's selector and identity labels)",
                "Remove it; use other keys such as 'release'.",
            )
        for prop, example in (("scrape_interval", "30s"), ("alert_after", "1m")):
            duration = getattr(value, prop)
            if not isinstance(duration, str) or not duration or not _DURATION.fullmatch(duration):
                raise fail(
                    path,
                    f"metrics.{prop}",
                    duration,
                    "must be a Prometheus duration such as '30s', '1m' or '1h30m'",
                    f"Use e.g. {example!r}.",
                )
        if not re.search(r"[1-9]", value.scrape_interval):
            raise fail(
                path, "metrics.scrape_interval", value.scrape_interval, "must be greater than 0", "Use e.g. '30s'."
            )
        for prop in ("memory_threshold", "client_memory_threshold"):
            share = getattr(value, prop)
            if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 < share <= 1:
                raise fail(
                    path,
                    f"metrics.{prop}",
                    share,
                    "must be a number above 0 and at most 1 (a share of the limit)",
                    "Use e.g. 0.9 (alert at 90%).",
                )
        GrafanaDashboard._check(path, value.dashboard, prop="metrics.dashboard")
        return value
