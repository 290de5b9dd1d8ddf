"""ExternalRedis: the HA upgrade path synthesises no Redis workload."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import cdk8s
import pytest
from _bad_props import SUBDOMAIN, BadChart, BadInput, bad, fresh_chart
from _support import SynthChart, assert_config_error, in_memory_app

from agentsmith import ExternalRedis, RedisEndpoint, RedisTLS, SecretKeyRef


def build_external(synth_chart: SynthChart, **props: Any) -> tuple[ExternalRedis, list[dict[str, Any]]]:
    made: list[ExternalRedis] = []
    objects = synth_chart(lambda chart: made.append(ExternalRedis(chart, "redis", **props)))
    return made[0], objects


def test_from_url_publishes_only_the_connection_secret(synth_chart: SynthChart, snapshot_yaml: Any) -> None:
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


def test_is_a_redis_endpoint(synth_chart: SynthChart) -> None:
    redis, _ = build_external(synth_chart, url="redis://10-0-0-1.example.com")
    assert isinstance(redis, RedisEndpoint)
    assert (redis.port, redis.tls) == (6379, False)


def test_from_existing_secret_writes_nothing(synth_chart: SynthChart) -> None:
    ref = SecretKeyRef(name="managed-redis", key="url")
    redis, objects = build_external(synth_chart, url_secret=ref, host="cache.example.com", tls=True)
    assert objects == []
    assert redis.connection == ref
    assert redis.url == "rediss://cache.example.com:6379"


def test_external_name_service_on_request(synth_chart: SynthChart) -> None:
    _, objects = build_external(synth_chart, url="redis://cache.example.com:6379", service_name="redis")
    (service,) = [o for o in objects if o["kind"] == "Service"]
    assert service["spec"] == {"type": "ExternalName", "externalName": "cache.example.com"}
    assert {o["kind"] for o in objects} == {"Service", "Secret"}


def test_never_synthesises_a_redis_workload(synth_chart: SynthChart) -> None:
    for props in ({"url": "redis://h.example.com"}, {"url_secret": SecretKeyRef(name="s", key="k"), "host": "h"}):
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
            {"url": "redis://h", "url_secret": SecretKeyRef(name="s", key="k")},
            "url",
            "are exclusive and one is required",
        ),
        ({"url_secret": SecretKeyRef(name="s", key="k")}, "host", "is required with 'url_secret'"),
        ({"url_secret": SecretKeyRef(name="Bad_Name", key="k"), "host": "h"}, "url_secret.name", "DNS subdomain"),
        ({"url": "redis://h", "port": 1}, "port", "is taken from 'url'"),
        ({"url": "redis://cache.example.com:6379/0?password=hunter2"}, "url", "must not contain credentials"),
        ({"url": "redis://cache.example.com?username=u&password=hunter2"}, "url", "must not contain credentials"),
        ({"url": "redis://cache.example.com?Pass%77ord=hunter2"}, "url", "must not contain credentials"),
        ({"url": "Rediss://cache.example.com"}, "url", "Did you mean 'rediss://cache.example.com'?"),
        ({"url": "redis://cache example.com"}, "url", "must contain only printable ASCII"),
        ({"url": "redis://cach\u00e9.example.com"}, "url", "must contain only printable ASCII"),
        ({"url": "redis://-cache.example.com"}, "url", "must have a DNS host name"),
        ({"url": "redis://" + "a" * 64 + ".example.com"}, "url", "labels of at most 63 characters"),
        ({"url": "redis://[::1"}, "url", "has an invalid IPv6 address"),
        ({"url_secret": SecretKeyRef(name="s", key="k"), "host": "cache example.com"}, "host", "must have a DNS host"),
        ({"url_secret": SecretKeyRef(name="s", key="k"), "host": "::g"}, "host", "has an invalid IPv6 address"),
        # hints never offer a candidate that is refused in turn
        (
            {"url_secret": SecretKeyRef(name="s", key="k"), "host": "9-_"},
            "host",
            "). Use a host such as 'my-redis.example",
        ),
        ({"url": "redis://h", "labels": {"team": "-0o17"}}, "labels", "). Shorten it or replace the other"),
        ({"url": "redis://" + "a" * 300}, "url", "). Pass a URL such as 'redis://redis:6379'"),
        ({"url_secret": SecretKeyRef(name="s", key="."), "host": "h"}, "url_secret.key", "must not be '.' or '..'"),
        (
            {"url": "redis://h", "connection_secret": SecretKeyRef(name="s", key="..x")},
            "connection_secret.key",
            "must not be '.' or '..'",
        ),
    ],
)
def test_bad_input(synth_chart: SynthChart, props: dict[str, Any], prop: str, words: str) -> None:
    assert_config_error(
        lambda: build_external(synth_chart, **props), prop=prop, path="test/redis", match=re.escape(words)
    )


@pytest.mark.parametrize(
    "url",
    [
        "rediss://user:hunter2@cache.example.com",
        "redis://cache.example.com/0?password=hunter2",
        "redis://:hunter2@cache.example.com:99999",
        "REDIS://:hunter2@cache.example.com",
        "http://:hunter2@cache.example.com",
        "redis://:hunter2@cache example.com",
        "redis://:hunter2@[::g]",
        "redis//:hunter2@cache.example.com",
        "redis://cache.example.com/x?password=hunter2",
        "redis://cache.example.com#hunter2",
        " redis://:hunter2@cache.example.com",
    ],
)
def test_password_never_appears_in_the_error(url: str) -> None:
    chart = cdk8s.Chart(in_memory_app(), "test")
    assert_config_error(lambda: ExternalRedis(chart, "redis", url=url), secret="hunter2")


@pytest.mark.parametrize(
    ("url", "host", "port"),
    [("redis://[::1]:6379", "::1", 6379), ("rediss://[2001:DB8::7]", "2001:db8::7", 6379)],
)
def test_ipv6_url_is_accepted(synth_chart: SynthChart, url: str, host: str, port: int) -> None:
    redis, objects = build_external(synth_chart, url=url)
    assert (redis.host, redis.port, redis.url) == (host, port, url)
    assert [o["stringData"] for o in objects] == [{"redis-url": url}]


def test_ipv6_host_with_secret_is_bracketed_in_url(synth_chart: SynthChart) -> None:
    redis, _ = build_external(synth_chart, url_secret=SecretKeyRef(name="s", key="k"), host="2001:db8::7", port=6380)
    assert (redis.host, redis.url) == ("2001:db8::7", "redis://[2001:db8::7]:6380")


def test_external_name_needs_a_dns_name_not_an_ip(synth_chart: SynthChart) -> None:
    assert_config_error(
        lambda: build_external(synth_chart, url="redis://10.0.0.5:6379", service_name="redis"),
        match=r"'url' must be a DNS name, not an IP address",
    )
    redis, objects = build_external(synth_chart, url="redis://10.0.0.5:6379")  # fine without the Service
    assert (redis.host, [o["kind"] for o in objects]) == ("10.0.0.5", ["Secret"])


def test_labels_are_read_only(synth_chart: SynthChart) -> None:
    redis, _ = build_external(synth_chart, url="redis://cache.example.com", labels={"team": "bus"})
    assert redis.labels == {"team": "bus"}
    with pytest.raises(TypeError):
        redis.labels["team"] = "other"  # type: ignore[index]


@pytest.mark.parametrize(
    ("build_bad", "message"),
    [
        (
            lambda chart: ExternalRedis(chart, "redis", url=123),  # type: ignore[call-overload]
            "'url' must be a string, not a int (got 123). ",
        ),
        (
            lambda chart: ExternalRedis(  # type: ignore[call-overload]
                chart,
                "redis",
                url_secret=SecretKeyRef(name="s", key="k"),
                host=123,
            ),
            "'host' must be a string, not a int (got 123). Use a host such as 'my-redis.example.com'.",
        ),
    ],
    ids=["url-int", "host-int"],
)
def test_wrong_types_get_a_hint_of_the_right_type(build_bad: Callable[[cdk8s.Chart], object], message: str) -> None:
    # A value that holds no credentials is shown as given rather than '<redacted>'. EphemeralRedis's labels:
    # tests/test_redis.py.
    assert_config_error(lambda: build_bad(fresh_chart()), match=re.escape(message))


# -- TLS with a CA, and Redis Cluster ------------------------------------------------------------

SECRET_KEY = "must be a Secret key: letters, digits, '-', '_' and '.', at most 253 characters"
TLS_FACTORIES = "Use RedisTLS.from_secret('redis-ca') or RedisTLS.from_config_map('redis-ca')."
NEEDS_TLS = "needs TLS: clients hand the CA only to a rediss:// connection"
NEEDS_TLS_FIX = "Use a rediss:// URL (url_secret: tls=True), or drop 'tls_ca'."
SECRET_FORM = {"url": None, "url_secret": SecretKeyRef(name="managed", key="url"), "host": "cache.example.com"}

BAD_PROPS = [
    bad("external-tls-ca-string", "external", "tls_ca", "redis-ca", "must be an agentsmith.RedisTLS", TLS_FACTORIES),
    bad(
        "external-tls-ca-plain-redis-url",
        "external",
        "tls_ca",
        RedisTLS.from_secret("ca"),
        NEEDS_TLS,
        NEEDS_TLS_FIX,
        url="redis://cache:6379",
        tls_ca=RedisTLS.from_secret("ca"),
    ),
    bad(
        "external-tls-ca-tls-false",
        "external",
        "tls_ca",
        RedisTLS.from_config_map("ca"),
        NEEDS_TLS,
        NEEDS_TLS_FIX,
        **SECRET_FORM,
        tls=False,
        tls_ca=RedisTLS.from_config_map("ca"),
    ),
    bad(
        "external-tls-ca-name",
        "external",
        "tls_ca.name",
        "Redis_CA",
        SUBDOMAIN,
        "Did you mean 'redis-ca'?",
        url="rediss://cache:6380",
        tls_ca=RedisTLS.from_secret("Redis_CA"),
    ),
    bad(
        "external-tls-ca-key",
        "external",
        "tls_ca.key",
        "ca crt",
        SECRET_KEY,
        "Use a key such as 'redis-url'.",
        url="rediss://cache:6380",
        tls_ca=RedisTLS.from_config_map("ca", key="ca crt"),
    ),
    bad(
        "external-tls-ca-client-secret",
        "external",
        "tls_ca.client_secret",
        "",
        SUBDOMAIN,
        "Use a name such as 'agentsmith-secrets'.",
        url="rediss://cache:6380",
        tls_ca=RedisTLS.from_secret("ca", client_secret=""),
    ),
    bad(
        "external-cluster-string",
        "external",
        "cluster",
        "yes",
        "must be True or False",
        "Use cluster=True or cluster=False.",
    ),
    bad(
        "external-cluster-database",
        "external",
        "cluster",
        True,
        "allows only database 0, and 'url' selects 'redis://cache:6379/3'",
        "Drop the '/<db>' from the URL.",
        url="redis://cache:6379/3",
        cluster=True,
    ),
]


@pytest.mark.parametrize("row", BAD_PROPS)
def test_bad_input_raises_one_exact_error_before_any_api_object(row: BadInput, bad_chart: BadChart) -> None:
    bad_chart.refuses(row)


def test_tls_ca_is_carried_on_the_endpoint_and_writes_nothing_more(synth_chart: SynthChart) -> None:
    tls = RedisTLS.from_secret("elasticache-ca")
    redis, objects = build_external(synth_chart, url="rediss://cache.example.com:6379", tls_ca=tls)
    assert (redis.tls_ca, redis.cluster, redis.tls) == (tls, False, True)
    assert [o["kind"] for o in objects] == ["Secret"]  # the CA Secret is yours: nothing else is written


def test_tls_ca_makes_url_secret_tls_by_default(synth_chart: SynthChart) -> None:
    redis, objects = build_external(
        synth_chart, url_secret=SecretKeyRef(name="upstash", key="url"), host="eu1.upstash.io", port=6379,
        tls_ca=RedisTLS.from_config_map("upstash-ca"),
    )  # fmt: skip
    assert (redis.tls, redis.url, objects) == (True, "rediss://eu1.upstash.io:6379", [])


def test_defaults_carry_no_tls_ca_and_no_cluster(synth_chart: SynthChart) -> None:
    redis, _ = build_external(synth_chart, url="redis://cache.example.com")
    assert (redis.tls_ca, redis.cluster) == (None, False)


@pytest.mark.parametrize("url", ["redis://cache:6379", "redis://cache:6379/", "rediss://cache:6379/0"])
def test_cluster_takes_database_zero_only(synth_chart: SynthChart, url: str) -> None:
    redis, objects = build_external(synth_chart, url=url, cluster=True)
    assert redis.cluster is True and [o["stringData"] for o in objects] == [{"redis-url": url}]


def test_sentinel_is_refused_with_the_scheme_rule(synth_chart: SynthChart) -> None:
    assert_config_error(
        lambda: build_external(synth_chart, url="redis+sentinel://sentinel:26379/mymaster"),
        prop="url",
        match=re.escape("must use the redis:// or rediss:// scheme"),
    )
