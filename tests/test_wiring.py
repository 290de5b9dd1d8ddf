"""Client wiring: REDIS_URL from the endpoint's Secret, for any endpoint and any binding; two buses side by side.

In process: cdk8s-plus-27 (this project's line), its ``k8s`` and this
repository's own ``imports/k8s`` (as an app's generated bindings). Other lines
and a lean install run in fresh venvs: tests/test_installed.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cdk8s
import cdk8s_plus_27 as kplus
import pytest
from _bad_props import fresh_chart
from _support import SynthChart, assert_config_error, in_memory_app
from cdk8s_plus_27 import k8s

from agentsmith import (
    REDIS_URL_ENV,
    EphemeralRedis,
    ExternalRedis,
    RedisAccess,
    RedisAuth,
    RedisConnectionSecret,
    RedisTLS,
    SecretKeyRef,
    add_redis_url,
    redis_client_env,
    redis_tls_mounts,
    redis_tls_volumes,
    redis_url_env,
)
from imports import k8s as own_k8s  # an app's own generated bindings (cdk8s import k8s@1.27.0)
from testkit.manifests import the_container


def secret_env(name: str, key: str) -> dict[str, Any]:
    return {"name": "REDIS_URL", "valueFrom": {"secretKeyRef": {"name": name, "key": key}}}


def worker_env(objects: list[dict[str, Any]], name: str = "worker") -> list[dict[str, Any]]:
    (deployment,) = [o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == name]
    container = the_container(deployment)
    return list(container["env"])


@dataclass(frozen=True)
class Refusals:
    """One chart with a bus and a worker Deployment, for the tests of what the wiring helpers refuse."""

    chart: cdk8s.Chart
    bus: EphemeralRedis
    worker: kplus.Deployment


@pytest.fixture(scope="module")
def refusals() -> Refusals:
    """Shared by the refusal tests: a refused call adds nothing (each test checks), so one chart serves all."""
    chart = cdk8s.Chart(in_memory_app(), "test", namespace="agentsmith", disable_resource_name_hashes=True)
    bus = EphemeralRedis(chart, "bus")
    return Refusals(chart, bus, kplus.Deployment(chart, "worker", metadata=cdk8s.ApiObjectMetadata(name="worker")))


def test_add_redis_url_to_a_cdk8s_plus_container(synth_chart: SynthChart) -> None:
    def build(chart: cdk8s.Chart) -> None:
        bus = EphemeralRedis(chart, "bus")
        worker = kplus.Deployment(chart, "worker", metadata=cdk8s.ApiObjectMetadata(name="worker"))
        add_redis_url(chart, worker.add_container(image="worker:1"), bus)

    assert worker_env(synth_chart(build)) == [secret_env("agentsmith-secrets", "redis-url")]


def test_same_wiring_for_external_and_auth_endpoints(synth_chart: SynthChart) -> None:
    for make, expected in (
        (lambda c: ExternalRedis(c, "bus", url="rediss://h.example.com:6380"), ("agentsmith-secrets", "redis-url")),
        (
            lambda c: EphemeralRedis(
                c, "bus", access=RedisAccess.password(RedisAuth(secret_name="auth", url_key="url"))
            ),
            ("auth", "url"),
        ),
    ):

        def build(chart: cdk8s.Chart, make: Any = make) -> None:
            bus = make(chart)
            worker = kplus.Deployment(chart, "worker", metadata=cdk8s.ApiObjectMetadata(name="worker"))
            add_redis_url(chart, worker.add_container(image="worker:1"), bus)

        assert worker_env(synth_chart(build)) == [secret_env(*expected)]


def l1_worker(chart: cdk8s.Chart, binding: Any, env: list[Any]) -> None:
    labels = {"app": "worker"}
    binding.KubeDeployment(
        chart,
        "worker",
        metadata=binding.ObjectMeta(name="worker"),
        spec=binding.DeploymentSpec(
            selector=binding.LabelSelector(match_labels=labels),
            template=binding.PodTemplateSpec(
                metadata=binding.ObjectMeta(labels=labels),
                spec=binding.PodSpec(containers=[binding.Container(name="w", image="w:1", env=env)]),
            ),
        ),
    )


@pytest.mark.parametrize("binding", [k8s, own_k8s], ids=["cdk8s_plus_27.k8s", "own-imports.k8s"])
def test_redis_url_env_for_l1_containers_of_any_binding(synth_chart: SynthChart, binding: Any) -> None:
    def build(chart: cdk8s.Chart) -> None:
        l1_worker(chart, binding, [redis_url_env(EphemeralRedis(chart, "bus", name="cache"))])

    assert worker_env(synth_chart(build)) == [secret_env("cache-connection", "redis-url")]


def test_redis_url_env_is_kubernetes_shaped_plain_data() -> None:
    # camelCase keys: jsii passes the dict through as is, and drops snake_case keys without a word
    bus = ExternalRedis(cdk8s.Chart(cdk8s.App(outdir="/dev/null/never"), "c"), "bus", url="redis://h:1")
    env = redis_url_env(bus, name="BUS_URL")
    assert env == {"name": "BUS_URL", "valueFrom": {"secretKeyRef": {"name": "agentsmith-secrets", "key": "redis-url"}}}
    assert type(env) is dict and redis_url_env(bus) is not redis_url_env(bus)  # a fresh dict each call
    assert redis_url_env(bus)["name"] == REDIS_URL_ENV == "REDIS_URL"


def test_redis_url_env_next_to_an_app_s_own_env_vars(synth_chart: SynthChart) -> None:
    def build(chart: cdk8s.Chart) -> None:
        bus = EphemeralRedis(chart, "bus")
        l1_worker(chart, own_k8s, [own_k8s.EnvVar(name="MODE", value="batch"), redis_url_env(bus)])

    assert worker_env(synth_chart(build)) == [
        {"name": "MODE", "value": "batch"},
        secret_env("agentsmith-secrets", "redis-url"),
    ]


def test_add_redis_url_with_a_custom_name(synth_chart: SynthChart) -> None:
    def build(chart: cdk8s.Chart) -> None:
        bus = EphemeralRedis(chart, "bus")
        worker = kplus.Deployment(chart, "worker", metadata=cdk8s.ApiObjectMetadata(name="worker"))
        add_redis_url(chart, worker.add_container(image="worker:1"), bus, name="BUS_URL")

    (env,) = worker_env(synth_chart(build))
    assert env["name"] == "BUS_URL" and env["valueFrom"] == secret_env("agentsmith-secrets", "redis-url")["valueFrom"]


@pytest.mark.parametrize(
    "container",
    [
        pytest.param(lambda: k8s.Container(name="w", image="w:1"), id="l1-container"),
        pytest.param(lambda: own_k8s.Container(name="w", image="w:1"), id="own-imports-container"),
        pytest.param(lambda: "worker", id="string"),
        pytest.param(lambda: None, id="none"),
        pytest.param(lambda: type("Container", (), {"__module__": "cdk8s_plus_99"})(), id="fake-line"),
        pytest.param(lambda: type("Container", (), {"__module__": "cdk8s_plus_27.k8s"})(), id="look-alike"),
    ],
)
def test_add_redis_url_refuses_what_is_not_a_cdk8s_plus_container(refusals: Refusals, container: Any) -> None:
    given = container()
    error = assert_config_error(
        lambda: add_redis_url(refusals.chart, given, refusals.bus), match=r"^'container' must be a cdk8s-plus Container"
    )
    assert error.prop == "container" and error.value is given
    assert "redis_url_env(endpoint)" in str(error)
    # nothing was added: no Secret reference under the scope
    assert refusals.chart.node.try_find_child("ConnectionSecret-agentsmith-secrets") is None


@pytest.mark.parametrize("name", ["", "1URL", "REDIS URL", "REDIS=URL", 5, None])
def test_env_name_is_checked(refusals: Refusals, name: Any) -> None:
    assert_config_error(
        lambda: redis_url_env(refusals.bus, name=name),
        match=r"^'name' must be an environment variable name: .* (a name such as|Did you mean) 'REDIS_URL'",
    )
    assert_config_error(
        lambda: add_redis_url(refusals.chart, refusals.worker.add_container(image="worker:1"), refusals.bus, name=name),
        match=r"^'name' must be an environment variable name",
    )
    assert refusals.chart.node.try_find_child("ConnectionSecret-agentsmith-secrets") is None


@pytest.mark.parametrize("endpoint", ["redis://redis:6379", None], ids=["url-string", "none"])
def test_endpoint_must_be_a_redis_endpoint(synth_chart: SynthChart, endpoint: Any) -> None:
    def build(chart: cdk8s.Chart) -> None:
        assert_config_error(
            lambda: redis_url_env(endpoint), match=r"^'endpoint' must be a RedisEndpoint .* Pass the construct itself"
        )
        worker = kplus.Deployment(chart, "worker", metadata=cdk8s.ApiObjectMetadata(name="worker"))
        assert_config_error(
            lambda: add_redis_url(chart, worker.add_container(image="worker:1"), endpoint),
            match=r"^'endpoint' must be a RedisEndpoint",
        )

    synth_chart(build)


def test_add_redis_url_scope_must_be_a_construct(synth_chart: SynthChart) -> None:
    def build(chart: cdk8s.Chart) -> None:
        bus = EphemeralRedis(chart, "bus")
        worker = kplus.Deployment(chart, "worker", metadata=cdk8s.ApiObjectMetadata(name="worker"))
        assert_config_error(
            lambda: add_redis_url("chart", worker.add_container(image="worker:1"), bus),  # type: ignore[arg-type]
            match=r"^'scope' must be a construct",
        )

    synth_chart(build)


def test_secret_reference_id_is_public_api(synth_chart: SynthChart) -> None:
    def build(chart: cdk8s.Chart) -> None:
        bus = EphemeralRedis(chart, "bus", name="cache")
        worker = kplus.Deployment(chart, "worker", metadata=cdk8s.ApiObjectMetadata(name="worker"))
        add_redis_url(chart, worker.add_container(image="worker:1"), bus)
        assert chart.node.try_find_child("ConnectionSecret-cache-connection") is not None

    synth_chart(build)


def test_two_instances_in_one_namespace_do_not_clash(synth_chart: SynthChart) -> None:
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


def test_add_redis_url_wires_many_containers_in_one_scope(synth_chart: SynthChart) -> None:
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
def test_objects_that_would_overwrite_each_other_are_refused(synth_chart: SynthChart, make_second: Any) -> None:
    def build(chart: cdk8s.Chart) -> None:
        EphemeralRedis(chart, "a")
        make_second(chart)

    assert_config_error(lambda: synth_chart(build), match=r"\[test/b\] .* which \[test/a\] already defines")


def test_same_name_in_another_namespace_is_fine(synth_chart: SynthChart) -> None:
    objects = synth_chart(lambda chart: (EphemeralRedis(chart, "a"), EphemeralRedis(chart, "b", namespace="other")))
    assert sorted((o["kind"], o["metadata"]["namespace"]) for o in objects if o["kind"] == "Deployment") == [
        ("Deployment", "agentsmith"),
        ("Deployment", "other"),
    ]


@dataclass(frozen=True)
class _OwnEndpoint:
    """A user's own RedisEndpoint (the protocol, not an agentsmith construct)."""

    connection: SecretKeyRef
    host: str = "cache"
    port: int = 6379
    url: str = "redis://cache:6379"


