"""The bus's Grafana dashboard: :class:`GrafanaDashboard` (the prop) and the ConfigMap the Grafana sidecar loads.

Every panel's query selects the exporter's series as the alerts do (``job="<name>-metrics"`` and, when known,
``namespace``); tests/test_runtime_metrics.py runs each against a real Prometheus scraping a real redis_exporter.
docs/operations.md, "The dashboard", is the narrative.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final

from agentsmith.base import manifest
from agentsmith.core import seed
from agentsmith.core.rules import PathArg, fail, selector
from agentsmith.core.values import plain_repr

__all__ = ["DEFAULT_SIDECAR_LABELS", "GrafanaDashboard", "config_map", "config_map_name", "panels"]

#: The label Grafana's dashboard sidecar selects ConfigMaps by in the grafana and kube-prometheus-stack charts
#: (``sidecar.dashboards.label: grafana_dashboard``, ``labelValue: "1"``).
DEFAULT_SIDECAR_LABELS: Final[Mapping[str, str]] = MappingProxyType({"grafana_dashboard": "1"})
_OWNED_LABEL_KEYS: Final = (seed.SELECTOR_LABEL_KEY, seed.NAME_LABEL_KEY, seed.COMPONENT_LABEL_KEY)
#: Grafana's own rate window: at least four scrape intervals of the data source (Grafana substitutes it).
RATE_WINDOW: Final = "$__rate_interval"
_DATASOURCE: Final = {"type": "prometheus", "uid": "${datasource}"}


@dataclass(frozen=True, kw_only=True, repr=False)
class GrafanaDashboard:
    """A Grafana dashboard for the bus, in a ConfigMap ``<name>-dashboard`` the Grafana sidecar loads.

    Panels: memory used against ``maxmemory``, evicted keys, clients (connected, blocked, rejected), commands per
    second, client buffers, keys, and the state of the bus's alerts (docs/operations.md, "The dashboard"). No
    stream lengths: redis_exporter reads them only with ``--check-streams``, which needs key reads the exporter's
    ``metrics`` user does not have (docs/operations.md says why).

    Attributes:
        sidecar_labels: Default :data:`DEFAULT_SIDECAR_LABELS` (``grafana_dashboard: "1"``): the labels the
            Grafana sidecar selects ConfigMaps by (its ``label`` and ``labelValue``), added to the ConfigMap's.
    """

    sidecar_labels: Mapping[str, str] = field(default_factory=lambda: DEFAULT_SIDECAR_LABELS)

    def __repr__(self) -> str:
        """``GrafanaDashboard(sidecar_labels={...})``: a call that rebuilds this value."""
        return plain_repr(self)

    @staticmethod
    def _check(path: PathArg, value: object, *, prop: str = "metrics.dashboard") -> GrafanaDashboard | None:
        """None, or a valid GrafanaDashboard."""
        if value is None:
            return None
        if not isinstance(value, GrafanaDashboard):
            raise fail(
                path,
                prop,
                value,
                "must be an agentsmith.GrafanaDashboard or None",
                "Pass dashboard=GrafanaDashboard() (True is not accepted: the value holds the sidecar's label).",
            )
        labels = selector(path, f"{prop}.sidecar_labels", value.sidecar_labels)
        if not labels:
            raise fail(
                path,
                f"{prop}.sidecar_labels",
                labels,
                "must not be empty: the Grafana sidecar finds dashboards by a label",
                "Use the sidecar's label, e.g. {'grafana_dashboard': '1'} (its sidecar.dashboards.label/labelValue).",
            )
        owned = sorted(set(labels) & set(_OWNED_LABEL_KEYS))
        if owned:
            raise fail(
                path,
                f"{prop}.sidecar_labels",
                labels,
                f"must not set {owned[0]!r}: the construct owns it",
                "Use the sidecar's own label key, e.g. 'grafana_dashboard'.",
            )
        return value


def config_map_name(name: str) -> str:
    """``"redis-dashboard"`` for the Redis named ``"redis"``."""
    return f"{name}-dashboard"


def _selector(job: str, namespace: str | None) -> str:
    return f'job="{job}"' + ("" if namespace is None else f',namespace="{namespace}"')


def panels(*, job: str, namespace: str | None) -> list[dict[str, Any]]:
    """The dashboard's panels, each with its ``targets`` (PromQL in ``expr``), laid out two to a row."""
    sel = _selector(job, namespace)

    def target(ref: str, expr: str, legend: str, **extra: Any) -> dict[str, Any]:
        return {"refId": ref, "expr": expr, "legendFormat": legend, "datasource": dict(_DATASOURCE), **extra}

    specs: list[tuple[str, str, str, list[dict[str, Any]]]] = [
        (
            "Memory used against maxmemory",
            "timeseries",
            "bytes",
            [
                target("A", f"redis_memory_used_bytes{{{sel}}}", "used"),
                target("B", f"redis_memory_max_bytes{{{sel}}}", "maxmemory"),
            ],
        ),
        (
            "Evicted keys per second (each may be a job in flight)",
            "timeseries",
            "ops",
            [target("A", f"rate(redis_evicted_keys_total{{{sel}}}[{RATE_WINDOW}])", "evicted")],
        ),
        (
            "Clients",
            "timeseries",
            "short",
            [
                target("A", f"redis_connected_clients{{{sel}}}", "connected"),
                target("B", f"redis_blocked_clients{{{sel}}}", "blocked (waiting agents)"),
                target("C", f"rate(redis_rejected_connections_total{{{sel}}}[{RATE_WINDOW}])", "rejected per second"),
            ],
        ),
        (
            "Commands per second",
            "timeseries",
            "ops",
            [target("A", f"rate(redis_commands_processed_total{{{sel}}}[{RATE_WINDOW}])", "commands")],
        ),
        (
            "Client buffers",
            "timeseries",
            "bytes",
            [target("A", f"redis_mem_clients_normal{{{sel}}}", "normal clients")],
        ),
        (
            "Keys",
            "timeseries",
            "short",
            [target("A", f"sum without (db) (redis_db_keys{{{sel}}})", "keys (all databases)")],
        ),
        (
            "Up",
            "stat",
            "none",
            [target("A", f"redis_up{{{sel}}}", "redis_up")],
        ),
        (
            "Alerts (pending or firing)",
            "table",
            "none",
            [
                target(
                    "A",
                    f'ALERTS{{alertname=~"AgentsmithRedis.*",{sel}}}',
                    "{{alertname}} {{alertstate}}",
                    instant=True,
                    format="table",
                )
            ],
        ),
    ]
    result = []
    for index, (title, kind, unit, targets) in enumerate(specs):
        result.append(
            {
                "id": index + 1,
                "title": title,
                "type": kind,
                "datasource": dict(_DATASOURCE),
                "gridPos": {"h": 8, "w": 12, "x": 12 * (index % 2), "y": 8 * (index // 2)},
                "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
                "targets": targets,
            }
        )
    return result


def dashboard_json(*, name: str, namespace: str, job: str, selector_namespace: str | None) -> dict[str, Any]:
    """The dashboard model (Grafana's JSON), its uid stable for the bus's namespace and name."""
    uid = "agentsmith-" + hashlib.sha256(f"{namespace}/{name}".encode()).hexdigest()[:16]
    return {
        "uid": uid,
        "title": f"agentsmith bus {namespace}/{name}",
        "tags": ["agentsmith", "redis"],
        "editable": True,
        "schemaVersion": 39,
        "version": 1,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "timezone": "browser",
        "templating": {
            "list": [
                {
                    "name": "datasource",
                    "label": "Data source",
                    "type": "datasource",
                    "query": "prometheus",
                    "current": {},
                    "hide": 0,
                    "refresh": 1,
                }
            ]
        },
        "panels": panels(job=job, namespace=selector_namespace),
    }


def config_map(
    dashboard: GrafanaDashboard,
    *,
    name: str,
    namespace: str | None,
    home_namespace: str,
    selector_namespace: str | None,
    job: str,
    labels: Mapping[str, str],
) -> dict[str, Any]:
    """The ConfigMap: one key, ``agentsmith-<namespace>-<name>.json`` (unique in a sidecar's folder)."""
    model = dashboard_json(name=name, namespace=home_namespace, job=job, selector_namespace=selector_namespace)
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": manifest.metadata(
            config_map_name(name), namespace=namespace, labels={**labels, **dashboard.sidecar_labels}
        ),
        "data": {f"agentsmith-{home_namespace}-{name}.json": json.dumps(model, indent=2, sort_keys=True) + "\n"},
    }
