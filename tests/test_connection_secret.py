"""RedisConnectionSecret: where clients read REDIS_URL from."""

from __future__ import annotations

from typing import Any

import cdk8s
import pytest
from _bad_props import RFC1123, SUBDOMAIN, YAML_NUMBER, BadChart, BadInput, bad
from _support import SynthChart, assert_config_error

from agentsmith import EphemeralRedis, RedisAccess, RedisConnectionSecret


def test_defaults_hold_the_url_from_the_handle(synth_chart: SynthChart, snapshot_yaml: Any) -> None:
    def build(chart: cdk8s.Chart) -> None:
        redis = EphemeralRedis(chart, "redis", access=RedisAccess.open(publish_connection_secret=False))
        RedisConnectionSecret(chart, "connection", url=redis.url)

    (secret,) = [o for o in synth_chart(build) if o["kind"] == "Secret"]
    assert secret == snapshot_yaml
    assert secret["metadata"] == {"name": "agentsmith-secrets", "namespace": "agentsmith"}
    assert secret["type"] == "Opaque"
    assert secret["stringData"] == {"redis-url": "redis://redis:6379"}


def test_name_key_and_namespace(synth_chart: SynthChart) -> None:
    objects = synth_chart(
        lambda chart: RedisConnectionSecret(chart, "c", url="rediss://h:6380", name="bus", key="url", namespace="x"),
        namespace=None,
    )
    assert objects[0]["metadata"] == {"name": "bus", "namespace": "x"}
    assert objects[0]["stringData"] == {"url": "rediss://h:6380"}


def test_refuses_credentials_in_the_url(synth_chart: SynthChart) -> None:

    assert_config_error(
        lambda: synth_chart(lambda chart: RedisConnectionSecret(chart, "c", url="redis://:hunter2@redis:6379")),
        match="must not contain credentials",
        secret="hunter2",
    )


def test_the_secret_handle_is_named_after_its_kind(synth_chart: SynthChart) -> None:
    made: list[RedisConnectionSecret] = []
    synth_chart(lambda chart: made.append(RedisConnectionSecret(chart, "c", url="redis://redis:6379")))
    (secret,) = made
    assert secret.secret is secret.api_object
    assert (secret.secret.kind, secret.secret.node.path) == ("Secret", "test/c/Secret")


# -- Bad props: one exact error each, before any API object (tests/_bad_props.py) --------

SECRET_KEY = "must be a Secret key: letters, digits, '-', '_' and '.', at most 253 characters"
DOT_KEY = (
    "must not be '.' or '..' or start with '..': mounted as a file, the key would name a folder outside the volume"
)
CREDENTIALS = "must not contain credentials: they would be written into dist/ in plain text"
CREDENTIALS_FIX = "Store the URL in a Secret created outside dist/ and pass url_secret=SecretKeyRef(name=..., key=...)."
PRINTABLE = (
    "must contain only printable ASCII: no spaces, control characters or non-ASCII letters "
    "(write an international host name in its xn-- form)"
)
URL_FIX = "Pass a URL such as 'redis://redis:6379' or 'rediss://my-redis.example.com:6380'."
SCHEME = "must use the redis:// or rediss:// scheme"
HOST_RULE = (
    "must have a DNS host name (letters, digits, '-' and '.', labels of at most 63 characters), "
    "an IPv4 address or a bracketed IPv6 address"
)