@pytest.mark.parametrize(
    ("ref", "prop"),
    [
        (SecretKeyRef(name="Bad Name", key="url"), "endpoint.connection.name"),
        (SecretKeyRef(name="bus", key="a/b"), "endpoint.connection.key"),
    ],
)
def test_your_own_endpoints_secret_reference_is_checked(ref: SecretKeyRef, prop: str) -> None:
    # GIVEN an endpoint of the user's own whose Secret reference the API server would reject
    # THEN the error names the field, before anything is written
    assert_config_error(lambda: redis_url_env(_OwnEndpoint(connection=ref)), prop=prop)


def test_your_own_endpoint_with_a_valid_reference_is_wired() -> None:
    env = redis_url_env(_OwnEndpoint(connection=SecretKeyRef(name="cache", key="url")))
    assert env == {"name": "REDIS_URL", "valueFrom": {"secretKeyRef": {"name": "cache", "key": "url"}}}


# -- the env var name and the endpoint: the props' rules, no construct path ----------


@pytest.fixture(scope="module")
def bus() -> EphemeralRedis:
    """One bus for the env var name rows: ``redis_url_env`` only reads it."""
    return EphemeralRedis(fresh_chart(), "redis")


@pytest.mark.parametrize(
    ("name", "fix"),
    [
        ("REDIS URL", "Did you mean 'REDIS_URL'?"),
        ("REDIS=URL", "Did you mean 'REDIS_URL'?"),
        ("1REDIS_URL", "Use a name such as 'REDIS_URL'."),
        ("REDIS_URL\n", "Did you mean 'REDIS_URL'?"),
        ("", "Use a name such as 'REDIS_URL'."),
        ("9lives", "Use a name such as 'REDIS_URL'."),
    ],
)
def test_env_var_name_follows_kubernetes_rule(name: str, fix: str, bus: EphemeralRedis) -> None:
    from agentsmith import redis_url_env

    assert_config_error(
        lambda: redis_url_env(bus, name=name),
        prop="name",
        value=name,
        path=None,
        message=(
            f"'name' must be an environment variable name: letters, digits, '_', '-' and '.', not starting with a "
            f"digit (got {name!r}). {fix}"
        ),
    )


