"""EphemeralRedis: the seed's Deployment and Service, field by field."""

from __future__ import annotations

import copy
import re
from typing import Any

import cdk8s
import pytest
from _seed_diff import field_diff
from _support import SynthChart, SynthRedis, assert_config_error, in_memory_app

from agentsmith import EphemeralRedis, RedisAccess, RedisAuth, RedisFilesystem, Resources
from testkit.manifests import containers, the_container

#: Fields the construct adds on top of the seed, each a documented hardening
#: default (see the EphemeralRedis docstring and docs/security.md, "Secure by default").
#: The one seed value the defaults change, on purpose and measured (CHANGELOG.md; docs/design.md, "Sizing under
#: eviction churn"): 256mb of maxmemory in 384Mi was OOM-killed within a second of eviction churn, every time.
CHANGED_SEED_VALUES: dict[str, list[str]] = {
    "Deployment": ["/spec/template/spec/containers/0/resources/limits/memory: seed '384Mi', synthesised '512Mi'"],
    "Service": [],
}
EXTRA_FIELDS: dict[str, list[str]] = {
    "Deployment": [
        "/spec/strategy",
        "/spec/template/spec/automountServiceAccountToken",
        "/spec/template/spec/enableServiceLinks",
        "/spec/template/spec/securityContext",
        "/spec/template/spec/containers/0/imagePullPolicy",
        "/spec/template/spec/containers/0/livenessProbe/failureThreshold",
        "/spec/template/spec/containers/0/securityContext/capabilities",
        "/spec/template/spec/containers/0/securityContext/seccompProfile",
    ],
    "Service": [],
}


