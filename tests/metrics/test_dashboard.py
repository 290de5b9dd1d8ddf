"""agentsmith/metrics/dashboard.py: the opt-in Grafana dashboard's ConfigMap, its panels and its checks.

Every query runs against a real Prometheus and redis_exporter in tests/test_runtime_metrics.py.
"""

from __future__ import annotations

import json
from typing import Any

import cdk8s
import pytest
from _support import SynthRedis

from agentsmith import (
    DEFAULT_SIDECAR_LABELS,
    AgentsmithConfigError,
    EphemeralRedis,
    GrafanaDashboard,
    RedisMetrics,
)
from agentsmith.metrics.dashboard import RATE_WINDOW, panels
from testkit.project import in_memory_app

DASHBOARD = RedisMetrics(dashboard=GrafanaDashboard())


def objects_of(synth_redis: SynthRedis, **props: Any) -> dict[tuple[str, str], Any]:
    return {(o["kind"], o["metadata"]["name"]): o for o in synth_redis(**props)}


def model(config_map: dict[str, Any]) -> dict[str, Any]:
    (text,) = config_map["data"].values()
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def test_off_by_default(synth_redis: SynthRedis) -> None:
    # GIVEN metrics without a dashboard THEN no ConfigMap, and the handle is None
    assert RedisMetrics().dashboard is None
    assert not [key for key in objects_of(synth_redis, metrics=RedisMetrics()) if key[0] == "ConfigMap"]
    chart = cdk8s.Chart(in_memory_app(), "c", namespace="agentsmith")
    assert EphemeralRedis(chart, "redis", metrics=RedisMetrics()).dashboard is None


def test_the_config_map_is_labelled_for_the_grafana_sidecar(synth_redis: SynthRedis) -> None:
    objects = objects_of(synth_redis, metrics=DASHBOARD)
    config_map = objects[("ConfigMap", "redis-dashboard")]
    assert config_map["metadata"]["namespace"] == "agentsmith"
    assert config_map["metadata"]["labels"] == {
        "app": "redis",
        "app.kubernetes.io/name": "redis",
        "app.kubernetes.io/component": "metrics",
        "grafana_dashboard": "1",
    }
    assert dict(DEFAULT_SIDECAR_LABELS) == {"grafana_dashboard": "1"}
    assert list(config_map["data"]) == ["agentsmith-agentsmith-redis.json"]  # unique in a sidecar's one folder
    dashboard = model(config_map)
    assert dashboard["title"] == "agentsmith bus agentsmith/redis"
    assert dashboard["uid"].startswith("agentsmith-") and len(dashboard["uid"]) <= 40  # Grafana's limit
    # AND nothing else changes: the dashboard reads what the exporter already exports
    plain = objects_of(synth_redis, metrics=RedisMetrics())
    assert {k: v for k, v in objects.items() if k[0] != "ConfigMap"} == plain


def test_a_custom_sidecar_label(synth_redis: SynthRedis) -> None:
    metrics = RedisMetrics(dashboard=GrafanaDashboard(sidecar_labels={"dashboards": "bus"}))
    labels = objects_of(synth_redis, metrics=metrics)[("ConfigMap", "redis-dashboard")]["metadata"]["labels"]
    assert labels["dashboards"] == "bus" and "grafana_dashboard" not in labels


def test_every_query_selects_the_bus_s_exporter_as_the_alerts_do(synth_redis: SynthRedis) -> None:
    dashboard = model(objects_of(synth_redis, metrics=DASHBOARD)[("ConfigMap", "redis-dashboard")])
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    assert len(exprs) == 11
    for expr in exprs:
        assert 'job="redis-metrics",namespace="agentsmith"}' in expr, expr
        assert expr.replace(RATE_WINDOW, "").count("$") == 0, expr  # Grafana's rate window is its only variable
    assert 'ALERTS{alertname=~"AgentsmithRedis.*",job="redis-metrics",namespace="agentsmith"}' in exprs
    for panel in dashboard["panels"]:
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
    assert [v["name"] for v in dashboard["templating"]["list"]] == ["datasource"]


def test_without_a_namespace_the_queries_select_by_job_only() -> None:
    exprs = [t["expr"] for panel in panels(job="bus-metrics", namespace=None) for t in panel["targets"]]
    assert 'redis_up{job="bus-metrics"}' in exprs and not any("namespace=" in e for e in exprs)


def test_the_config_map_name_is_claimed() -> None:
    # GIVEN a ConfigMap of the app's own named like the dashboard's
    chart = cdk8s.Chart(in_memory_app(), "bus", namespace="jobs")
    cdk8s.ApiObject(chart, "mine", api_version="v1", kind="ConfigMap", metadata={"name": "redis-dashboard"})
    # THEN the bus with a dashboard is refused, naming the prop; without one it builds
    with pytest.raises(AgentsmithConfigError) as raised:
        EphemeralRedis(chart, "redis", metrics=DASHBOARD)
    assert raised.value.prop == "metrics.dashboard"
    assert "names ConfigMap 'jobs/redis-dashboard', which [bus/mine] already defines" in str(raised.value)
    EphemeralRedis(chart, "redis", metrics=RedisMetrics())


def test_repr_rebuilds_the_value() -> None:
    value = GrafanaDashboard(sidecar_labels={"a": "b"})
    assert repr(value) == "GrafanaDashboard(sidecar_labels={'a': 'b'})"
    assert eval(repr(value), {"GrafanaDashboard": GrafanaDashboard}) == value
