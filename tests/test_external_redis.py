"""ExternalRedis: the HA upgrade path synthesises no Redis workload."""

from __future__ import annotations

from typing import Any

import cdk8s
import pytest
from _support import in_memory_app

from agentsmith import AgentsmithConfigError, ExternalRedis, RedisEndpoint, SecretKeyRef


def build_external(synth_chart: Any, **props: Any) -> tuple[ExternalRedis, list[dict[str, Any]]]:
    made: list[ExternalRedis] = []
    objects = synth_chart(lambda chart: made.append(ExternalRedis(chart, "redis", **props)))
    return made[0], objects


def test_from_url_publishes_only_the_connection_secret(synth_chart: Any, snapshot_yaml: Any) -> None:
    redis, objects = build_external(synth_chart, url="rediss://cache.example.com:6380")
    assert objects == snapshot_yaml
    assert (redis.host, redis.port, redis.tls, redis.url) == (
        "cache.example.com",
        6380,
        True,
        "rediss://cache.example.com:6380",
    )
    assert redis.connection == SecretKeyRef(name="agentsmith-secrets", key="redis-url")
    assert objects == [
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "agentsmith-secrets", "namespace": "agentsmith"},
            "stringData": {"redis-url": "rediss://cache.example.com:6380"},
            "type": "Opaque",
        }
    ]


def test_is_a_redis_endpoint(synth_chart: Any) -> None:
    redis, _ = build_external(synth_chart, url="redis://10-0-0-1.example.com")
    assert isinstance(redis, RedisEndpoint)
    assert (redis.port, redis.tls) == (6379, False)


def test_from_existing_secret_writes_nothing(synth_chart: Any) -> None:
    ref = SecretKeyRef(name="managed-redis", key="url")
    redis, objects = build_external(synth_chart, secret=ref, host="cache.example.com", tls=True)
    assert objects == []
    assert redis.connection == ref
    assert redis.url == "rediss://cache.example.com:6379"


def test_external_name_service_on_request(synth_chart: Any) -> None:
    _, objects = build_external(synth_chart, url="redis://cache.example.com:6379", service_name="redis")
    (service,) = [o for o in objects if o["kind"] == "Service"]
    assert service["spec"] == {"type": "ExternalName", "externalName": "cache.example.com"}
    assert {o["kind"] for o in objects} == {"Service", "Secret"}


def test_never_synthesises_a_redis_workload(synth_chart: Any) -> None:
    for props in ({"url": "redis://h.example.com"}, {"secret": SecretKeyRef(name="s", key="k"), "host": "h"}):
        _, objects = build_external(synth_chart, **props)
        assert not {o["kind"] for o in objects} & {"Deployment", "StatefulSet", "Pod", "NetworkPolicy"}


@pytest.mark.parametrize(
    ("props", "prop", "words"),
    [
        ({"url": "http://cache.example.com"}, "url", "must use the redis:// or rediss:// scheme"),
        ({"url": "cache.example.com:6379"}, "url", "must use the redis:// or rediss:// scheme"),
        ({"url": "redis://:hunter2@cache.example.com"}, "url", "must not contain credentials"),
        ({"url": "redis://"}, "url", "has no host"),
        ({"url": "redis://cache.example.com:99999"}, "url", "has an invalid port"),
        ({}, "url", "are exclusive and one is required"),
        (
            {"url": "redis://h", "secret": SecretKeyRef(name="s", key="k")},
            "url",
            "are exclusive and one is required",
        ),
        ({"secret": SecretKeyRef(name="s", key="k")}, "host", "is required with 'secret'"),
        ({"secret": SecretKeyRef(name="Bad_Name", key="k"), "host": "h"}, "secret.name", "DNS subdomain"),
        ({"url": "redis://h", "port": 1}, "port", "is taken from 'url'"),
    ],
)
def test_bad_input(synth_chart: Any, props: dict[str, Any], prop: str, words: str) -> None:
    with pytest.raises(AgentsmithConfigError) as caught:
        build_external(synth_chart, **props)
    assert caught.value.prop == prop
    assert words in str(caught.value)
    assert str(caught.value).startswith("[test/redis] ")


def test_password_never_appears_in_the_error() -> None:
    chart = cdk8s.Chart(in_memory_app(), "test")
    with pytest.raises(AgentsmithConfigError) as caught:
        ExternalRedis(chart, "redis", url="rediss://user:hunter2@cache.example.com")
    assert "hunter2" not in str(caught.value) and "hunter2" not in repr(caught.value.value)


def test_external_name_needs_a_dns_name_not_an_ip(synth_chart: Any) -> None:
    with pytest.raises(AgentsmithConfigError, match=r"'url' must be a DNS name, not an IP address"):
        build_external(synth_chart, url="redis://10.0.0.5:6379", service_name="redis")
    redis, objects = build_external(synth_chart, url="redis://10.0.0.5:6379")  # fine without the Service
    assert (redis.host, [o["kind"] for o in objects]) == ("10.0.0.5", ["Secret"])
