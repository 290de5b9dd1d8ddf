"""Wiring across namespaces: refused at synth with both namespaces and the fix, or working with client_namespaces."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import cdk8s
import cdk8s_plus_27 as kplus
import pytest
import yaml
from _support import assert_config_error, assert_synth_error, in_memory_app
from cdk8s_plus_27 import k8s

from agentsmith import (
    EphemeralRedis,
    ExternalRedis,
    RedisAccess,
    RedisConnectionSecret,
    add_redis_url,
    redis_url_env,
)
from agentsmith.checks.synth import check_app

ADD_REDIS_URL_ERROR = (
    "[jobs/worker/Resource] 'containers[main].env[REDIS_URL]' reads Secret 'agentsmith-secrets' in namespace "
    "'jobs', but [bus/redis] publishes it in namespace 'agentsmith' only: a pod reads Secrets from its own "
    "namespace, so it would not start (got 'agentsmith-secrets'). Pass client_namespaces=['jobs'] to [bus/redis] "
    "(it publishes the Secret in 'jobs' and admits 'jobs' in its NetworkPolicy), or run the workload in "
    "namespace 'agentsmith'."
)


def charts(app: cdk8s.App) -> tuple[cdk8s.Chart, cdk8s.Chart]:
    bus = cdk8s.Chart(app, "bus", namespace="agentsmith", disable_resource_name_hashes=True)
    jobs = cdk8s.Chart(app, "jobs", namespace="jobs", disable_resource_name_hashes=True)
    return bus, jobs


def plus_worker(chart: cdk8s.Chart, endpoint: Any) -> None:
    worker = kplus.Deployment(chart, "worker", metadata=cdk8s.ApiObjectMetadata(name="worker"))
    add_redis_url(chart, worker.add_container(image="worker:1"), endpoint)


def l1_worker(chart: cdk8s.Chart, endpoint: Any) -> None:
    labels = {"app": "worker"}
    k8s.KubeDeployment(
        chart,
        "worker",
        metadata=k8s.ObjectMeta(name="worker"),
        spec=k8s.DeploymentSpec(
            selector=k8s.LabelSelector(match_labels=labels),
            template=k8s.PodTemplateSpec(
                metadata=k8s.ObjectMeta(labels=labels),
                spec=k8s.PodSpec(containers=[k8s.Container(name="w", image="w:1", env=[redis_url_env(endpoint)])]),
            ),
        ),
    )


def by_kind(app: cdk8s.App) -> dict[tuple[str, str, str], dict[str, Any]]:
    return {
        (o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"]): o
        for chart in app.charts
        for o in cdk8s.Testing.synth(chart)
    }


# --- refused: a worker in another namespace than the bus's connection Secret ---


def test_add_redis_url_across_namespaces_is_refused_at_synth(tmp_path: Path) -> None:
    # GIVEN a bus in namespace agentsmith and a cdk8s-plus worker in namespace jobs wired to it
    app = cdk8s.App(outdir=str(tmp_path / "out"))
    bus_chart, jobs = charts(app)
    plus_worker(jobs, EphemeralRedis(bus_chart, "redis"))
    # WHEN the app synthesises THEN one line names the workload, both namespaces and the fix
    assert_synth_error(app.synth, message=ADD_REDIS_URL_ERROR)
    assert [p.name for p in (tmp_path / "out").rglob("*")] == []  # nothing written


def test_redis_url_env_across_namespaces_is_refused() -> None:
    app = in_memory_app()
    bus_chart, jobs = charts(app)
    l1_worker(jobs, EphemeralRedis(bus_chart, "redis"))
    assert_config_error(
        lambda: check_app(app),
        prop="containers[w].env[REDIS_URL]",
        match="^"
        + re.escape(
            "[jobs/worker] 'containers[w].env[REDIS_URL]' reads Secret 'agentsmith-secrets' in namespace 'jobs', "
            "but [bus/redis] publishes it in namespace 'agentsmith' only"
        ),
    )


def test_external_redis_across_namespaces_names_the_connection_secret_fix() -> None:
    app = in_memory_app()
    bus_chart, jobs = charts(app)
    l1_worker(jobs, ExternalRedis(bus_chart, "redis", url="rediss://cache.example.com:6380"))
    assert_config_error(lambda: check_app(app), match=re.escape("Publish it there too, e.g. RedisConnectionSecret(<a"))


def test_a_connection_secret_in_the_client_namespace_satisfies_the_check() -> None:
    # GIVEN the external bus's URL published in jobs too
    app = in_memory_app()
    bus_chart, jobs = charts(app)
    bus = ExternalRedis(bus_chart, "redis", url="rediss://cache.example.com:6380")
    RedisConnectionSecret(jobs, "redis-url", url=bus.url)
    l1_worker(jobs, bus)
    check_app(app)  # no exception
    assert by_kind(app)[("Secret", "jobs", "agentsmith-secrets")]["stringData"] == {"redis-url": bus.url}


def test_same_namespace_and_secrets_of_your_own_are_left_alone() -> None:
    app = in_memory_app()
    bus_chart, jobs = charts(app)
    plus_worker(bus_chart, EphemeralRedis(bus_chart, "redis"))
    # a worker that reads a Secret no agentsmith construct publishes (created outside the app)
    kplus.Deployment(jobs, "other").add_container(
        image="o:1", env_variables={"X": kplus.EnvValue.from_secret_value(secret_value("jobs-own", jobs))}
    )
    check_app(app)  # no exception


def secret_value(name: str, scope: cdk8s.Chart) -> kplus.SecretValue:
    return kplus.SecretValue(secret=kplus.Secret.from_secret_name(scope, f"s-{name}", name), key="k")


# --- working: client_namespaces publishes the Secret there and admits the namespace ---


@pytest.mark.parametrize("worker", [plus_worker, l1_worker], ids=["add_redis_url", "redis_url_env"])
def test_client_namespaces_makes_cross_namespace_wiring_work(worker: Any) -> None:
    # GIVEN a bus in agentsmith that serves clients in jobs, and a worker in jobs
    app = in_memory_app()
    bus_chart, jobs = charts(app)
    redis = EphemeralRedis(bus_chart, "redis", client_namespaces=["jobs"])
    worker(jobs, redis)
    # WHEN synthesised THEN no error, and the connection Secret is in jobs with the cluster-wide name
    check_app(app)
    objects = by_kind(app)
    assert objects[("Secret", "jobs", "agentsmith-secrets")]["stringData"] == {
        "redis-url": "redis://redis.agentsmith.svc.cluster.local:6379"
    }
    assert objects[("Secret", "agentsmith", "agentsmith-secrets")]["stringData"] == {"redis-url": "redis://redis:6379"}
    # AND the NetworkPolicy admits every pod of jobs besides Redis's own namespace
    (rule,) = objects[("NetworkPolicy", "agentsmith", "redis")]["spec"]["ingress"]
    assert rule["from"] == [
        {"podSelector": {}},
        {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "jobs"}},
            "podSelector": {},
        },
    ]
    assert dict(redis.client_secrets).keys() == {"jobs"}
    assert redis.client_secrets["jobs"].node.path == "bus/redis/Secret-jobs"


def test_client_namespaces_default_changes_nothing() -> None:
    app = in_memory_app()
    redis = EphemeralRedis(charts(app)[0], "redis")
    assert redis.client_namespaces == ()
    assert dict(redis.client_secrets) == {}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("jobs", "'client_namespaces' must be a sequence of namespace names (got 'jobs')"),
        (["agentsmith"], "'client_namespaces[0]' is Redis's own namespace (got 'agentsmith')"),
        (["jobs", "jobs"], "'client_namespaces[1]' is listed twice (got 'jobs')"),
        (["Jobs"], "'client_namespaces[0]' must be"),
    ],
)
def test_client_namespaces_is_checked(value: Any, message: str) -> None:
    chart = charts(in_memory_app())[0]
    raised = assert_config_error(lambda: EphemeralRedis(chart, "redis", client_namespaces=value))
    assert str(raised).startswith(f"[bus/redis] {message}"), str(raised)
    assert chart.node.try_find_child("redis") is None


def test_client_namespaces_with_auth_admits_but_publishes_nothing() -> None:
    from agentsmith import RedisAuth

    app = in_memory_app()
    redis = EphemeralRedis(
        charts(app)[0],
        "redis",
        access=RedisAccess.password(RedisAuth(secret_name="auth", url_key="url")),
        client_namespaces=["jobs"],
    )
    assert dict(redis.client_secrets) == {}
    objects = by_kind(app)
    assert [k for k in objects if k[0] == "Secret"] == []
    (rule,) = objects[("NetworkPolicy", "agentsmith", "redis")]["spec"]["ingress"]
    assert rule["from"][1]["namespaceSelector"] == {"matchLabels": {"kubernetes.io/metadata.name": "jobs"}}


@pytest.mark.parametrize(
    "output",
    [cdk8s.YamlOutputType.FILE_PER_RESOURCE, cdk8s.YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE],
    ids=["file-per-resource", "folder-per-chart-file-per-resource"],
)
def test_client_namespaces_with_one_file_per_resource_is_refused(output: cdk8s.YamlOutputType) -> None:
    # GIVEN an app that writes one file per resource: the Secret and its copy would share one file
    app = cdk8s.App(outdir="/dev/null/never", yaml_output_type=output)
    chart = charts(app)[0]
    raised = assert_config_error(lambda: EphemeralRedis(chart, "redis", client_namespaces=["jobs"]))
    assert str(raised) == (
        "[bus/redis] 'client_namespaces' would publish Secret 'agentsmith-secrets' in 'agentsmith' and in 'jobs', "
        f"and with YamlOutputType.{output.name} cdk8s writes both to one file (Secret.agentsmith-secrets.k8s.yaml, "
        "no namespace) (got ['jobs']). Use YamlOutputType.FILE_PER_CHART (the default), or pass "
        "access=RedisAccess.open(publish_connection_secret=False) and publish the Secret in 'jobs' yourself: "
        "RedisConnectionSecret(<a chart in 'jobs'>, 'redis-url', url=redis.cluster_url)."
    )


def test_the_documented_fix_for_one_file_per_resource(tmp_path: Path) -> None:
    app = cdk8s.App(outdir=str(tmp_path), yaml_output_type=cdk8s.YamlOutputType.FILE_PER_RESOURCE)
    bus_chart, jobs = charts(app)
    redis = EphemeralRedis(
        bus_chart, "redis", client_namespaces=["jobs"], access=RedisAccess.open(publish_connection_secret=False)
    )
    RedisConnectionSecret(jobs, "redis-url", url=redis.cluster_url)
    plus_worker(jobs, redis)
    app.synth()
    secret = yaml.safe_load((tmp_path / "Secret.agentsmith-secrets.k8s.yaml").read_text(encoding="utf-8"))
    assert (secret["metadata"]["namespace"], secret["stringData"]) == (
        "jobs",
        {"redis-url": "redis://redis.agentsmith.svc.cluster.local:6379"},
    )


# --- a Secret in the client's namespace that points at a bus whose NetworkPolicy does not admit it ---


def test_a_published_url_of_a_bus_that_does_not_admit_the_namespace_is_refused() -> None:
    # GIVEN the bus's cluster-wide URL published in jobs by hand, but no client_namespaces
    app = in_memory_app()
    bus_chart, jobs = charts(app)
    redis = EphemeralRedis(bus_chart, "redis")
    RedisConnectionSecret(jobs, "redis-url", url=redis.cluster_url)
    l1_worker(jobs, redis)
    # WHEN checked THEN the NetworkPolicy is named, with the fix
    raised = assert_config_error(lambda: check_app(app))
    assert str(raised) == (
        "[jobs/worker] 'containers[w].env[REDIS_URL]' reads Secret 'agentsmith-secrets', whose URL is the Redis of "
        "[bus/redis] in namespace 'agentsmith', but its NetworkPolicy does not admit pods of namespace 'jobs': "
        "connections would time out (got 'agentsmith-secrets'). Pass client_namespaces=['jobs'] to [bus/redis] "
        "(with access=RedisAccess.open(publish_connection_secret=False) when you publish the Secret yourself)."
    )


def test_a_namespace_selector_in_allow_from_admits_the_namespace() -> None:
    from agentsmith import NetworkPeer, RedisNetwork

    app = in_memory_app()
    bus_chart, jobs = charts(app)
    peers = (NetworkPeer(), NetworkPeer(namespace_selector={"kubernetes.io/metadata.name": "jobs"}))
    redis = EphemeralRedis(bus_chart, "redis", network=RedisNetwork.policy(allow_from=peers))
    RedisConnectionSecret(jobs, "redis-url", url=redis.cluster_url)
    l1_worker(jobs, redis)
    check_app(app)  # no exception


def test_a_same_name_secret_of_another_redis_in_the_client_namespace_is_left_alone() -> None:
    # GIVEN the seed's Secret name in both namespaces: the bus's, and a managed Redis's in jobs
    app = in_memory_app()
    bus_chart, jobs = charts(app)
    EphemeralRedis(bus_chart, "redis")
    managed = ExternalRedis(jobs, "managed", url="rediss://cache.example.com:6380")
    l1_worker(jobs, managed)
    check_app(app)  # no exception: the worker reads its own namespace's Secret, another Redis's
