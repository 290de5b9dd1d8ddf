"""Client wiring: REDIS_URL from the endpoint's Secret, for any endpoint; two buses side by side."""

from __future__ import annotations

from typing import Any

import cdk8s
import cdk8s_plus_27 as kplus
import pytest
from cdk8s_plus_27 import k8s

from agentsmith import (
    AgentsmithConfigError,
    EphemeralRedis,
    ExternalRedis,
    RedisAuth,
    RedisConnectionSecret,
    add_redis_url,
    redis_url_env,
)


def secret_env(name: str, key: str) -> dict[str, Any]:
    return {"name": "REDIS_URL", "valueFrom": {"secretKeyRef": {"name": name, "key": key}}}


def worker_env(objects: list[dict[str, Any]], name: str = "worker") -> list[dict[str, Any]]:
    (deployment,) = [o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == name]
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return list(container["env"])


def test_add_redis_url_to_a_cdk8s_plus_container(synth_chart: Any) -> None:
    def build(chart: cdk8s.Chart) -> None:
        bus = EphemeralRedis(chart, "bus")
        worker = kplus.Deployment(chart, "worker", metadata=cdk8s.ApiObjectMetadata(name="worker"))
        add_redis_url(chart, worker.add_container(image="worker:1"), bus)

    assert worker_env(synth_chart(build)) == [secret_env("agentsmith-secrets", "redis-url")]


def test_same_wiring_for_external_and_auth_endpoints(synth_chart: Any) -> None:
    for make, expected in (
        (lambda c: ExternalRedis(c, "bus", url="rediss://h.example.com:6380"), ("agentsmith-secrets", "redis-url")),
        (lambda c: EphemeralRedis(c, "bus", auth=RedisAuth(secret_name="auth", url_key="url")), ("auth", "url")),
    ):

        def build(chart: cdk8s.Chart, make: Any = make) -> None:
            bus = make(chart)
            worker = kplus.Deployment(chart, "worker", metadata=cdk8s.ApiObjectMetadata(name="worker"))
            add_redis_url(chart, worker.add_container(image="worker:1"), bus)

        assert worker_env(synth_chart(build)) == [secret_env(*expected)]


def test_redis_url_env_for_l1_containers(synth_chart: Any) -> None:
    def build(chart: cdk8s.Chart) -> None:
        bus = EphemeralRedis(chart, "bus", name="cache")
        k8s.KubeDeployment(
            chart,
            "worker",
            metadata=k8s.ObjectMeta(name="worker"),
            spec=k8s.DeploymentSpec(
                selector=k8s.LabelSelector(match_labels={"app": "worker"}),
                template=k8s.PodTemplateSpec(
                    metadata=k8s.ObjectMeta(labels={"app": "worker"}),
                    spec=k8s.PodSpec(containers=[k8s.Container(name="w", image="w:1", env=[redis_url_env(bus)])]),
                ),
            ),
        )

    assert worker_env(synth_chart(build)) == [secret_env("cache-connection", "redis-url")]


def test_two_instances_in_one_namespace_do_not_clash(synth_chart: Any) -> None:
    objects = synth_chart(lambda chart: (EphemeralRedis(chart, "a"), EphemeralRedis(chart, "b", name="redis-b")))
    names: dict[str, list[str]] = {}
    for obj in objects:
        names.setdefault(obj["kind"], []).append(obj["metadata"]["name"])
    assert names == {
        "Deployment": ["redis", "redis-b"],
        "Service": ["redis", "redis-b"],
        "NetworkPolicy": ["redis", "redis-b"],
        "Secret": ["agentsmith-secrets", "redis-b-connection"],
    }
    policies = [o["spec"]["podSelector"] for o in objects if o["kind"] == "NetworkPolicy"]
    assert policies == [{"matchLabels": {"app": "redis"}}, {"matchLabels": {"app": "redis-b"}}]
    secrets = {o["metadata"]["name"]: o["stringData"] for o in objects if o["kind"] == "Secret"}
    assert secrets == {
        "agentsmith-secrets": {"redis-url": "redis://redis:6379"},
        "redis-b-connection": {"redis-url": "redis://redis-b:6379"},
    }


def test_add_redis_url_wires_many_containers_in_one_scope(synth_chart: Any) -> None:
    def build(chart: cdk8s.Chart) -> None:
        bus = EphemeralRedis(chart, "bus")
        for name in ("worker", "dispatcher"):
            deployment = kplus.Deployment(chart, name, metadata=cdk8s.ApiObjectMetadata(name=name))
            add_redis_url(chart, deployment.add_container(image=f"{name}:1"), bus)

    objects = synth_chart(build)
    for name in ("worker", "dispatcher"):
        assert worker_env(objects, name) == [secret_env("agentsmith-secrets", "redis-url")]


@pytest.mark.parametrize(
    "make_second",
    [
        lambda chart: EphemeralRedis(chart, "b"),
        lambda chart: ExternalRedis(chart, "b", url="rediss://managed.example.com:6380"),
        lambda chart: RedisConnectionSecret(chart, "b", url="redis://other:6379"),
    ],
    ids=["same-redis-name", "external-default-secret", "connection-secret-default-name"],
)
def test_objects_that_would_overwrite_each_other_are_refused(synth_chart: Any, make_second: Any) -> None:
    def build(chart: cdk8s.Chart) -> None:
        EphemeralRedis(chart, "a")
        make_second(chart)

    with pytest.raises(AgentsmithConfigError, match=r"\[test/b\] .* which \[test/a\] already defines"):
        synth_chart(build)


def test_same_name_in_another_namespace_is_fine(synth_chart: Any) -> None:
    objects = synth_chart(lambda chart: (EphemeralRedis(chart, "a"), EphemeralRedis(chart, "b", namespace="other")))
    assert sorted((o["kind"], o["metadata"]["namespace"]) for o in objects if o["kind"] == "Deployment") == [
        ("Deployment", "agentsmith"),
        ("Deployment", "other"),
    ]