BAD_PROPS = [
    bad("secret-namespace-uppercase", "secret", "namespace", "Agentsmith", RFC1123, "Did you mean 'agentsmith'?"),
    # -- RedisConnectionSecret ------------------------------------------------------
    bad(
        "secret-name-uppercase",
        "secret",
        "name",
        "Agentsmith-Secrets",
        SUBDOMAIN,
        "Did you mean 'agentsmith-secrets'?",
    ),
    bad("secret-name-underscore", "secret", "name", "my_secrets", SUBDOMAIN, "Did you mean 'my-secrets'?"),
    bad("secret-name-254-chars", "secret", "name", "s" * 254, SUBDOMAIN, f"Did you mean {'s' * 253!r}?"),
    bad("secret-key-space", "secret", "key", "redis url", SECRET_KEY, "Use a key such as 'redis-url'."),
    bad("secret-key-symbols", "secret", "key", "%%%", SECRET_KEY, "Use a key such as 'redis-url'."),
    bad("secret-key-dot", "secret", "key", ".", DOT_KEY, "Use a key such as 'redis-url'."),
    bad("secret-key-dotdot", "secret", "key", "..", DOT_KEY, "Use a key such as 'redis-url'."),
    bad("secret-key-dotdot-prefix", "secret", "key", "..x", DOT_KEY, "Use a key such as 'redis-url'."),
    bad(
        "secret-key-yaml-octal",
        "secret",
        "key",
        "0o17",
        YAML_NUMBER,
        "Use a value with a letter before the digits, e.g. 'v0o17'.",
    ),
    bad(
        "secret-url-query-password",
        "secret",
        "url",
        "redis://redis:6379/0?<redacted>",
        CREDENTIALS,
        CREDENTIALS_FIX,
        url="redis://redis:6379/0?password=hunter2",
    ),
    bad(
        "secret-url-query-username",
        "secret",
        "url",
        "redis://redis:6379?<redacted>",
        CREDENTIALS,
        CREDENTIALS_FIX,
        url="redis://redis:6379?username=&password=hunter2",
    ),
    bad(
        "secret-url-userinfo",
        "secret",
        "url",
        "redis://<redacted>@redis:6379",
        CREDENTIALS,
        CREDENTIALS_FIX,
        url="redis://default:hunter2@redis:6379",
    ),
    bad(
        "secret-url-space-and-password",
        "secret",
        "url",
        "redis://<redacted>@my redis:6379",
        PRINTABLE,
        URL_FIX,
        url="redis://:hunter2@my redis:6379",
    ),
    bad(
        "secret-url-leading-space",
        "secret",
        "url",
        " redis://redis:6379",
        PRINTABLE,
        "Did you mean 'redis://redis:6379'?",
    ),
    bad("secret-url-control", "secret", "url", "redis://re\x00dis:6379", PRINTABLE, URL_FIX),
    bad("secret-url-non-ascii", "secret", "url", "redis://r\u00e9dis:6379", PRINTABLE, URL_FIX),
    bad(
        "secret-url-uppercase-scheme",
        "secret",
        "url",
        "REDIS://redis:6379",
        SCHEME,
        "Did you mean 'redis://redis:6379'?",
    ),
    bad("secret-url-no-scheme", "secret", "url", "redis:6379", SCHEME, "Did you mean 'redis://redis:6379'?"),
    bad(
        "secret-url-host-underscore",
        "secret",
        "url",
        "redis://my_redis:6379",
        HOST_RULE,
        "Did you mean 'redis://my-redis:6379'?",
    ),
    bad(
        "secret-url-host-bad-ipv4",
        "secret",
        "url",
        "redis://999.1.1.1:6379",
        "has an invalid IPv4 address",
        "Use four numbers from 0 to 255, e.g. '10.0.0.7'.",
    ),
    bad(
        "secret-url-host-bad-ipv6",
        "secret",
        "url",
        "redis://[::g]:6379",
        "has an invalid IPv6 address",
        "Write IPv6 in brackets, e.g. 'redis://[::1]:6379'.",
    ),
    bad(
        "secret-url-path",
        "secret",
        "url",
        "redis://redis:6379/jobs",
        "has a path that is not a database number",
        "Use '/<number>' after the host, e.g. 'redis://redis:6379/0', or no path.",
    ),
    bad(
        "secret-url-fragment",
        "secret",
        "url",
        "redis://redis:6379#<redacted>",
        "must not have a '#fragment'",
        "Remove it.",
    ),
    bad(
        "secret-url-not-a-string",
        "secret",
        "url",
        "<redacted>",
        "must be a string, not a bytes",
        URL_FIX,
        url=b"redis://:hunter2@redis:6379",
    ),
    bad(
        "secret-url-http",
        "secret",
        "url",
        "http://redis:6379",
        "must use the redis:// or rediss:// scheme",
        "Use e.g. 'rediss://my-redis.example.com:6380' (rediss = TLS).",
    ),
]


@pytest.mark.parametrize("row", BAD_PROPS)
def test_bad_input_raises_one_exact_error_before_any_api_object(row: BadInput, bad_chart: BadChart) -> None:
    bad_chart.refuses(row)


# -- valid edge cases of the props: these must keep passing ------------------------------


def test_secret_name_is_a_subdomain_not_a_label(synth_chart: SynthChart) -> None:
    name = "agentsmith." + "s" * 100
    objects = synth_chart(lambda chart: RedisConnectionSecret(chart, "secret", url="redis://redis:6379", name=name))
    assert [obj["metadata"]["name"] for obj in objects] == [name]


@pytest.mark.parametrize(
    "url",
    [
        "redis://[::1]:6379",
        "rediss://[2001:db8::7]:6380/0",
        "redis://10.0.0.7",
        "redis://Redis.Example.com:6379/15",
        "redis://redis:6379/0?socket_timeout=5",
    ],
)
def test_valid_urls_pass_unchanged(url: str, synth_chart: SynthChart) -> None:
    objects = synth_chart(lambda chart: RedisConnectionSecret(chart, "secret", url=url))
    assert [obj["stringData"] for obj in objects] == [{"redis-url": url}]


@pytest.mark.parametrize("key", ["redis.url", ".redis-url", "a..b", "_"])
def test_secret_keys_with_dots_inside_pass(key: str, synth_chart: SynthChart) -> None:
    objects = synth_chart(lambda chart: RedisConnectionSecret(chart, "secret", url="redis://r", key=key))
    assert list(objects[0]["stringData"]) == [key]
