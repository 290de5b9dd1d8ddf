"""The redis_exporter sidecar of ``EphemeralRedis(metrics=...)``: its container, Service and ServiceMonitor.

Its login (user, password, the ``metrics`` ACL user) is the access mode's:
``agentsmith.access.server.ExporterLogin``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from agentsmith.access.server import ExporterLogin
from agentsmith.base import manifest
from agentsmith.metrics.metrics import RedisMetrics
from agentsmith.pod import options

__all__ = [
    "EXPORTER_CONTAINER",
    "METRICS_COMPONENT",
    "METRICS_PORT_NAME",
    "container",
    "metrics_service_name",
    "peers",
    "service",
    "service_monitor",
]

EXPORTER_CONTAINER: Final = "redis-exporter"
METRICS_PORT_NAME: Final = "metrics"
#: ``app.kubernetes.io/component`` of the metrics Service: the ServiceMonitor selects it.
METRICS_COMPONENT: Final = "metrics"
#: The exporter's image runs as this UID (oliver006/redis_exporter's Dockerfile: USER 59000:59000).
_EXPORTER_UID: Final = 59000
_HEALTH_PATH: Final = "/health"
_SECCOMP: Final = {"type": "RuntimeDefault"}


def metrics_service_name(name: str) -> str:
    """``"redis-metrics"`` for the Redis named ``"redis"``."""
    return f"{name}-metrics"


def _http_probe(*, initial_delay: int, period: int) -> dict[str, Any]:
    # /health answers 200 while the exporter serves, whatever Redis's state: Redis down shows as
    # redis_up 0 (an alert), not as an unready pod that would take the bus out of its Service.
    return {
        "httpGet": {"path": _HEALTH_PATH, "port": METRICS_PORT_NAME},
        "initialDelaySeconds": initial_delay,
        "periodSeconds": period,
        "timeoutSeconds": 3,
    }


def container(
    metrics: RedisMetrics, exporter_login: ExporterLogin, *, redis_port: int, pull_policy: str | None = None
) -> dict[str, Any]:
    """The ``redis-exporter`` container: scrapes Redis on the pod's loopback, serves ``/metrics``.

    ``pull_policy``: the pod's choice (``RedisPodOptions``), else what the image's reference implies.
    """
    args = [f"--redis.addr=redis://127.0.0.1:{redis_port}", f"--web.listen-address=:{metrics.port}"]
    if exporter_login.user is not None:
        args.append(f"--redis.user={exporter_login.user}")
    resources = metrics.resources
    spec: dict[str, Any] = {
        "name": EXPORTER_CONTAINER,
        "image": metrics.image,
        "imagePullPolicy": options.pull_policy(metrics.image, pull_policy),
        "args": args,
        "ports": [{"name": METRICS_PORT_NAME, "containerPort": metrics.port, "protocol": "TCP"}],
        "resources": {
            "requests": {"cpu": resources.cpu_request, "memory": resources.memory_request},
            "limits": {"cpu": resources.cpu_limit, "memory": resources.memory_limit},
        },
        "readinessProbe": _http_probe(initial_delay=5, period=10),
        "livenessProbe": _http_probe(initial_delay=10, period=30),
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,  # the exporter writes no files
            "runAsNonRoot": True,
            "runAsUser": _EXPORTER_UID,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": dict(_SECCOMP),
        },
    }
    env = exporter_login.exporter_env()
    if env:
        spec["env"] = env
    return spec


def peers(metrics: RedisMetrics) -> list[dict[str, Any]]:
    """The NetworkPolicy ``from`` entries of ``metrics.scrape_from``."""
    return [peer._policy_entry() for peer in metrics.scrape_from]


def service(
    metrics: RedisMetrics, *, name: str, namespace: str | None, labels: Mapping[str, str], selector: Mapping[str, str]
) -> dict[str, Any]:
    """The ``<name>-metrics`` ClusterIP Service: one port, ``metrics``."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": manifest.metadata(metrics_service_name(name), namespace=namespace, labels=labels),
        "spec": {
            "type": "ClusterIP",
            "selector": dict(selector),
            "ports": [
                {"name": METRICS_PORT_NAME, "port": metrics.port, "targetPort": METRICS_PORT_NAME, "protocol": "TCP"}
            ],
        },
    }


def service_monitor(
    metrics: RedisMetrics, *, name: str, namespace: str | None, labels: Mapping[str, str], selector: Mapping[str, str]
) -> dict[str, Any]:
    """A ServiceMonitor for the metrics Service (prometheus-operator ``monitoring.coreos.com/v1``)."""
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": manifest.metadata(name, namespace=namespace, labels=labels),
        "spec": {
            "selector": {"matchLabels": dict(selector)},
            "endpoints": [{"port": METRICS_PORT_NAME, "path": "/metrics", "interval": metrics.scrape_interval}],
        },
    }
