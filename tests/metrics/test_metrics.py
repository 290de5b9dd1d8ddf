"""EphemeralRedis(metrics=RedisMetrics()): the exporter sidecar, its Service, NetworkPolicy rule, ServiceMonitor,
PrometheusRule, its login in each access mode, and the CRD schemas. Bad props: at the end."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from _bad_props import BadChart, BadInput, bad
from _crd import errors as crd_errors
from _support import ROOT, SynthChart, SynthRedis
from test_doc_links import anchors, slug

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from agentsmith import (
    DEFAULT_EXPORTER_IMAGE,
    EphemeralRedis,
    GrafanaDashboard,
    NetworkPeer,
    RedisAccess,
    RedisAuth,
    RedisMetrics,
    RedisPersistence,
    RedisRole,
    Resources,
    SecretKeyRef,
)
from agentsmith.access.server import EXPORTER_COMMANDS
from agentsmith.metrics.alerts import ALERTS, RUNBOOKS
from testkit.redis_runtime import parse_redis_args

METRICS_PASSWORD = SecretKeyRef(name="redis-metrics", key="redis-password")
EXPORTER_ACL = [
    "resetkeys",
    "resetchannels",
    "-@all",
    "+ping",
    "+info",
    "+client|setname",
    "+config|get",
    "+latency|latest",
    "+latency|histogram",
    "+slowlog|get",
    "+slowlog|len",
]


def synth(synth_redis: SynthRedis, *, namespace: str | None = "agentsmith", **props: Any) -> dict[tuple[str, str], Any]:
    objects = synth_redis(chart_namespace=namespace, **props)
    return {(o["kind"], o["metadata"]["name"]): o for o in objects}


def containers(objects: dict[tuple[str, str], Any]) -> dict[str, dict[str, Any]]:
    spec = objects[("Deployment", "redis")]["spec"]["template"]["spec"]
    return {c["name"]: c for c in spec["containers"]}


def users(args: list[str]) -> dict[str, list[str]]:
    """``--user <name> <rules...>`` directives by user name."""
    result: dict[str, list[str]] = {}
    rules: list[str] | None = None
    for index, arg in enumerate(args):
        if arg.startswith("--"):
            rules = None
            if arg == "--user":
                rules = result[args[index + 1]] = []
        elif rules is not None and args[index - 1] != "--user":
            rules.append(arg)
    return result


# -- off by default ----------------------------------------------------------


def test_off_by_default_adds_nothing(synth_redis: SynthRedis) -> None:
    objects = synth(synth_redis)
    assert sorted(objects) == [
        ("Deployment", "redis"),
        ("NetworkPolicy", "redis"),
        ("Secret", "agentsmith-secrets"),
        ("Service", "redis"),
    ]
    assert list(containers(objects)) == ["redis"]


def test_metrics_leave_the_redis_container_and_bus_service_alone_in_the_default_mode(synth_redis: SynthRedis) -> None:
    plain, measured = synth(synth_redis), synth(synth_redis, metrics=RedisMetrics())
    assert measured[("Service", "redis")] == plain[("Service", "redis")]
    redis_plain, redis_measured = containers(plain)["redis"], containers(measured)["redis"]
    assert {k: v for k, v in redis_measured.items() if k != "args"} == {
        k: v for k, v in redis_plain.items() if k != "args"
    }
    # the one difference: the exporter's own user, without a password like the default user, and no keys
    assert users(redis_measured["args"]) == {**users(redis_plain["args"]), "metrics": ["on", "nopass", *EXPORTER_ACL]}
    assert users(redis_measured["args"])["default"] == users(redis_plain["args"])["default"]
    exporter = containers(measured)["redis-exporter"]
    assert exporter["args"][-1] == "--redis.user=metrics"
    # the exporter sends AUTH only with a password; a nopass user takes any, so this is no secret
    assert exporter["env"] == [{"name": "REDIS_PASSWORD", "value": "nopass"}]


# -- the objects -------------------------------------------------------------


def test_defaults_add_a_sidecar_a_service_a_monitor_and_rules(synth_redis: SynthRedis) -> None:
    objects = synth(synth_redis, metrics=RedisMetrics())
    assert sorted(objects) == [
        ("Deployment", "redis"),
        ("NetworkPolicy", "redis"),
        ("PrometheusRule", "redis"),
        ("Secret", "agentsmith-secrets"),
        ("Service", "redis"),
        ("Service", "redis-metrics"),
        ("ServiceMonitor", "redis"),
    ]
    assert containers(objects)["redis-exporter"] == {
        "name": "redis-exporter",
        "image": DEFAULT_EXPORTER_IMAGE,
        "imagePullPolicy": "Always",
        "args": ["--redis.addr=redis://127.0.0.1:6379", "--web.listen-address=:9121", "--redis.user=metrics"],
        "env": [{"name": "REDIS_PASSWORD", "value": "nopass"}],
        "ports": [{"name": "metrics", "containerPort": 9121, "protocol": "TCP"}],
        "resources": {"requests": {"cpu": "10m", "memory": "32Mi"}, "limits": {"cpu": "100m", "memory": "64Mi"}},
        "readinessProbe": {
            "httpGet": {"path": "/health", "port": "metrics"},
            "initialDelaySeconds": 5,
            "periodSeconds": 10,
            "timeoutSeconds": 3,
        },
        "livenessProbe": {
            "httpGet": {"path": "/health", "port": "metrics"},
            "initialDelaySeconds": 10,
            "periodSeconds": 30,
            "timeoutSeconds": 3,
        },
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "runAsUser": 59000,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
    }
    pod = objects[("Deployment", "redis")]["spec"]["template"]["spec"]
    assert pod["automountServiceAccountToken"] is False
    assert objects[("Service", "redis-metrics")] == {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": "redis-metrics",
            "namespace": "agentsmith",
            "labels": {
                "app": "redis",
                "app.kubernetes.io/name": "redis",
                "app.kubernetes.io/component": "metrics",
            },
        },
        "spec": {
            "type": "ClusterIP",
            "selector": {"app": "redis"},
            "ports": [{"name": "metrics", "port": 9121, "targetPort": "metrics", "protocol": "TCP"}],
        },
    }
    monitor = objects[("ServiceMonitor", "redis")]
    assert monitor["spec"] == {
        "selector": {"matchLabels": {"app": "redis", "app.kubernetes.io/component": "metrics"}},
        "endpoints": [{"port": "metrics", "path": "/metrics", "interval": "30s"}],
    }
    # the monitor selects the metrics Service and not the bus Service
    selected = [
        key
        for key, obj in objects.items()
        if key[0] == "Service"
        and all(obj["metadata"]["labels"].get(k) == v for k, v in monitor["spec"]["selector"]["matchLabels"].items())
    ]
    assert selected == [("Service", "redis-metrics")]


def test_network_policy_admits_scrapers_on_the_metrics_port_only(synth_redis: SynthRedis) -> None:
    objects = synth(synth_redis, metrics=RedisMetrics())
    ingress = objects[("NetworkPolicy", "redis")]["spec"]["ingress"]
    assert ingress == [
        {"from": [{"podSelector": {}}], "ports": [{"port": 6379, "protocol": "TCP"}]},
        {
            "from": [
                {
                    "podSelector": {"matchLabels": {"app.kubernetes.io/name": "prometheus"}},
                    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}},
                }
            ],
            "ports": [{"port": 9121, "protocol": "TCP"}],
        },
    ]


def test_scrape_from_port_labels_interval_and_optional_objects_follow_the_props(synth_redis: SynthRedis) -> None:
    metrics = RedisMetrics(
        port=9500,
        scrape_from=(NetworkPeer(namespace_selector={"team": "obs"}),),
        monitor_labels={"release": "kube-prometheus-stack"},
        scrape_interval="15s",
        prometheus_rule=False,
    )
    objects = synth(synth_redis, metrics=metrics, labels={"team": "platform"})
    assert ("PrometheusRule", "redis") not in objects
    monitor = objects[("ServiceMonitor", "redis")]
    assert monitor["metadata"]["labels"] == {
        "release": "kube-prometheus-stack",
        "team": "platform",
        "app": "redis",
        "app.kubernetes.io/name": "redis",
        "app.kubernetes.io/component": "metrics",
    }
    assert monitor["spec"]["endpoints"] == [{"port": "metrics", "path": "/metrics", "interval": "15s"}]
    assert objects[("NetworkPolicy", "redis")]["spec"]["ingress"][1] == {
        "from": [{"podSelector": {}, "namespaceSelector": {"matchLabels": {"team": "obs"}}}],
        "ports": [{"port": 9500, "protocol": "TCP"}],
    }
    assert "--web.listen-address=:9500" in containers(objects)["redis-exporter"]["args"]
    without_monitor = synth(synth_redis, metrics=RedisMetrics(service_monitor=False))
    assert ("ServiceMonitor", "redis") not in without_monitor
    assert ("PrometheusRule", "redis") in without_monitor


def test_handles(synth_chart: SynthChart) -> None:
    seen: dict[str, Any] = {}

    def build(chart: Any) -> None:
        seen["on"] = EphemeralRedis(chart, "redis", metrics=RedisMetrics())
        seen["off"] = EphemeralRedis(chart, "other", name="other")

    synth_chart(build)
    on, off = seen["on"], seen["off"]
    assert on.metrics == RedisMetrics()
    assert on.metrics_service.name == "redis-metrics"
    assert on.service_monitor.kind == "ServiceMonitor"
    assert on.prometheus_rule.kind == "PrometheusRule"
    assert (off.metrics, off.metrics_service, off.service_monitor, off.prometheus_rule) == (None, None, None, None)
    # construct ids are public API
    assert [c.node.id for c in on.node.children] == [
        "Deployment",
        "Service",
        "NetworkPolicy",
        "Secret",
        "Service-metrics",
        "ServiceMonitor",
        "PrometheusRule",
    ]


def test_two_buses_with_metrics_in_one_namespace_do_not_collide(synth_chart: SynthChart) -> None:
    objects = synth_chart(
        lambda chart: [
            EphemeralRedis(chart, "a", metrics=RedisMetrics()),
            EphemeralRedis(chart, "b", name="bus-b", metrics=RedisMetrics()),
        ]
    )
    names = sorted((o["kind"], o["metadata"]["name"]) for o in objects)
    assert ("Service", "bus-b-metrics") in names and ("PrometheusRule", "bus-b") in names
    assert len(names) == len(set(names))


# -- the exporter's login per access mode -------------------------------------


def test_auth_mode_exporter_logs_in_as_metrics_with_the_auth_password(synth_redis: SynthRedis) -> None:
    auth = RedisAuth(secret_name="redis-auth")
    found = containers(synth(synth_redis, access=RedisAccess.password(auth), metrics=RedisMetrics()))
    exporter, redis = found["redis-exporter"], found["redis"]
    assert "--redis.user=metrics" in exporter["args"]
    assert exporter["env"] == [
        {"name": "REDIS_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "redis-auth", "key": "redis-password"}}}
    ]
    assert users(redis["args"])["metrics"] == ["on", ">$(REDIS_PASSWORD)", *EXPORTER_ACL]
    # the default user keeps the guard as it was: no exporter commands for every password holder
    # (CLIENT SETNAME is the guard's own: HELLO sets a name whatever the ACL says)
    assert not set(EXPORTER_COMMANDS[4:]) & set(users(redis["args"])["default"])


def test_own_password_gives_the_metrics_user_its_own_variable(synth_redis: SynthRedis) -> None:
    found = containers(synth(synth_redis, metrics=RedisMetrics(password=METRICS_PASSWORD)))
    exporter, redis = found["redis-exporter"], found["redis"]
    ref = {"secretKeyRef": {"name": "redis-metrics", "key": "redis-password"}}
    assert exporter["env"] == [{"name": "REDIS_PASSWORD", "valueFrom": ref}]
    assert redis["env"] == [{"name": "REDIS_METRICS_PASSWORD", "valueFrom": ref}]
    assert users(redis["args"])["metrics"] == ["on", ">$(REDIS_METRICS_PASSWORD)", *EXPORTER_ACL]
    assert not set(EXPORTER_COMMANDS[4:]) & set(users(redis["args"])["default"])
    assert parse_redis_args(redis["args"])["protected-mode"] == "no"


def test_roles_mode_exporter_user_next_to_the_roles(synth_redis: SynthRedis) -> None:
    roles = [RedisRole.dispatcher(secret_name="dispatcher"), RedisRole.agent(secret_name="agent")]
    found = containers(
        synth(synth_redis, access=RedisAccess.roles(roles), metrics=RedisMetrics(password=METRICS_PASSWORD))
    )
    exporter, redis = found["redis-exporter"], found["redis"]
    assert "--redis.user=metrics" in exporter["args"]
    acl = users(redis["args"])
    assert sorted(acl) == ["agent", "default", "dispatcher", "metrics"]
    assert acl["metrics"] == ["on", ">$(REDIS_METRICS_PASSWORD)", *EXPORTER_ACL]
    assert [e["name"] for e in redis["env"]] == [
        "REDIS_DISPATCHER_PASSWORD",
        "REDIS_AGENT_PASSWORD",
        "REDISCLI_AUTH",
        "REDIS_METRICS_PASSWORD",
    ]


@pytest.mark.parametrize("auth", [None, RedisAuth(secret_name="redis-auth")], ids=["open", "auth"])
def test_without_the_guard_redis_args_stay_exact_and_the_exporter_is_the_default_user(
    synth_redis: SynthRedis, auth: RedisAuth | None
) -> None:
    access = RedisAccess.seed_exact() if auth is None else RedisAccess.password(auth, command_guard=False)
    plain = containers(synth(synth_redis, access=access))["redis"]
    found = containers(synth(synth_redis, access=access, metrics=RedisMetrics()))
    assert found["redis"] == plain
    assert not any(a.startswith("--redis.user") for a in found["redis-exporter"]["args"])
    assert ("env" in found["redis-exporter"]) is (auth is not None)


# -- rules -------------------------------------------------------------------


#: pyproject.toml's [project.urls] Source: the repository the runbook links point into.
SOURCE = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["urls"]["Source"]


def rules_of(objects: dict[tuple[str, str], Any]) -> dict[str, dict[str, Any]]:
    (group,) = objects[("PrometheusRule", "redis")]["spec"]["groups"]
    assert group["name"] == "agentsmith-redis-redis"
    return {rule["alert"]: rule for rule in group["rules"]}


def test_a_persistent_bus_has_no_restart_alert(synth_redis: SynthRedis) -> None:
    # GIVEN a bus that restores its jobs from its volume WHEN synthesised with metrics THEN a restart is no job loss
    persistent = synth(
        synth_redis,
        metrics=RedisMetrics(),
        persistence=RedisPersistence.append_only(),
        resources=Resources(memory_limit="1Gi"),
    )
    assert list(rules_of(persistent)) == [name for name in ALERTS if name != "AgentsmithRedisRestarted"]
    assert "AgentsmithRedisRestarted" in rules_of(synth(synth_redis, metrics=RedisMetrics()))


def test_alert_names_are_pinned_and_every_alert_has_a_runbook(synth_redis: SynthRedis) -> None:
    rules = rules_of(synth(synth_redis, metrics=RedisMetrics()))
    assert (
        list(rules)
        == list(ALERTS)
        == [
            "AgentsmithRedisDown",
            "AgentsmithRedisMetricsAbsent",
            "AgentsmithRedisKeysEvicted",
            "AgentsmithRedisMemoryHigh",
            "AgentsmithRedisOutOfMemoryErrors",
            "AgentsmithRedisRejectedConnections",
            "AgentsmithRedisRestarted",
            "AgentsmithRedisClientMemoryHigh",
        ]
    )
    runbooks = anchors(ROOT / "docs" / "operations.md")
    for name, rule in rules.items():
        assert set(rule["annotations"]) == {"summary", "description", "runbook", "runbook_url"}
        assert len(rule["annotations"]["runbook"]) > 80
        # runbook_url: the alert's own section of docs/operations.md on the repository's main branch
        url, _, anchor = rule["annotations"]["runbook_url"].partition("#")
        assert url == f"{SOURCE}/blob/main/docs/operations.md" == RUNBOOKS
        assert anchor == slug(name) and anchor in runbooks, (name, anchor)
        assert rule["labels"]["severity"] in ("critical", "warning")
        assert 'job="redis-metrics",namespace="agentsmith"' in rule["expr"]


def test_thresholds_come_from_the_constructs_own_settings(synth_redis: SynthRedis) -> None:
    seed = rules_of(synth(synth_redis, metrics=RedisMetrics()))
    # 256mb = 268435456 bytes; 90% of it. Client budget 48mb (512Mi - 256mb x 29/16); 90% of it.
    assert seed["AgentsmithRedisMemoryHigh"]["expr"].endswith("> 241591910")
    assert seed["AgentsmithRedisClientMemoryHigh"]["expr"].endswith(f"> {int(48 * 2**20 * 0.9)}")
    assert seed["AgentsmithRedisDown"]["for"] == "1m" and seed["AgentsmithRedisKeysEvicted"]["for"] == "0s"
    custom = rules_of(
        synth(synth_redis, maxmemory="100mb", metrics=RedisMetrics(memory_threshold=0.5, alert_after="2m"))
    )
    assert custom["AgentsmithRedisMemoryHigh"]["expr"].endswith(f"> {50 * 2**20}")
    assert custom["AgentsmithRedisMemoryHigh"]["for"] == "2m"
    # without the guard there is no maxmemory-clients, so no client-memory alert
    unguarded = rules_of(synth(synth_redis, access=RedisAccess.seed_exact(), metrics=RedisMetrics()))
    assert "AgentsmithRedisClientMemoryHigh" not in unguarded


def test_rules_without_a_known_namespace_match_on_job_only(synth_redis: SynthRedis) -> None:
    rules = rules_of(synth(synth_redis, namespace=None, metrics=RedisMetrics()))
    assert rules["AgentsmithRedisDown"]["expr"] == 'redis_up{job="redis-metrics"} == 0'


# -- prometheus-operator 0.93.0 schemas ---------------------------------------

CONFIGS: dict[str, dict[str, Any]] = {
    "defaults": {"metrics": RedisMetrics()},
    "custom": {
        "name": "bus",
        "labels": {"team": "platform"},
        "metrics": RedisMetrics(
            monitor_labels={"release": "prom"}, scrape_interval="1m30s", alert_after="5m", memory_threshold=0.75
        ),
    },
    "unguarded": {"access": RedisAccess.seed_exact(), "metrics": RedisMetrics()},
}


@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_monitor_and_rule_validate_against_the_crds(synth_redis: SynthRedis, config: str) -> None:
    objects = synth(synth_redis, **CONFIGS[config])
    checked = [obj for (kind, _), obj in objects.items() if kind in ("ServiceMonitor", "PrometheusRule")]
    assert len(checked) == 2
    for obj in checked:
        assert crd_errors(obj) == [], obj["kind"]


def test_the_crd_check_catches_a_misspelt_field_and_a_wrong_type(synth_redis: SynthRedis) -> None:
    objects = synth(synth_redis, metrics=RedisMetrics())
    monitor = objects[("ServiceMonitor", "redis")]
    monitor["spec"]["endpoints"][0]["intervall"] = "30s"
    assert crd_errors(monitor) == [
        "spec/endpoints/0: Additional properties are not allowed ('intervall' was unexpected)"
    ]
    rule = objects[("PrometheusRule", "redis")]
    rule["spec"]["groups"][0]["rules"][0]["for"] = 60
    assert crd_errors(rule) == ["spec/groups/0/rules/0/for: 60 is not of type 'string'"]


# -- Bad props: one exact error each, before any API object (tests/_bad_props.py) --------

BAD_PROPS = [
    # -- metrics (RedisMetrics) ------------------------------------------------------
    bad(
        "metrics-not-a-value",
        "redis",
        "metrics",
        True,
        "must be an agentsmith.RedisMetrics",
        "Pass metrics=RedisMetrics().",
    ),
    bad(
        "metrics-image-untagged",
        "redis",
        "metrics.image",
        "oliver006/redis_exporter",
        "must have a tag or a digest (an untagged image means ':latest')",
        "Use e.g. 'oliver006/redis_exporter:v1.67.0'.",
        metrics=RedisMetrics(image="oliver006/redis_exporter"),
    ),
    bad(
        "metrics-port-is-redis-port",
        "redis",
        "metrics.port",
        6379,
        "must differ from 'port' (6379): both containers share the pod's network",
        "Use 9121, redis_exporter's default.",
        metrics=RedisMetrics(port=6379),
    ),
    bad(
        "metrics-port-zero",
        "redis",
        "metrics.port",
        0,
        "must be between 1 and 65535",
        "Use a TCP port such as 9121.",
        metrics=RedisMetrics(port=0),
    ),
    bad(
        "metrics-resources-request-over-limit",
        "redis",
        "metrics.resources.memory_request",
        "128Mi",
        "must not exceed 'metrics.resources.memory_limit' (64Mi)",
        "Lower the request or raise the limit.",
        metrics=RedisMetrics(
            resources=Resources(cpu_request="10m", memory_request="128Mi", cpu_limit="100m", memory_limit="64Mi")
        ),
    ),
    bad(
        "metrics-scrape-from-empty",
        "redis",
        "metrics.scrape_from",
        (),
        "must not be empty: a NetworkPolicy rule with no peers admits every source",
        "Name the peers, e.g. (NetworkPeer(pod_selector={'app': 'dispatcher'}),), or keep SAME_NAMESPACE.",
        metrics=RedisMetrics(scrape_from=()),
    ),
    bad(
        "metrics-password-not-a-ref",
        "redis",
        "metrics.password",
        "s3cret",
        "must be an agentsmith.SecretKeyRef",
        "Pass SecretKeyRef(name=..., key=...).",
        metrics=RedisMetrics(password="s3cret"),  # type: ignore[arg-type]
    ),
    bad(
        "metrics-service-monitor-string",
        "redis",
        "metrics.service_monitor",
        "false",
        "must be True or False",
        "Use metrics.service_monitor=True or metrics.service_monitor=False.",
        metrics=RedisMetrics(service_monitor="false"),  # type: ignore[arg-type]
    ),
    bad(
        "metrics-monitor-labels-owned-key",
        "redis",
        "metrics.monitor_labels",
        {"app": "other"},
        "must not set 'app': the construct owns it (the ServiceMonitor's selector and identity labels)",
        "Remove it; use other keys such as 'release'.",
        metrics=RedisMetrics(monitor_labels={"app": "other"}),
    ),
    bad(
        "metrics-scrape-interval-spaces",
        "redis",
        "metrics.scrape_interval",
        "30 s",
        "must be a Prometheus duration such as '30s', '1m' or '1h30m'",
        "Use e.g. '30s'.",
        metrics=RedisMetrics(scrape_interval="30 s"),
    ),
    bad(
        "metrics-scrape-interval-zero",
        "redis",
        "metrics.scrape_interval",
        "0s",
        "must be greater than 0",
        "Use e.g. '30s'.",
        metrics=RedisMetrics(scrape_interval="0s"),
    ),
    bad(
        "metrics-alert-after-words",
        "redis",
        "metrics.alert_after",
        "1 minute",
        "must be a Prometheus duration such as '30s', '1m' or '1h30m'",
        "Use e.g. '1m'.",
        metrics=RedisMetrics(alert_after="1 minute"),
    ),
    bad(
        "metrics-memory-threshold-percent",
        "redis",
        "metrics.memory_threshold",
        90,
        "must be a number above 0 and at most 1 (a share of the limit)",
        "Use e.g. 0.9 (alert at 90%).",
        metrics=RedisMetrics(memory_threshold=90),
    ),
    bad(
        "metrics-client-memory-threshold-zero",
        "redis",
        "metrics.client_memory_threshold",
        0,
        "must be a number above 0 and at most 1 (a share of the limit)",
        "Use e.g. 0.9 (alert at 90%).",
        metrics=RedisMetrics(client_memory_threshold=0),
    ),
    bad(
        "metrics-roles-without-password",
        "redis",
        "metrics.password",
        None,
        "is required with RedisAccess.roles(...): the exporter logs in as its own ACL user 'metrics'",
        "Pass RedisMetrics(password=SecretKeyRef(name='redis-metrics', key='redis-password')).",
        metrics=RedisMetrics(),
        access=RedisAccess.roles([RedisRole.agent(secret_name="agent")]),
    ),
    bad(
        "metrics-password-without-guard",
        "redis",
        "metrics.password",
        SecretKeyRef(name="m", key="p"),
        "needs the command guard: without it (RedisAccess.seed_exact(), RedisAccess.password(..., "
        "command_guard=False)) Redis has only the default user",
        "Drop 'metrics.password' (the exporter then logs in as the default user).",
        metrics=RedisMetrics(password=SecretKeyRef(name="m", key="p")),
        access=RedisAccess.seed_exact(),
    ),
    # -- metrics.dashboard (GrafanaDashboard) ------------------------------------------
    bad(
        "dashboard-true",
        "redis",
        "metrics.dashboard",
        True,
        "must be an agentsmith.GrafanaDashboard or None",
        "Pass dashboard=GrafanaDashboard() (True is not accepted: the value holds the sidecar's label).",
        metrics=RedisMetrics(dashboard=True),  # type: ignore[arg-type]
    ),
    bad(
        "dashboard-no-label",
        "redis",
        "metrics.dashboard.sidecar_labels",
        {},
        "must not be empty: the Grafana sidecar finds dashboards by a label",
        "Use the sidecar's label, e.g. {'grafana_dashboard': '1'} (its sidecar.dashboards.label/labelValue).",
        metrics=RedisMetrics(dashboard=GrafanaDashboard(sidecar_labels={})),
    ),
    bad(
        "dashboard-owned-label",
        "redis",
        "metrics.dashboard.sidecar_labels",
        {"app": "grafana"},
        "must not set 'app': the construct owns it",
        "Use the sidecar's own label key, e.g. 'grafana_dashboard'.",
        metrics=RedisMetrics(dashboard=GrafanaDashboard(sidecar_labels={"app": "grafana"})),
    ),
    bad(
        "dashboard-label-value-invalid",
        "redis",
        "metrics.dashboard.sidecar_labels['grafana_dashboard']",
        "yes please",
        "must be a label value: at most 63 characters of letters, digits, '-', '_' and '.', starting and ending "
        "with a letter or digit",
        "Use e.g. 'dispatcher'.",
        metrics=RedisMetrics(dashboard=GrafanaDashboard(sidecar_labels={"grafana_dashboard": "yes please"})),
    ),
    bad(
        "dashboard-labels-not-a-mapping",
        "redis",
        "metrics.dashboard.sidecar_labels",
        "grafana_dashboard=1",
        "must be a mapping of label keys to values",
        "Pass a dict such as {'app': 'x'}.",
        metrics=RedisMetrics(dashboard=GrafanaDashboard(sidecar_labels="grafana_dashboard=1")),  # type: ignore[arg-type]
    ),
]


@pytest.mark.parametrize("row", BAD_PROPS)
def test_bad_input_raises_one_exact_error_before_any_api_object(row: BadInput, bad_chart: BadChart) -> None:
    bad_chart.refuses(row)