@pytest.mark.parametrize("name", ["redis-url", "redis.url", "_REDIS", ".hidden", "REDIS_URL"])
def test_env_var_names_kubernetes_accepts_are_accepted(name: str, bus: EphemeralRedis) -> None:
    from agentsmith import redis_url_env

    assert redis_url_env(bus, name=name)["name"] == name


@pytest.mark.parametrize("endpoint", ["redis://redis:6379", None, 6379])
def test_wiring_a_non_endpoint_is_a_config_error_not_an_attribute_error(endpoint: object) -> None:
    from agentsmith import add_redis_url, redis_url_env

    assert_config_error(
        lambda: redis_url_env(endpoint),  # type: ignore[arg-type]
        message=(
            "'endpoint' must be a RedisEndpoint (EphemeralRedis, ExternalRedis or your own), not a "
            f"{type(endpoint).__name__} (got {endpoint!r}). "
            "Pass the construct itself, e.g. redis_url_env(redis) with redis = EphemeralRedis(...)."
        ),
    )
    assert_config_error(lambda: add_redis_url(fresh_chart(), None, endpoint))  # type: ignore[arg-type]


# -- TLS files and Redis Cluster: what the helpers add for ExternalRedis(tls_ca=..., cluster=...) --------

CA_ENV = {"name": "REDIS_TLS_CA_FILE", "value": "/etc/agentsmith/redis-tls/ca/ca.crt"}
CERT_ENV = [
    {"name": "REDIS_TLS_CERT_FILE", "value": "/etc/agentsmith/redis-tls/client/tls.crt"},
    {"name": "REDIS_TLS_KEY_FILE", "value": "/etc/agentsmith/redis-tls/client/tls.key"},
]
CA_MOUNT = {"name": "redis-tls-ca", "mountPath": "/etc/agentsmith/redis-tls/ca", "readOnly": True}
CLIENT_MOUNT = {"name": "redis-tls-client", "mountPath": "/etc/agentsmith/redis-tls/client", "readOnly": True}
CLIENT_VOLUME = {
    "name": "redis-tls-client",
    "secret": {
        "secretName": "worker-tls",
        "items": [{"key": "tls.crt", "path": "tls.crt"}, {"key": "tls.key", "path": "tls.key"}],
    },
}


