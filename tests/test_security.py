"""Secure by default: additive hardening, NetworkPolicy, Pod Security, opt-in auth and read-only root."""

from __future__ import annotations

import inspect
from typing import Any

import cdk8s
import pytest
from _checkov import DIGEST, HARDENED
from _pss import violations
from _support import SynthChart, SynthRedis, assert_config_error

from agentsmith import (
    AgentsmithNamespace,
    EphemeralRedis,
    NetworkPeer,
    PodSecurity,
    RedisAccess,
    RedisAuth,
    RedisFilesystem,
    RedisMetrics,
    RedisNetwork,
    SecretKeyRef,
)


def objects_of(synth_redis: SynthRedis, **props: Any) -> dict[str, dict[str, Any]]:
    return {o["kind"]: o for o in synth_redis(**props)}


def pod(objects: dict[str, dict[str, Any]]) -> dict[str, Any]:
    spec: dict[str, Any] = objects["Deployment"]["spec"]["template"]["spec"]
    return spec


# -- additive defaults --------------------------------------------------


def test_pod_hardening_defaults(synth_redis: SynthRedis) -> None:
    spec = pod(objects_of(synth_redis))
    assert spec["automountServiceAccountToken"] is False
    assert spec["enableServiceLinks"] is False
    assert spec["securityContext"] == {
        "runAsNonRoot": True,
        "runAsUser": 999,
        "fsGroup": 999,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def test_container_hardening_defaults_keep_the_seed_values(synth_redis: SynthRedis) -> None:
    (container,) = pod(objects_of(synth_redis))["containers"]
    assert container["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": False,  # the seed's value, kept
        "runAsNonRoot": True,
        "runAsUser": 999,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }


@pytest.mark.parametrize(
    ("image", "policy"),
    [("redis:7-alpine", "Always"), (f"redis:7-alpine@{DIGEST}", "IfNotPresent"), (f"redis@{DIGEST}", "IfNotPresent")],
)
def test_image_pull_policy_follows_tag_or_digest(synth_redis: SynthRedis, image: str, policy: str) -> None:
    (container,) = pod(objects_of(synth_redis, image=image))["containers"]
    assert (container["image"], container["imagePullPolicy"]) == (image, policy)


# -- NetworkPolicy --------------------------------------------------------


def test_network_policy_defaults_to_same_namespace_on_the_redis_port(synth_redis: SynthRedis) -> None:
    policy = objects_of(synth_redis)["NetworkPolicy"]
    assert policy["metadata"]["name"] == "redis"
    assert policy["spec"] == {
        "podSelector": {"matchLabels": {"app": "redis"}},
        "policyTypes": ["Ingress", "Egress"],
        "ingress": [{"from": [{"podSelector": {}}], "ports": [{"port": 6379, "protocol": "TCP"}]}],
        "egress": [],
    }


def test_network_policy_typed_peers(synth_redis: SynthRedis) -> None:
    peers = (
        NetworkPeer(pod_selector={"app": "dispatcher"}),
        NetworkPeer(namespace_selector={"kubernetes.io/metadata.name": "ci"}, pod_selector={"app": "runner"}),
    )
    policy = objects_of(synth_redis, network=RedisNetwork.policy(allow_from=peers), port=6380)["NetworkPolicy"]
    assert policy["spec"]["ingress"] == [
        {
            "from": [
                {"podSelector": {"matchLabels": {"app": "dispatcher"}}},
                {
                    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ci"}},
                    "podSelector": {"matchLabels": {"app": "runner"}},
                },
            ],
            "ports": [{"port": 6380, "protocol": "TCP"}],
        }
    ]


def test_network_policy_can_be_turned_off(synth_redis: SynthRedis) -> None:
    assert "NetworkPolicy" not in objects_of(synth_redis, network=RedisNetwork.unmanaged())


def test_network_peer_selectors_are_validated(synth_redis: SynthRedis) -> None:
    network = RedisNetwork.policy(allow_from=(NetworkPeer(pod_selector={"app": "no spaces"}),))
    assert_config_error(
        lambda: objects_of(synth_redis, network=network),
        match=r"'network\.allow_from\[0\]\.pod_selector\['app'\]' must be a label value",
    )


# -- namespace ------------------------------------------------------------


def test_namespace_pod_security_labels_default(synth_chart: SynthChart) -> None:
    (namespace,) = synth_chart(lambda chart: AgentsmithNamespace(chart, "ns"), namespace=None)
    assert namespace["metadata"]["labels"] == {
        "pod-security.kubernetes.io/enforce": "baseline",
        "pod-security.kubernetes.io/enforce-version": "v1.27",
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/warn-version": "v1.27",
        "pod-security.kubernetes.io/audit": "restricted",
        "pod-security.kubernetes.io/audit-version": "v1.27",
    }


def test_namespace_pod_security_is_configurable(synth_chart: SynthChart) -> None:
    (strict,) = synth_chart(
        lambda chart: AgentsmithNamespace(chart, "ns", pod_security=PodSecurity(enforce="restricted")), namespace=None
    )
    assert strict["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    (bare,) = synth_chart(lambda chart: AgentsmithNamespace(chart, "ns", pod_security=None), namespace=None)
    assert "labels" not in bare["metadata"]


def test_namespace_pod_security_level_is_validated(synth_chart: SynthChart) -> None:
    assert_config_error(
        lambda: synth_chart(lambda chart: AgentsmithNamespace(chart, "ns", pod_security=PodSecurity(enforce="strict"))),
        match=r"'pod_security.enforce' must be one of privileged, baseline",
    )


# -- opt-in: read-only root filesystem ----------------------------------


def test_read_only_root_filesystem_mounts_a_bounded_empty_dir(synth_redis: SynthRedis) -> None:
    spec = pod(objects_of(synth_redis, filesystem=RedisFilesystem.read_only()))
    (container,) = spec["containers"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["volumeMounts"] == [{"name": "data", "mountPath": "/data"}]
    assert spec["volumes"] == [{"name": "data", "emptyDir": {"sizeLimit": "64Mi"}}]


def test_defaults_have_no_volumes(synth_redis: SynthRedis) -> None:
    spec = pod(objects_of(synth_redis))
    assert "volumes" not in spec and "volumeMounts" not in spec["containers"][0]


# -- opt-in: a password -----------------------------------------------------------


def test_auth_takes_the_password_from_the_secret_and_keeps_probes_working(synth_chart: SynthChart) -> None:
    handles: list[SecretKeyRef] = []

    def build(chart: cdk8s.Chart) -> None:
        handles.append(
            EphemeralRedis(chart, "redis", access=RedisAccess.password(RedisAuth(secret_name="redis-auth"))).connection
        )

    objects = {o["kind"]: o for o in synth_chart(build)}
    (container,) = pod(objects)["containers"]
    # the command guard carries the password (a 'user default' line replaces --requirepass)
    assert container["args"][6:10] == ["--user", "default", "on", ">$(REDIS_PASSWORD)"]
    assert container["env"] == [
        {"name": "REDIS_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "redis-auth", "key": "redis-password"}}},
        {"name": "REDISCLI_AUTH", "value": "$(REDIS_PASSWORD)"},
    ]
    assert container["readinessProbe"]["exec"]["command"] == ["sh", "-c", '[ "$(redis-cli ping)" = PONG ]']
    assert container["livenessProbe"]["exec"]["command"][0:2] == ["sh", "-c"]
    # clients read the URL (with the password) from the user's Secret; none is written
    assert "Secret" not in objects
    assert handles == [SecretKeyRef(name="redis-auth", key="redis-url")]


def test_a_password_cannot_be_combined_with_a_connection_secret() -> None:
    # the URL holds the password and lives in the user's Secret: the factory takes no Secret to publish to
    assert "connection_secret" not in inspect.signature(RedisAccess.password).parameters
    access = RedisAccess.password(RedisAuth(secret_name="a"))
    assert (access.connection_secret, access.publish_connection_secret) == (None, False)


# -- Pod Security Standards "restricted" -------------------------------


def test_synthesised_pod_template_passes_pss_restricted(manifests: dict[tuple[str, str], Any]) -> None:
    templates = [o["spec"]["template"] for o in manifests.values() if o["kind"] == "Deployment"]
    assert len(templates) == 1
    assert [violations(template) for template in templates] == [[]]


def test_hardened_and_auth_variants_pass_pss_restricted(synth_redis: SynthRedis) -> None:
    for props in (HARDENED, {"access": RedisAccess.password(RedisAuth(secret_name="s"))}):
        assert violations(objects_of(synth_redis, **props)["Deployment"]["spec"]["template"]) == []


@pytest.mark.parametrize(
    "props",
    [{}, HARDENED, {"access": RedisAccess.password(RedisAuth(secret_name="s"))}, {"access": RedisAccess.seed_exact()}],
    ids=["defaults", "hardened", "auth", "seed-exact"],
)
def test_metrics_sidecar_passes_pss_restricted(synth_redis: SynthRedis, props: dict[str, Any]) -> None:
    template = objects_of(synth_redis, metrics=RedisMetrics(), **props)["Deployment"]["spec"]["template"]
    assert [c["name"] for c in template["spec"]["containers"]] == ["redis", "redis-exporter"]
    assert violations(template) == []


def test_pss_checker_catches_the_seeds_two_violations(seed_manifests: dict[tuple[str, str], Any]) -> None:
    found = violations(seed_manifests[("Deployment", "redis")]["spec"]["template"])
    assert found == ["Seccomp: redis", "Capabilities: redis does not drop ALL"]


def test_pss_checker_catches_a_privileged_pod() -> None:
    template = {
        "spec": {
            "hostNetwork": True,
            "volumes": [{"name": "root", "hostPath": {"path": "/"}}],
            "containers": [{"name": "bad", "securityContext": {"privileged": True, "runAsUser": 0}}],
        }
    }
    controls = {line.split(":")[0] for line in violations(template)}
    assert {"Host Namespaces", "HostPath Volumes", "Privileged Containers", "Privilege Escalation"} <= controls
    assert {"Running as Non-root", "Running as Non-root user", "Seccomp", "Capabilities", "Volume Types"} <= controls


# -- checkov ----------------------------------------------------------------

#: Checks the defaults fail on purpose: each is a value the seed sets (docs/security.md, "Secure by default").
SEED_DECISIONS = {
    "CKV_K8S_43": "image by tag (redis:7-alpine), not digest",
    "CKV_K8S_40": "runAsUser 999, the official image's redis user, not >= 10000",
    "CKV_K8S_22": "readOnlyRootFilesystem: false",
}


@pytest.mark.subprocess  # checkov, a background job
def test_checkov_defaults_fail_only_seed_decisions(checkov_scans: dict[str, dict[str, Any]]) -> None:
    assert checkov_scans["defaults"]["failed"] == set(SEED_DECISIONS)
    assert checkov_scans["defaults"]["passed"] > 80


@pytest.mark.subprocess  # checkov, a background job
def test_checkov_with_metrics_fails_only_seed_decisions(checkov_scans: dict[str, dict[str, Any]]) -> None:
    # The exporter container adds no finding of its own; pinned by digest, the hardened pod fails nothing.
    assert checkov_scans["metrics"]["failed"] == set(SEED_DECISIONS)
    assert checkov_scans["metrics"]["passed"] > checkov_scans["defaults"]["passed"]
    assert checkov_scans["hardened-metrics"]["failed"] == set()


@pytest.mark.subprocess  # checkov, a background job
def test_checkov_hardened_example_fails_nothing(checkov_scans: dict[str, dict[str, Any]]) -> None:
    assert checkov_scans["hardened"]["failed"] == set()
    assert checkov_scans["hardened"]["passed"] > 80


@pytest.mark.subprocess  # checkov, a background job
def test_checkov_catches_the_seed_as_written(checkov_scans: dict[str, dict[str, Any]]) -> None:
    failed = checkov_scans["seed"]["failed"]
    assert {"CKV_K8S_28", "CKV_K8S_31", "CKV_K8S_37"} <= failed  # NET_RAW/capabilities, seccomp
    assert set(SEED_DECISIONS) <= failed


def test_empty_allow_list_is_refused_because_it_would_admit_everyone(synth_redis: SynthRedis) -> None:
    # A NetworkPolicy rule with `from: []` matches every source.
    assert_config_error(
        lambda: objects_of(synth_redis, network=RedisNetwork.policy(allow_from=())),
        match=r"'network\.allow_from' must not be empty: .* admits every source",
    )