def by_kind(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = {}
    for obj in objects:
        assert obj["kind"] not in result, f"two {obj['kind']} objects"
        result[obj["kind"]] = obj
    return result


@pytest.fixture()
def default(synth_redis: SynthRedis) -> dict[str, dict[str, Any]]:
    return by_kind(synth_redis())


def container(objects: dict[str, dict[str, Any]]) -> dict[str, Any]:
    only: dict[str, Any]
    only = the_container(objects["Deployment"])
    return only


# -- the seed, whole ------------------------------------------------------


def test_defaults_snapshot(default: dict[str, dict[str, Any]], snapshot_yaml: Any) -> None:
    assert sorted(default) == ["Deployment", "NetworkPolicy", "Secret", "Service"]
    assert [default[kind] for kind in sorted(default)] == snapshot_yaml


@pytest.mark.parametrize("kind", ["Deployment", "Service"])
def test_defaults_carry_every_seed_field_and_value(
    kind: str, default: dict[str, dict[str, Any]], seed_manifests: dict[tuple[str, str], Any]
) -> None:
    # GIVEN the seed's manifest WHEN EphemeralRedis synthesises with defaults
    seed, actual = seed_manifests[(kind, "redis")], copy.deepcopy(default[kind])
    if kind == "Deployment":
        # The seed's args come first, unchanged; hardening args (the command
        # guard, tests/access/test_acl.py) are appended after them.
        seed_args = containers(seed)[0]["args"]
        args = containers(actual)[0]["args"]
        assert args[: len(seed_args)] == seed_args
        del args[len(seed_args) :]
    differences, extras = field_diff(seed, actual)
    # THEN every seed field is there with the seed's value (but the memory limit), and only documented extras
    assert differences == CHANGED_SEED_VALUES[kind]
    assert extras == EXTRA_FIELDS[kind]


def test_command_guard_false_keeps_every_seed_value(
    synth_redis: SynthRedis, seed_manifests: dict[tuple[str, str], Any]
) -> None:
    objects = by_kind(synth_redis(access=RedisAccess.seed_exact()))
    differences, _extras = field_diff(seed_manifests[("Deployment", "redis")], objects["Deployment"])
    assert differences == CHANGED_SEED_VALUES["Deployment"]


# -- the seed's Definition of Done, one test per checkable line ----------


def test_no_persistent_volume_or_claim_referenced(default: dict[str, dict[str, Any]]) -> None:
    pod = default["Deployment"]["spec"]["template"]["spec"]
    assert "volumeClaimTemplates" not in default["Deployment"]["spec"]
    assert all("persistentVolumeClaim" not in volume for volume in pod.get("volumes", []))
    text = repr(default).lower()
    assert "persistentvolume" not in text and "claim" not in text


def test_save_empty_argument_disables_persistence(default: dict[str, dict[str, Any]]) -> None:
    args = container(default)["args"]
    index = args.index("--save")
    assert args[index + 1] == ""
    assert args.count("--save") == 1
    assert "--appendonly" not in args


def test_memory_limit_holds_256mb_maxmemory_under_eviction_churn(default: dict[str, dict[str, Any]]) -> None:
    # The seed's line reads "Memory limit set to 384Mi (headroom above 256mb maxmemory)". The headroom
    # measured under eviction churn is 13/16 of maxmemory plus the clients' budget, so the default limit
    # is 512Mi; the seed's maxmemory stays.
    assert container(default)["resources"]["limits"]["memory"] == "512Mi"
    args = container(default)["args"]
    assert args[args.index("--maxmemory") + 1] == "256mb"


def test_the_seeds_384Mi_is_refused_with_its_256mb(synth_chart: Any) -> None:
    from _support import assert_config_error

    from agentsmith import EphemeralRedis, Resources

    assert_config_error(
        lambda: synth_chart(lambda chart: EphemeralRedis(chart, "redis", resources=Resources(memory_limit="384Mi"))),
        prop="maxmemory",
        value="256mb",
        match="Use at most '203mb' or raise 'resources.memory_limit'",
    )


def test_no_password_mode_turns_protected_mode_off_after_the_seed_args(
    default: dict[str, dict[str, Any]], synth_redis: SynthRedis
) -> None:
    # GIVEN no password WHEN synthesised THEN the seed's six args, then protected mode off
    # and before the command guard's ACL line
    assert container(default)["args"][6:9] == ["--protected-mode", "no", "--user"]
    # and after --port when the port moves
    moved = by_kind(synth_redis(port=6380))
    assert container(moved)["args"][6:11] == ["--port", "6380", "--protected-mode", "no", "--user"]
    # GIVEN RedisAccess.seed_exact() THEN the seed's exact args, protected mode left to the image
    seed = by_kind(synth_redis(access=RedisAccess.seed_exact()))
    assert container(seed)["args"] == ["--maxmemory", "256mb", "--maxmemory-policy", "allkeys-lru", "--save", ""]
    # GIVEN a password THEN protected mode is left to Redis (it never refuses once a password is set)
    guarded = by_kind(synth_redis(access=RedisAccess.password(RedisAuth(secret_name="a"))))
    assert "--protected-mode" not in container(guarded)["args"]


def test_single_replica(default: dict[str, dict[str, Any]]) -> None:
    assert default["Deployment"]["spec"]["replicas"] == 1


def test_rollout_strategy_is_recreate_so_there_is_one_bus_at_a_time(default: dict[str, dict[str, Any]]) -> None:
    # RollingUpdate (Kubernetes' default when the seed sets none) would run a second,
    # empty Redis behind the Service during every rollout (issue 14).
    assert default["Deployment"]["spec"]["strategy"] == {"type": "Recreate"}


def test_every_variant_keeps_the_recreate_strategy(synth_chart: SynthChart) -> None:
    objects = synth_chart(
        lambda chart: (
            EphemeralRedis(chart, "a", name="redis-a", port=6380, filesystem=RedisFilesystem.read_only()),
            EphemeralRedis(chart, "b", name="redis-b", maxmemory_policy="noeviction"),
        )
    )
    strategies = [o["spec"]["strategy"] for o in objects if o["kind"] == "Deployment"]
    assert strategies == [{"type": "Recreate"}] * 2


def test_maxmemory_policy_is_allkeys_lru(default: dict[str, dict[str, Any]]) -> None:
    args = container(default)["args"]
    assert args[args.index("--maxmemory-policy") + 1] == "allkeys-lru"


def test_service_is_cluster_ip_only(default: dict[str, dict[str, Any]]) -> None:
    spec = default["Service"]["spec"]
    assert spec["type"] == "ClusterIP"
    assert "externalIPs" not in spec and "loadBalancerIP" not in spec
    assert all("nodePort" not in port for port in spec["ports"])


def test_service_selects_the_pods(default: dict[str, dict[str, Any]]) -> None:
    pod_labels = default["Deployment"]["spec"]["template"]["metadata"]["labels"]
    assert default["Service"]["spec"]["selector"].items() <= pod_labels.items()
    assert default["Deployment"]["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()


def test_probes_run_redis_cli_ping(default: dict[str, dict[str, Any]]) -> None:
    for probe in ("livenessProbe", "readinessProbe"):
        assert container(default)[probe]["exec"]["command"] == ["redis-cli", "ping"]


def test_runs_as_redis_user_without_privilege_escalation(default: dict[str, dict[str, Any]]) -> None:
    context = container(default)["securityContext"]
    assert context["runAsUser"] == 999
    assert context["runAsNonRoot"] is True
    assert context["allowPrivilegeEscalation"] is False


# -- handles ---------------------------------------------------------------


def test_handles(synth_chart: SynthChart) -> None:
    handles: dict[str, Any] = {}

    def build(chart: cdk8s.Chart) -> None:
        redis = EphemeralRedis(chart, "redis")
        handles.update(host=redis.host, port=redis.port, url=redis.url, fqdn=redis.fqdn)

    synth_chart(build)
    assert handles == {
        "host": "redis",
        "port": 6379,
        "url": "redis://redis:6379",
        "fqdn": "redis.agentsmith.svc.cluster.local",
    }


def test_fqdn_uses_the_namespace_prop_over_the_chart(synth_chart: SynthChart) -> None:
    fqdns: list[str] = []
    synth_chart(lambda chart: fqdns.append(EphemeralRedis(chart, "redis", name="bus", namespace="jobs").fqdn))
    assert fqdns == ["bus.jobs.svc.cluster.local"]


def test_fqdn_without_any_namespace_is_a_clear_error(synth_chart: SynthChart) -> None:
    def build(chart: cdk8s.Chart) -> None:
        assert_config_error(
            lambda: EphemeralRedis(chart, "redis").fqdn, match=r"\[test/redis\] 'namespace' is needed for 'fqdn'"
        )

    synth_chart(build, namespace=None)


# -- props -----------------------------------------------------------------


def test_selector_follows_name_so_two_instances_do_not_overlap(synth_chart: SynthChart) -> None:
    objects = synth_chart(
        lambda chart: (EphemeralRedis(chart, "a", name="redis-a"), EphemeralRedis(chart, "b", name="redis-b"))
    )
    deployments = {o["metadata"]["name"]: o for o in objects if o["kind"] == "Deployment"}
    services = {o["metadata"]["name"]: o for o in objects if o["kind"] == "Service"}
    assert sorted(deployments) == sorted(services) == ["redis-a", "redis-b"]
    pods = {name: d["spec"]["template"]["metadata"]["labels"] for name, d in deployments.items()}
    for name, other in (("redis-a", "redis-b"), ("redis-b", "redis-a")):
        selector = services[name]["spec"]["selector"]
        assert selector.items() <= pods[name].items()
        assert not selector.items() <= pods[other].items()
        assert not deployments[name]["spec"]["selector"]["matchLabels"].items() <= pods[other].items()


def test_namespace_prop_sets_metadata_namespace(synth_redis: SynthRedis) -> None:
    objects = synth_redis(namespace="jobs", chart_namespace=None)
    assert {o["metadata"]["namespace"] for o in objects} == {"jobs"}


def test_namespace_none_uses_the_chart_namespace(synth_redis: SynthRedis) -> None:
    objects = synth_redis(chart_namespace="elsewhere")
    assert {o["metadata"]["namespace"] for o in objects} == {"elsewhere"}


def test_port_override_moves_redis_service_and_probes(synth_redis: SynthRedis) -> None:
    objects = by_kind(synth_redis(port=6380))
    spec = container(objects)
    assert spec["args"][6:8] == ["--port", "6380"]
    assert spec["ports"][0]["containerPort"] == 6380
    assert spec["livenessProbe"]["exec"]["command"] == ["redis-cli", "-p", "6380", "ping"]
    assert spec["readinessProbe"]["exec"]["command"] == ["redis-cli", "-p", "6380", "ping"]
    assert objects["Service"]["spec"]["ports"][0] == {
        "name": "redis",
        "port": 6380,
        "targetPort": 6380,
        "protocol": "TCP",
    }


def test_custom_values_reach_the_container(synth_chart: SynthChart) -> None:
    def build(chart: cdk8s.Chart) -> None:
        EphemeralRedis(
            chart,
            "redis",
            name="bus",
            image="redis:7.2-alpine",
            maxmemory="1gb",
            maxmemory_policy="allkeys-lfu",
            resources=Resources(memory_request="1Gi", memory_limit="2Gi"),
            run_as_user=1000,
        )

    objects = by_kind(synth_chart(build))
    spec = container(objects)
    assert spec["name"] == "bus"
    assert spec["image"] == "redis:7.2-alpine"
    assert spec["args"][:8] == [
        "--maxmemory", "1gb", "--maxmemory-policy", "allkeys-lfu", "--save", "", "--protected-mode", "no",
    ]  # fmt: skip
    assert spec["args"][8] == "--user"  # the command guard comes last
    assert spec["resources"] == {
        "requests": {"cpu": "100m", "memory": "1Gi"},
        "limits": {"cpu": "500m", "memory": "2Gi"},
    }
    assert spec["securityContext"]["runAsUser"] == 1000
    assert objects["Deployment"]["spec"]["selector"]["matchLabels"] == {"app": "bus"}


def test_user_labels_are_added_without_touching_selectors(synth_redis: SynthRedis) -> None:
    objects = by_kind(synth_redis(labels={"team": "platform"}))
    for kind in ("Deployment", "Service"):
        assert objects[kind]["metadata"]["labels"]["team"] == "platform"
    assert objects["Deployment"]["spec"]["template"]["metadata"]["labels"] == {"app": "redis", "team": "platform"}
    assert objects["Deployment"]["spec"]["selector"]["matchLabels"] == {"app": "redis"}
    assert objects["Service"]["spec"]["selector"] == {"app": "redis"}


def test_there_is_no_replicas_prop() -> None:
    import inspect

    assert "replicas" not in inspect.signature(EphemeralRedis).parameters


def test_props_are_keyword_only() -> None:
    app = in_memory_app()
    chart = cdk8s.Chart(app, "test")
    with pytest.raises(TypeError):
        EphemeralRedis(chart, "redis", "bus")  # type: ignore[call-arg]


def test_construct_ids_are_stable(synth_chart: SynthChart) -> None:
    paths: list[str] = []

    def build(chart: cdk8s.Chart) -> None:
        redis = EphemeralRedis(chart, "redis")
        paths.extend([redis.deployment.node.path, redis.service.node.path])

    synth_chart(build)
    assert paths == ["test/redis/Deployment", "test/redis/Service"]


def test_labels_and_selector_labels_are_read_only(synth_chart: SynthChart) -> None:
    # GIVEN a Redis with an extra label
    made: list[EphemeralRedis] = []
    objects = synth_chart(lambda chart: made.append(EphemeralRedis(chart, "redis", labels={"team": "bus"})))
    (redis,) = made
    # THEN the handles show what was synthesised
    assert redis.selector_labels == {"app": "redis"}
    assert redis.labels == {
        "team": "bus",
        "app": "redis",
        "app.kubernetes.io/name": "redis",
        "app.kubernetes.io/component": "message-bus",
    }
    deployment = next(o for o in objects if o["kind"] == "Deployment")
    assert deployment["metadata"]["labels"] == dict(redis.labels)
    # AND they cannot be edited after construction, where an edit would reach no manifest
    for mapping in (redis.labels, redis.selector_labels):
        with pytest.raises(TypeError):
            mapping["app"] = "other"  # type: ignore[index]


# --- chart-level labels: one rule for the four objects ---


@pytest.mark.parametrize("key", ["app", "app.kubernetes.io/name", "app.kubernetes.io/component"])
def test_a_chart_label_on_the_construct_s_own_keys_is_refused(key: str) -> None:
    # GIVEN a chart whose labels set one of the construct's own keys to another value
    chart = cdk8s.Chart(in_memory_app(), "bus", namespace="agentsmith", labels={key: "mine", "team": "a"})
    # WHEN an EphemeralRedis is added THEN refused before anything exists (cdk8s would keep the chart's
    # value on the Secret and silently replace it on the Deployment, Service and NetworkPolicy)
    assert_config_error(
        lambda: EphemeralRedis(chart, "redis"),
        prop="scope",
        match="^" + re.escape(f"[bus/redis] 'scope' is a chart whose labels set {key!r}, which this"),
        fix=f"without {key!r} in its labels, or remove that chart label.",
    )
    assert chart.node.try_find_child("redis") is None


def test_other_chart_labels_and_equal_values_reach_all_four_objects() -> None:

    labels = {"team": "a", "app.kubernetes.io/component": "message-bus"}
    chart = cdk8s.Chart(in_memory_app(), "bus", namespace="agentsmith", labels=labels)
    EphemeralRedis(chart, "redis")
    objects = cdk8s.Testing.synth(chart)
    assert sorted(o["kind"] for o in objects) == ["Deployment", "NetworkPolicy", "Secret", "Service"]
    for o in objects:
        assert {k: o["metadata"]["labels"][k] for k in labels} == labels, o["kind"]