def managed(chart: cdk8s.Chart, tls: RedisTLS | None, *, cluster: bool = False) -> ExternalRedis:
    return ExternalRedis(
        chart, "bus", url_secret=SecretKeyRef(name="managed", key="url"), host="cache.example.com", tls=True,
        tls_ca=tls, cluster=cluster,
    )  # fmt: skip


def worker_pod(objects: list[dict[str, Any]], name: str = "worker") -> dict[str, Any]:
    (deployment,) = [o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == name]
    pod: dict[str, Any] = deployment["spec"]["template"]["spec"]
    return pod


@pytest.mark.parametrize(
    ("tls", "volume"),
    [
        (
            RedisTLS.from_secret("managed-ca"),
            {
                "name": "redis-tls-ca",
                "secret": {"secretName": "managed-ca", "items": [{"key": "ca.crt", "path": "ca.crt"}]},
            },
        ),
        (
            RedisTLS.from_config_map("managed-ca", key="bundle.pem"),
            {
                "name": "redis-tls-ca",
                "configMap": {"name": "managed-ca", "items": [{"key": "bundle.pem", "path": "ca.crt"}]},
            },
        ),
    ],
    ids=["secret", "config-map"],
)
def test_add_redis_url_mounts_the_ca_and_names_it(synth_chart: SynthChart, tls: RedisTLS, volume: Any) -> None:
    # GIVEN a managed TLS Redis with a CA WHEN a cdk8s-plus container is wired to it
    def build(chart: cdk8s.Chart) -> None:
        worker = kplus.Deployment(chart, "worker", metadata=cdk8s.ApiObjectMetadata(name="worker"))
        add_redis_url(chart, worker.add_container(image="worker:1"), managed(chart, tls))

    pod = worker_pod(synth_chart(build))
    (container,) = pod["containers"]
    # THEN REDIS_URL, the variable naming the CA file, a read-only mount and the pod's volume
    assert container["env"] == [secret_env("managed", "url"), CA_ENV]
    assert container["volumeMounts"] == [CA_MOUNT]
    assert pod["volumes"] == [volume]


