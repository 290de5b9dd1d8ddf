"""agentsmith/overlay.py in process: what the check reads from built objects (the built overlays, with kubectl
kustomize, are in test_kustomize_overlays.py; the installed command in test_installed.py)."""

from __future__ import annotations

from typing import Any

import pytest
from _support import SynthRedis
from test_redis_modes import CASES

from agentsmith import NetworkPeer, RedisNetwork
from agentsmith.overlay import problems, read_build, selects


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_recorded_mode_passes(case: str, synth_redis: SynthRedis) -> None:
    # Every access mode, port, probe shape, client namespace and policy the constructs write is wired right.
    assert problems(synth_redis(**CASES[case])) == []


def by_kind(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {o["kind"]: o for o in objects if o["metadata"]["name"] == "redis" or o["kind"] == "Secret"}


def test_a_named_target_port_must_name_redis_s_port(synth_redis: SynthRedis) -> None:
    objects = synth_redis()
    service = by_kind(objects)["Service"]
    service["spec"]["ports"][0]["targetPort"] = "redis"  # the container port's name: fine
    assert problems(objects) == []
    service["spec"]["ports"][0]["targetPort"] = "metrics"
    (line,) = problems(objects)
    assert line.startswith("Service agentsmith/redis: targetPort 'metrics' names no port of container redis")


def test_a_client_namespace_the_policy_no_longer_admits_is_named(synth_redis: SynthRedis) -> None:
    # GIVEN a bus for clients in namespace jobs, whose policy peer is then pointed at another namespace
    objects = synth_redis(client_namespaces=["jobs"])
    policy = by_kind(objects)["NetworkPolicy"]
    assert problems(objects) == []
    for peer in policy["spec"]["ingress"][0]["from"]:
        if "namespaceSelector" in peer:
            peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"] = "jobs-v2"
    # THEN the check names the namespace where the URL is published and is not admitted
    (line,) = problems(objects)
    assert line.startswith("NetworkPolicy agentsmith/redis: no ingress rule admits pods of namespace jobs")


def test_a_peer_on_labels_the_build_cannot_see_is_not_a_problem(synth_redis: SynthRedis) -> None:
    # A namespace selected by a label of its own (not in the build): undecided, so no line.
    peers = [NetworkPeer(namespace_selector={"team": "jobs"})]
    objects = synth_redis(client_namespaces=["jobs"], network=RedisNetwork.policy(allow_from=peers))
    assert problems(objects) == []


def test_a_peer_selector_rewritten_by_common_labels_is_named() -> None:
    # A peer with labels of its own (allow_from) still gets commonLabels' label: the check names it.
    policy = {
        "kind": "NetworkPolicy",
        "metadata": {"name": "redis", "labels": {"app.kubernetes.io/component": "message-bus", "team": "bus"}},
        "spec": {"ingress": [{"from": [{"podSelector": {"matchLabels": {"role": "agent", "team": "bus"}}}]}]},
    }
    no_bus, line = problems([policy])
    assert no_bus.startswith("the build holds no Deployment labelled app.kubernetes.io/component=message-bus")
    assert "requires team=bus, which also labels the policy itself" in line


def test_a_build_without_the_bus_is_refused() -> None:
    assert problems([]) == [
        "the build holds no Deployment labelled app.kubernetes.io/component=message-bus (it holds no object): "
        "check a build of EphemeralRedis manifests, and keep that label"
    ]
    # a document that is no Kubernetes object (no kind) is named as such, not as "None"
    (line,) = problems([{"garbage": ["x"]}])
    assert "(it holds an object without a kind)" in line


def test_the_exporter_s_security_context_is_checked_too(synth_redis: SynthRedis) -> None:
    from agentsmith import RedisMetrics

    objects = synth_redis(metrics=RedisMetrics())
    assert problems(objects) == []
    exporter = by_kind(objects)["Deployment"]["spec"]["template"]["spec"]["containers"][1]
    exporter["securityContext"]["capabilities"] = {"add": ["NET_ADMIN"], "drop": ["ALL"]}
    (line,) = problems(objects)
    assert line.startswith("Deployment agentsmith/redis: container redis-exporter is no longer restricted: it needs")
    assert "no capabilities.add but NET_BIND_SERVICE" in line


def test_selects_is_a_label_selector() -> None:
    labels = {"app": "redis", "tier": "cache"}
    assert selects({"matchLabels": {"app": "redis"}}, labels) is True
    assert selects({}, labels) is True and selects(None, labels) is True
    assert selects({"matchLabels": {"app": "x"}}, labels) is False
    expressions = [
        ({"key": "tier", "operator": "In", "values": ["cache", "db"]}, True),
        ({"key": "tier", "operator": "NotIn", "values": ["cache"]}, False),
        ({"key": "zone", "operator": "DoesNotExist"}, True),
        ({"key": "zone", "operator": "Exists"}, False),
    ]
    for expression, expected in expressions:
        assert selects({"matchExpressions": [expression]}, labels) is expected, expression
    # labels of a namespace the build does not declare: a key it lacks is undecided, a failed one decides
    assert selects({"matchLabels": {"team": "x"}}, {"kubernetes.io/metadata.name": "jobs"}, known=False) is None
    partial = {"matchLabels": {"team": "x", "kubernetes.io/metadata.name": "ops"}}
    assert selects(partial, {"kubernetes.io/metadata.name": "jobs"}, known=False) is False


@pytest.mark.subprocess  # cdk8s.Yaml.load reads the file in a node process of its own
def test_read_build_uses_cdk8s_s_yaml_reader() -> None:
    text = "apiVersion: v1\nkind: Service\nmetadata: {name: a}\n---\n# empty\n---\nkind: Secret\nmetadata: {name: b}\n"
    assert [o["kind"] for o in read_build(text)] == ["Service", "Secret"]
