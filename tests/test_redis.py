"""EphemeralRedis: the seed's Deployment and Service, field by field."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

import cdk8s
import pytest
from _bad_props import LABEL_CHARS, RFC1123, SUBDOMAIN, TOO_LONG, YAML_NUMBER, BadChart, BadInput, bad, fresh_chart
from _bad_props import probe as probe_timing
from _seed_diff import field_diff
from _support import SynthChart, SynthRedis, assert_config_error, in_memory_app

from agentsmith import EphemeralRedis, RedisAccess, RedisAuth, RedisFilesystem, RedisProbes, Resources
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


# -- Bad props: one exact error each, before any API object (tests/_bad_props.py) --------

HEX64 = "0123456789abcdef" * 4
RFC1035 = (
    "must be an RFC 1035 label: lowercase letters, digits and '-', starting with a lowercase letter "
    "and ending with a letter or digit"
)
NOT_REDIS_SIZE = "is not a Redis memory size"
REDIS_SIZE_FIX = "Use an integer with an optional unit b, k, kb, m, mb, g or gb (k=1000, kb=1024), e.g. '256mb'."
NO_REDIS_UNIT = "Redis has no unit {!r}; its 1024-based units are kb, mb and gb. Did you mean {!r}?"
HEADROOM = (
    "must be at most 16/29 of 'resources.memory_limit' ({}) minus twice 'access.max_value_size' (8mb, the clients' "
    "least budget): under eviction churn the allocator holds up to 13/16 of maxmemory beyond it (measured; "
    "docs/design.md, 'Sizing under eviction churn')"
)
HEADROOM_512MI = HEADROOM.format("512Mi")
HEADROOM_FIX = "Use at most {!r} or raise 'resources.memory_limit'."
NOT_INT = "must be an integer, not a {}"
POLICIES = (
    "must be one of volatile-lru, allkeys-lru, volatile-lfu, allkeys-lfu, volatile-random, "
    "allkeys-random, volatile-ttl, noeviction"
)
PORT_FIX = "Use a TCP port such as 6379."
UID_FIX = "Use a non-root UID such as 999 (the redis user of the official image); 0 is root."
IMAGE_FIX = "Use [registry/]repository[:tag][@sha256:digest], repository in lowercase, e.g. 'redis:7-alpine'."
BAD_DIGEST = "has an invalid digest"
DIGEST_FIX = "A digest is 'sha256:' followed by 64 lowercase hex digits (or sha384/sha512)."
OWNED = "must not set {!r}: the construct owns it (selector and identity labels)"
OWNED_FIX = "Remove it; use 'name' to change the instance's selector label."
PREFIX_RULE = "key prefix must be a lowercase DNS subdomain such as 'example.com'"
MAXMEMORY_FLOOR = (
    "must be at least 8mb: an empty Redis 7 uses about 1 MB and each connected client about 38 KB more, "
    "and every write fails with OOM once that exceeds 'maxmemory'"
)
MAXMEMORY_FLOOR_FIX = "Use 8mb or more, e.g. '256mb' (the seed's value)."

BAD_PROPS = [
    # -- EphemeralRedis 'name': DNS-1035, because it also names the Service --------
    bad("redis-name-uppercase", "redis", "name", "Redis", RFC1035, "Did you mean 'redis'?"),
    bad("redis-name-underscore", "redis", "name", "my_redis", RFC1035, "Did you mean 'my-redis'?"),
    bad("redis-name-leading-digit", "redis", "name", "1redis", RFC1035, "Did you mean 'redis'?"),
    bad("redis-name-leading-dash", "redis", "name", "-redis", RFC1035, "Did you mean 'redis'?"),
    bad("redis-name-trailing-dash", "redis", "name", "redis-", RFC1035, "Did you mean 'redis'?"),
    bad("redis-name-dot", "redis", "name", "redis.bus", RFC1035, "Did you mean 'redis-bus'?"),
    bad("redis-name-64-chars", "redis", "name", "r" * 64, TOO_LONG, "Use a shorter name."),
    bad("redis-name-empty", "redis", "name", "", "must be a non-empty string", "Use a name such as 'redis'."),
    bad("redis-name-none", "redis", "name", None, "must be a non-empty string", "Use a name such as 'redis'."),
    # -- 'namespace' props: DNS-1123 label -----------------------------------------
    bad("redis-namespace-uppercase", "redis", "namespace", "Agentsmith", RFC1123, "Did you mean 'agentsmith'?"),
    bad("redis-namespace-underscore", "redis", "namespace", "agent_smith", RFC1123, "Did you mean 'agent-smith'?"),
    bad("redis-namespace-64-chars", "redis", "namespace", "n" * 64, TOO_LONG, "Use a shorter name."),
    bad(
        "redis-namespace-empty",
        "redis",
        "namespace",
        "",
        "must be a non-empty string",
        "Use a name such as 'agentsmith'.",
    ),
    bad(
        "label-key-empty-prefix-bad-name",
        "redis",
        "labels",
        "/x y",
        PREFIX_RULE,
        "Use e.g. 'team' or 'example.com/team'.",
        labels={"/x y": "v"},
    ),
    # -- 'maxmemory': Redis memory-size syntax, > 0 ------------------------------------
    bad("maxmemory-word", "redis", "maxmemory", "lots", NOT_REDIS_SIZE, REDIS_SIZE_FIX),
    bad("maxmemory-empty", "redis", "maxmemory", "", NOT_REDIS_SIZE, REDIS_SIZE_FIX),
    bad(
        "maxmemory-zero",
        "redis",
        "maxmemory",
        "0",
        "must be greater than 0",
        "Use a size such as '256mb'; 0 means no limit.",
    ),
    bad("maxmemory-space", "redis", "maxmemory", "256 mb", NOT_REDIS_SIZE, "Did you mean '256mb'?"),
    bad("maxmemory-MiB", "redis", "maxmemory", "256MiB", NOT_REDIS_SIZE, NO_REDIS_UNIT.format("MiB", "256mb")),
    bad("maxmemory-Mi", "redis", "maxmemory", "256Mi", NOT_REDIS_SIZE, NO_REDIS_UNIT.format("Mi", "256mb")),
    bad("maxmemory-Ki", "redis", "maxmemory", "256Ki", NOT_REDIS_SIZE, NO_REDIS_UNIT.format("Ki", "256kb")),
    bad("maxmemory-tb", "redis", "maxmemory", "1tb", NOT_REDIS_SIZE, REDIS_SIZE_FIX),
    bad("maxmemory-negative", "redis", "maxmemory", "-1mb", "must not be negative", REDIS_SIZE_FIX),
    bad(
        "maxmemory-fraction",
        "redis",
        "maxmemory",
        "1.5gb",
        NOT_REDIS_SIZE,
        "Redis takes whole numbers. Did you mean '1536mb'?",
    ),
    bad(
        "maxmemory-half-byte",
        "redis",
        "maxmemory",
        "0.5",
        NOT_REDIS_SIZE,
        f"Redis takes whole numbers of bytes. {REDIS_SIZE_FIX}",
    ),
    bad("maxmemory-float", "redis", "maxmemory", 256.0, "must be a string", "Use a string such as '256mb'."),
    bad(
        "maxmemory-over-2-pow-64",
        "redis",
        "maxmemory",
        "17179869184gb",
        "must be at most 2**64 - 1 bytes, the largest size Redis accepts",
        "Use a size such as '256mb'.",
    ),
    # -- 'maxmemory' headroom: at most 3/4 of the memory limit --------------------------
    bad("maxmemory-equals-limit", "redis", "maxmemory", "512mb", HEADROOM_512MI, HEADROOM_FIX.format("273mb")),
    bad("maxmemory-300mb-of-512Mi", "redis", "maxmemory", "300mb", HEADROOM_512MI, HEADROOM_FIX.format("273mb")),
    bad("maxmemory-274mb-of-512Mi", "redis", "maxmemory", "274mb", HEADROOM_512MI, HEADROOM_FIX.format("273mb")),
    bad(
        "seed-sizing-256mb-of-384Mi",
        "redis",
        "maxmemory",
        "256mb",
        HEADROOM.format("384Mi"),
        HEADROOM_FIX.format("203mb"),
        resources=Resources(memory_limit="384Mi"),
    ),
    bad(
        "maxmemory-above-limit",
        "redis",
        "maxmemory",
        "2gb",
        HEADROOM.format("1Gi"),
        HEADROOM_FIX.format("556mb"),
        maxmemory="2gb",
        resources=Resources(memory_limit="1Gi"),
    ),
    bad(
        "maxmemory-tiny-limit",
        "redis",
        "maxmemory",
        "8mb",
        HEADROOM.format("8Mi"),
        "Raise 'resources.memory_limit' to at least '31Mi' (maxmemory cannot go below 8mb).",
        maxmemory="8mb",
        resources=Resources(memory_request="8Mi", memory_limit="8Mi"),
    ),
    bad("maxmemory-below-floor", "redis", "maxmemory", "4mb", MAXMEMORY_FLOOR, MAXMEMORY_FLOOR_FIX),
    bad("maxmemory-1-byte", "redis", "maxmemory", "1", MAXMEMORY_FLOOR, MAXMEMORY_FLOOR_FIX),
    bad("cluster-domain-symbols", "redis", "cluster_domain", "_", SUBDOMAIN, "Use a name such as 'cluster.local'."),
    bad(
        "cluster-domain-uppercase",
        "redis",
        "cluster_domain",
        "Cluster.Local",
        SUBDOMAIN,
        "Did you mean 'cluster.local'?",
    ),
    bad("redis-name-symbols", "redis", "name", "!!!", RFC1035, "Use a name such as 'redis'."),
    bad("redis-namespace-symbols", "redis", "namespace", "???", RFC1123, "Use a name such as 'agentsmith'."),
    bad(
        "label-value-yaml-octal",
        "redis",
        "labels['team']",
        "0o17",
        YAML_NUMBER,
        "Use a value with a letter before the digits, e.g. 'v0o17'.",
        labels={"team": "0o17"},
    ),
    bad(
        "label-value-yaml-hex",
        "redis",
        "labels['team']",
        "0X1F",
        YAML_NUMBER,
        "Use a value with a letter before the digits, e.g. 'v0X1F'.",
        labels={"team": "0X1F"},
    ),
    bad(
        "label-key-yaml-octal",
        "redis",
        "labels",
        "0o17",
        YAML_NUMBER,
        "Use a value with a letter before the digits, e.g. 'v0o17'.",
        labels={"0o17": "x"},
    ),
    # -- 'maxmemory_policy': Redis's eight, with did-you-mean --------------------------
    bad("policy-typo", "redis", "maxmemory_policy", "allkeys-lru2", POLICIES, "Did you mean 'allkeys-lru'?"),
    bad("policy-uppercase", "redis", "maxmemory_policy", "ALLKEYS-LRU", POLICIES, "Did you mean 'allkeys-lru'?"),
    bad("policy-underscore", "redis", "maxmemory_policy", "allkeys_lfu", POLICIES, "Did you mean 'allkeys-lfu'?"),
    bad("policy-no-match", "redis", "maxmemory_policy", "lru", POLICIES, "Use 'allkeys-lru' (the seed's choice)."),
    bad("policy-empty", "redis", "maxmemory_policy", "", POLICIES, "Use 'allkeys-lru' (the seed's choice)."),
    # -- 'port' 1..65535 -----------------------------------------------------------------
    bad("port-zero", "redis", "port", 0, "must be between 1 and 65535", PORT_FIX),
    bad("port-65536", "redis", "port", 65536, "must be between 1 and 65535", PORT_FIX),
    bad("port-negative", "redis", "port", -1, "must be between 1 and 65535", PORT_FIX),
    bad("port-string", "redis", "port", "6379", NOT_INT.format("str"), "Pass the number without quotes: 6379."),
    bad("port-bool", "redis", "port", True, "must be an integer, not a bool", PORT_FIX),
    # -- 'run_as_user' >= 1 ------------------------------------------------------------
    bad("uid-root", "redis", "run_as_user", 0, "must be at least 1", UID_FIX),
    bad("uid-negative", "redis", "run_as_user", -1, "must be at least 1", UID_FIX),
    bad("uid-bool", "redis", "run_as_user", True, "must be an integer, not a bool", UID_FIX),
    bad("uid-above-int32", "redis", "run_as_user", 2**40, "must be at most 2147483647 (int32)", UID_FIX),
    bad("uid-string", "redis", "run_as_user", "999", NOT_INT.format("str"), "Pass the number without quotes: 999."),
    # -- 'image': non-empty, no whitespace, a reference with a tag or digest -----------------
    bad("image-empty", "redis", "image", "", "must be a non-empty string", "Use an image such as 'redis:7-alpine'."),
    bad("image-none", "redis", "image", None, "must be a non-empty string", "Use an image such as 'redis:7-alpine'."),
    bad("image-leading-space", "redis", "image", " redis:7", "must not contain whitespace", "Did you mean 'redis:7'?"),
    bad(
        "image-inner-space",
        "redis",
        "image",
        "redis:7 alpine",
        "must not contain whitespace",
        "Did you mean 'redis:7-alpine'?",
    ),
    bad("image-uppercase", "redis", "image", "Redis:7", "is not a valid image reference", "Did you mean 'redis:7'?"),
    bad(
        "image-uppercase-behind-registry",
        "redis",
        "image",
        "registry.example.com:5000/Redis:7",
        "is not a valid image reference",
        "Did you mean 'registry.example.com:5000/redis:7'?",
    ),
    bad("image-empty-tag", "redis", "image", "redis:", "is not a valid image reference", IMAGE_FIX),
    bad("image-non-ascii-tag", "redis", "image", "redis:7\u00e9", "is not a valid image reference", IMAGE_FIX),
    bad(
        "image-untagged",
        "redis",
        "image",
        "redis",
        "must have a tag or a digest (an untagged image means ':latest')",
        "Use e.g. 'redis:7-alpine'.",
    ),
    bad("image-digest-short", "redis", "image", "redis@sha256:short", "is not a valid image reference", IMAGE_FIX),
    bad("image-digest-63-hex", "redis", "image", f"redis:7@sha256:{HEX64[:63]}", "has an invalid digest", DIGEST_FIX),
    bad("image-digest-uppercase", "redis", "image", f"redis@sha256:{HEX64.upper()}", BAD_DIGEST, DIGEST_FIX),
    bad("image-digest-md5", "redis", "image", f"redis@md5:{HEX64[:32]}", "has an invalid digest", DIGEST_FIX),
    # -- labels: valid keys and values; never the construct's own keys -------------------
    bad(
        "label-key-characters",
        "redis",
        "labels",
        "bad key!",
        f"key name {LABEL_CHARS}",
        "Did you mean 'bad-key'?",
        labels={"bad key!": "x"},
    ),
    bad(
        "label-key-empty-prefix",
        "redis",
        "labels",
        "/team",
        PREFIX_RULE,
        "Did you mean 'team'?",
        labels={"/team": "x"},
    ),
    bad(
        "label-key-uppercase-prefix",
        "redis",
        "labels",
        "Example.com/team",
        PREFIX_RULE,
        "Did you mean 'example.com/team'?",
        labels={"Example.com/team": "x"},
    ),
    bad(
        "label-key-empty",
        "redis",
        "labels",
        "",
        "keys must be non-empty strings",
        "Use a key such as 'team'.",
        labels={"": "x"},
    ),
    bad(
        "label-value-characters",
        "redis",
        "labels",
        "bad value!",
        f"value for 'team' {LABEL_CHARS}",
        "Did you mean 'bad-value'?",
        labels={"team": "bad value!"},
    ),
    bad(
        "label-value-64-chars",
        "redis",
        "labels",
        "v" * 64,
        f"value for 'team' {LABEL_CHARS}",
        f"Did you mean {'v' * 63!r}?",
        labels={"team": "v" * 64},
    ),
    bad(
        "label-value-int",
        "redis",
        "labels",
        1,
        "value for 'team' must be a string",
        "Quote it: '1'.",
        labels={"team": 1},
    ),
    bad(
        "label-overrides-app",
        "redis",
        "labels",
        {"app": "other"},
        OWNED.format("app"),
        OWNED_FIX,
        labels={"team": "platform", "app": "other"},
    ),
    bad(
        "label-overrides-name",
        "redis",
        "labels",
        {"app.kubernetes.io/name": "cache"},
        OWNED.format("app.kubernetes.io/name"),
        OWNED_FIX,
        labels={"app.kubernetes.io/name": "cache"},
    ),
    bad(
        "label-overrides-component",
        "redis",
        "labels",
        {"app.kubernetes.io/component": "cache"},
        OWNED.format("app.kubernetes.io/component"),
        OWNED_FIX,
        labels={"app.kubernetes.io/component": "cache"},
    ),
    bad("labels-list", "redis", "labels", ["team"], "must be a mapping of label keys to values", "Pass a dict."),
]


@pytest.mark.parametrize("row", BAD_PROPS)
def test_bad_input_raises_one_exact_error_before_any_api_object(row: BadInput, bad_chart: BadChart) -> None:
    bad_chart.refuses(row)


# -- valid edge cases of the props: these must keep passing ------------------------------

GOOD_REDIS = [
    pytest.param({}, id="seed-defaults-256mb-under-384Mi"),
    pytest.param({"maxmemory": "273mb"}, id="maxmemory-largest-under-512Mi"),
    pytest.param({"maxmemory": "203mb", "resources": Resources(memory_limit="384Mi")}, id="maxmemory-203mb-of-384Mi"),
    pytest.param({"maxmemory": "256MB"}, id="maxmemory-uppercase-unit"),
    pytest.param({"maxmemory": "268435456"}, id="maxmemory-plain-bytes"),
    pytest.param({"maxmemory": "200m"}, id="maxmemory-decimal-megabytes"),
    pytest.param({"maxmemory": "1gb", "resources": Resources(memory_limit="2Gi")}, id="maxmemory-1gb-under-2Gi"),
    pytest.param({"name": "r" * 63}, id="name-63-chars"),
    pytest.param(
        {"name": "r" * 63, "access": RedisAccess.open(publish_connection_secret=False)}, id="name-63-chars-no-secret"
    ),
    pytest.param({"name": "redis-2"}, id="name-with-digit"),
    pytest.param({"namespace": "1agentsmith"}, id="namespace-leading-digit-is-rfc-1123"),
    pytest.param({"image": f"redis:7-alpine@sha256:{HEX64}"}, id="image-tag-and-digest"),
    pytest.param({"image": f"redis@sha256:{HEX64}"}, id="image-digest-only"),
    pytest.param({"image": "registry.example.com:5000/redis:7"}, id="image-registry-with-port"),
    pytest.param({"image": "docker.io/library/redis:7.2.4-alpine3.19"}, id="image-full-path"),
    pytest.param({"image": "localhost:5000/team/redis:Latest_1"}, id="image-tag-mixed-case"),
    pytest.param({"maxmemory_policy": "noeviction"}, id="policy-noeviction"),
    pytest.param({"maxmemory_policy": "volatile-ttl"}, id="policy-volatile-ttl"),
    pytest.param({"port": 1}, id="port-1"),
    pytest.param({"port": 65535}, id="port-65535"),
    pytest.param({"run_as_user": 1}, id="uid-1"),
    pytest.param({"probes": RedisProbes(liveness=probe_timing(0, 1, 1))}, id="probe-minimums"),
    pytest.param(
        {"resources": Resources(cpu_request="500m", cpu_limit="0.5", memory_request="384Mi")},
        id="requests-equal-limits",
    ),
    pytest.param({"resources": Resources(cpu_request="1e-1", cpu_limit="2")}, id="cpu-exponent"),
    pytest.param(
        {"labels": {"team": "", "example.com/owner": "platform_team.a-1", "v": "x" * 63}},
        id="labels-empty-value-prefix-63-chars",
    ),
]


@pytest.mark.parametrize("kwargs", GOOD_REDIS)
def test_valid_edge_cases_pass(kwargs: dict[str, Any], synth_redis: SynthRedis) -> None:
    objects = synth_redis(**kwargs)
    kinds = [obj["kind"] for obj in objects]
    assert kinds.count("Deployment") == 1
    assert kinds.count("Service") == 1


def test_port_6380_moves_redis_its_probes_and_the_service(synth_redis: SynthRedis) -> None:
    # GIVEN a non-default port WHEN synthesised
    objects = {obj["kind"]: obj for obj in synth_redis(port=6380)}
    container = the_container(objects["Deployment"])
    # THEN Redis listens there, the probes ask there, and the Service forwards there
    assert container["args"][:10] == [
        "--maxmemory", "256mb", "--maxmemory-policy", "allkeys-lru", "--save", "", "--port", "6380",
        "--protected-mode", "no",
    ]  # fmt: skip
    assert container["ports"] == [{"containerPort": 6380, "name": "redis", "protocol": "TCP"}]
    assert container["livenessProbe"]["exec"]["command"] == ["redis-cli", "-p", "6380", "ping"]
    assert container["readinessProbe"]["exec"]["command"] == ["redis-cli", "-p", "6380", "ping"]
    (service_port,) = objects["Service"]["spec"]["ports"]
    assert service_port == {"name": "redis", "port": 6380, "protocol": "TCP", "targetPort": 6380}


@pytest.mark.parametrize(
    ("build_bad", "message"),
    [
        (
            lambda chart: EphemeralRedis(chart, "redis", labels={"team": None}),  # type: ignore[dict-item]
            "'labels' value for 'team' must be a string (got None). Use a string such as 'team-a'.",
        ),
        (
            lambda chart: EphemeralRedis(chart, "redis", labels={"team": True}),  # type: ignore[dict-item]
            "'labels' value for 'team' must be a string (got True). Use a string such as 'team-a'.",
        ),
    ],
    ids=["label-none", "label-bool"],
)
def test_wrong_types_get_a_hint_of_the_right_type(build_bad: Callable[[cdk8s.Chart], object], message: str) -> None:
    # A hint never suggests the wrong value itself ('None', 'True'). ExternalRedis's: tests/test_external_redis.py.
    assert_config_error(lambda: build_bad(fresh_chart()), match=re.escape(message))