def test_add_redis_url_with_a_client_certificate_and_a_cluster(synth_chart: SynthChart) -> None:
    def build(chart: cdk8s.Chart) -> None:
        bus = managed(chart, RedisTLS.from_secret("managed-ca", client_secret="worker-tls"), cluster=True)
        worker = kplus.Deployment(chart, "worker", metadata=cdk8s.ApiObjectMetadata(name="worker"))
        add_redis_url(chart, worker.add_container(image="worker:1"), bus)
        add_redis_url(chart, worker.add_container(image="sidecar:1", name="sidecar"), bus)  # one volume per pod

    pod = worker_pod(synth_chart(build))
    for container in pod["containers"]:
        assert container["env"] == [
            secret_env("managed", "url"),
            CA_ENV,
            *CERT_ENV,
            {"name": "REDIS_CLUSTER", "value": "true"},
        ]
        assert container["volumeMounts"] == [CA_MOUNT, CLIENT_MOUNT]
    assert [v["name"] for v in pod["volumes"]] == ["redis-tls-ca", "redis-tls-client"]
    assert pod["volumes"][1] == CLIENT_VOLUME


def test_l1_helpers_give_the_same_env_volumes_and_mounts(synth_chart: SynthChart) -> None:
    # GIVEN an L1 Deployment (an app's own imports/k8s) WHEN it takes the helpers' dicts
    def build(chart: cdk8s.Chart) -> None:
        bus = managed(chart, RedisTLS.from_secret("managed-ca", client_secret="worker-tls"), cluster=True)
        labels = {"app": "worker"}
        own_k8s.KubeDeployment(
            chart, "worker", metadata=own_k8s.ObjectMeta(name="worker"),
            spec=own_k8s.DeploymentSpec(
                selector=own_k8s.LabelSelector(match_labels=labels),
                template=own_k8s.PodTemplateSpec(
                    metadata=own_k8s.ObjectMeta(labels=labels),
                    spec=own_k8s.PodSpec(
                        containers=[
                            own_k8s.Container(
                                name="w", image="w:1", env=[redis_url_env(bus), *redis_client_env(bus)],
                                volume_mounts=redis_tls_mounts(bus),
                            )
                        ],
                        volumes=redis_tls_volumes(bus),
                    ),
                ),
            ),
        )  # fmt: skip

    pod = worker_pod(synth_chart(build))
    (container,) = pod["containers"]
    # THEN the manifest holds what add_redis_url writes
    assert container["env"] == [
        secret_env("managed", "url"),
        CA_ENV,
        *CERT_ENV,
        {"name": "REDIS_CLUSTER", "value": "true"},
    ]
    assert container["volumeMounts"] == [CA_MOUNT, CLIENT_MOUNT]
    assert pod["volumes"][1] == CLIENT_VOLUME


