"""Opt-in metrics for the bus: a redis_exporter sidecar, a scrape target and tested alerts."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

from agentsmith.core import redis_props, seed
from agentsmith.core.rules import PathArg, boolean, fail, integer, selector
from agentsmith.endpoint import SecretKeyRef
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
        namespace_selector=MappingProxyType({"kubernetes.io/metadata.name": "monitoring"}),
        pod_selector=MappingProxyType({"app.kubernetes.io/name": "prometheus"}),
    ),
)
_OWNED_LABEL_KEYS: Final = (seed.SELECTOR_LABEL_KEY, seed.NAME_LABEL_KEY, seed.COMPONENT_LABEL_KEY)
# prometheus-operator's Duration pattern (monitoring.coreos.com/v1 CRDs).
_DURATION = re.compile(r"((([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?|0)")


@dataclass(frozen=True, kw_only=True)
class RedisMetrics:
    """What ``EphemeralRedis(..., metrics=RedisMetrics())`` adds so that job loss is never silent.

    * a ``redis-exporter`` container in the Redis pod (non-root, no privilege
      escalation, all capabilities dropped, read-only root filesystem,
      ``RuntimeDefault`` seccomp, readiness on ``GET /health``), scraping
      Redis on the pod's loopback;
    * a ``<name>-metrics`` ClusterIP Service with one port named ``metrics``
      (the bus Service stays as the seed has it);
    * a second ingress rule in the NetworkPolicy: only ``scrape_from``, only
      the metrics port (the scrapers still cannot reach the Redis port);
    * a ServiceMonitor and a PrometheusRule (prometheus-operator
      ``monitoring.coreos.com/v1``), each optional;
    * with the command guard, an ACL user ``metrics`` for the exporter that
      may run ``INFO``, ``PING``, ``CLIENT SETNAME``, ``CONFIG GET``,
      ``LATENCY LATEST|HISTOGRAM`` and ``SLOWLOG GET|LEN`` and nothing else
      (no keys, no channels); the default user's rules do not change. Its
      password is ``password``, or that of ``RedisAccess.password``'s Secret;
      with ``RedisAccess.roles`` it must be given; in the no-password mode it has none (``nopass``), like
      the default user, and can do less than that user.

    Attributes:
        image: the exporter image. Default :data:`DEFAULT_EXPORTER_IMAGE`.
        port: the exporter's port (container, Service, NetworkPolicy).
            Default ``9121``.
        resources: the exporter's requests and limits. Default
            :data:`DEFAULT_EXPORTER_RESOURCES` (10m/32Mi requested, 100m/64Mi limit).
        scrape_from: who may scrape, as NetworkPolicy peers. Default
            :data:`DEFAULT_SCRAPERS` (Prometheus pods in namespace ``monitoring``).
            Must not be empty.
        password: the exporter ACL user's password. Default ``None``: the
            password of ``RedisAccess.password``'s Secret, or none (``nopass``)
            in the no-password mode; required with ``RedisAccess.roles``.
        service_monitor: create the ServiceMonitor. Default ``True``.
        prometheus_rule: create the PrometheusRule. Default ``True``.
        monitor_labels: extra labels on the ServiceMonitor and PrometheusRule,
            e.g. ``{"release": "kube-prometheus-stack"}`` for the operator's
            selectors. Default: none.
        scrape_interval: the ServiceMonitor's ``interval``. Default ``"30s"``.
        alert_after: how long a condition must hold before its alert fires
            (the rules' ``for``), for Redis down, metrics missing, memory and
            client memory high. Default ``"1m"``. Evictions, OOM errors and
            rejected connections fire at once: each is already lost work.
        memory_threshold: share of ``maxmemory`` above which
            ``AgentsmithRedisMemoryHigh`` fires. Default ``0.9``.
        client_memory_threshold: share of the client memory budget
            (``--maxmemory-clients``) above which
            ``AgentsmithRedisClientMemoryHigh`` fires. Default ``0.9``.
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

    @staticmethod
    def _check(path: PathArg, value: object, *, redis_port: int) -> RedisMetrics | None:
        """None, or valid RedisMetrics whose port differs from Redis's."""
        if value is None:
            return None
        if not isinstance(value, RedisMetrics):
            raise fail(path, "metrics", value, "must be an agentsmith.RedisMetrics", "Pass metrics=RedisMetrics().")
        redis_props.image(path, value.image, prop="metrics.image", example=DEFAULT_EXPORTER_IMAGE)
        integer(path, "metrics.port", value.port, minimum=1, maximum=65535, fix="Use a TCP port such as 9121.")
        if value.port == redis_port:
            raise fail(
                path,
                "metrics.port",
                value.port,
                f"must differ from 'port' ({redis_port}): both containers share the pod's network",
                f"Use {EXPORTER_PORT}, redis_exporter's default.",
            )
        Resources._check(path, value.resources, prop="metrics.resources")
        NetworkPeer._check_all(path, value.scrape_from, prop="metrics.scrape_from")
        if value.password is not None:
            SecretKeyRef._check(path, "metrics.password", value.password)
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
        return value