def test_endpoints_without_tls_or_cluster_add_nothing_more(synth_chart: SynthChart) -> None:
    own = _OwnEndpoint(connection=SecretKeyRef(name="cache", key="url"))  # no tls_ca, no cluster attribute
    for endpoint in (own, EphemeralRedis(fresh_chart(), "redis")):
        assert (redis_client_env(endpoint), redis_tls_volumes(endpoint), redis_tls_mounts(endpoint)) == ([], [], [])

    def build(chart: cdk8s.Chart) -> None:
        worker = kplus.Deployment(chart, "worker", metadata=cdk8s.ApiObjectMetadata(name="worker"))
        add_redis_url(chart, worker.add_container(image="worker:1"), own)

    pod = worker_pod(synth_chart(build))
    assert pod["containers"][0]["env"] == [secret_env("cache", "url")] and "volumes" not in pod
    assert "volumeMounts" not in pod["containers"][0]


@dataclass(frozen=True)
class _OwnTlsEndpoint(_OwnEndpoint):
    tls_ca: object = None
    cluster: object = False


@pytest.mark.parametrize(
    ("extra", "prop", "message"),
    [
        ({"tls_ca": "ca"}, "endpoint.tls_ca", "'endpoint.tls_ca' must be an agentsmith.RedisTLS (got 'ca'). "
         "Use RedisTLS.from_secret('redis-ca') or RedisTLS.from_config_map('redis-ca')."),
        ({"tls_ca": RedisTLS.from_secret("Bad_CA")}, "endpoint.tls_ca.name", None),
        ({"cluster": "true"}, "endpoint.cluster", "'endpoint.cluster' must be True or False (got 'true'). "
         "Use endpoint.cluster=True or endpoint.cluster=False."),
    ],
)  # fmt: skip
def test_your_own_endpoints_tls_and_cluster_are_checked(
    refusals: Refusals, extra: dict[str, Any], prop: str, message: str | None
) -> None:
    endpoint = _OwnTlsEndpoint(connection=SecretKeyRef(name="cache", key="url"), **extra)
    for call in (
        lambda: redis_url_env(endpoint),
        lambda: redis_client_env(endpoint),
        lambda: redis_tls_volumes(endpoint),
        lambda: redis_tls_mounts(endpoint),
        lambda: add_redis_url(refusals.chart, refusals.worker.add_container(image="w:1"), endpoint),
    ):
        assert_config_error(call, prop=prop, path=None, message=message)
    assert refusals.chart.node.try_find_child("ConnectionSecret-cache") is None
