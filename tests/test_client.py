"""agentsmith/client.py: RedisTLS (the CA clients are handed) and redis_url (credentials percent-encoded)."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
import redis
from _support import assert_config_error

from agentsmith import RedisTLS, redis_url
from agentsmith.client import REDIS_TLS_CA_FILE, REDIS_TLS_CERT_FILE, REDIS_TLS_KEY_FILE

#: The characters the docs name, and a base64 password as `openssl rand -base64 32` writes one.
HARD_PASSWORDS = [
    "a/b",
    "a+b",
    "a=b",
    "a@b",
    "a:b",
    "a%b",
    "%2F",
    "/+=@:%?#[] ~",
    base64.b64encode(bytes(range(200, 232))).decode(),
]


def test_from_secret_fields_and_defaults() -> None:
    tls = RedisTLS.from_secret("redis-ca")
    assert (tls.source, tls.name, tls.key, tls.client_secret) == ("Secret", "redis-ca", "ca.crt", None)


def test_from_config_map_with_a_client_certificate() -> None:
    tls = RedisTLS.from_config_map("ca-bundle", key="bundle.pem", client_secret="worker-tls")
    assert (tls.source, tls.name, tls.key, tls.client_secret) == ("ConfigMap", "ca-bundle", "bundle.pem", "worker-tls")


@pytest.mark.parametrize(
    "tls",
    [
        RedisTLS.from_secret("redis-ca"),
        RedisTLS.from_secret("redis-ca", key="ca.pem", client_secret="c"),
        RedisTLS.from_config_map("redis-ca"),
        RedisTLS.from_config_map("redis-ca", client_secret="c"),
    ],
)
def test_repr_rebuilds_the_value(tls: RedisTLS) -> None:
    assert eval(repr(tls), {"RedisTLS": RedisTLS}) == tls


def test_only_factories_build_it() -> None:
    with pytest.raises(TypeError, match=r"RedisTLS\.from_secret\('redis-ca'\) or RedisTLS\.from_config_map"):
        RedisTLS()


def test_the_files_land_at_fixed_paths_named_by_variables() -> None:
    tls = RedisTLS.from_secret("ca", key="root.pem", client_secret="client")
    assert tls._env() == [
        {"name": "REDIS_TLS_CA_FILE", "value": "/etc/agentsmith/redis-tls/ca/ca.crt"},
        {"name": "REDIS_TLS_CERT_FILE", "value": "/etc/agentsmith/redis-tls/client/tls.crt"},
        {"name": "REDIS_TLS_KEY_FILE", "value": "/etc/agentsmith/redis-tls/client/tls.key"},
    ]
    assert (REDIS_TLS_CA_FILE, REDIS_TLS_CERT_FILE, REDIS_TLS_KEY_FILE) == tuple(e["value"] for e in tls._env())
    assert tls._volumes()[0] == {
        "name": "redis-tls-ca",
        "secret": {"secretName": "ca", "items": [{"key": "root.pem", "path": "ca.crt"}]},
    }
    assert [m["mountPath"] for m in tls._mounts()] == [
        "/etc/agentsmith/redis-tls/ca",
        "/etc/agentsmith/redis-tls/client",
    ]
    assert all(m["readOnly"] is True for m in tls._mounts())


# -- redis_url -----------------------------------------------------------------------------


@pytest.mark.parametrize("password", HARD_PASSWORDS)
@pytest.mark.parametrize("username", [None, "agent"])
def test_redis_url_round_trips_any_password_through_redis_py(password: str, username: str | None) -> None:
    url = redis_url("redis", password=password, username=username)
    parts = urlsplit(url)
    assert (parts.hostname, parts.port) == ("redis", 6379)
    assert unquote(parts.password or "") == password
    # redis-py's own parser (what Redis.from_url uses) gives back the password, the user, host and port
    kwargs = redis.connection.parse_url(url)
    assert (kwargs["password"], kwargs.get("username"), kwargs["host"], kwargs["port"]) == (
        password,
        username,
        "redis",
        6379,
    )


def test_an_unencoded_slash_is_what_breaks_redis_py() -> None:
    with pytest.raises(ValueError, match="Port could not be cast to integer value"):
        redis.connection.parse_url("redis://:a/b@redis:6379")


@pytest.mark.parametrize(
    ("kwargs", "url"),
    [
        ({"host": "redis"}, "redis://redis:6379"),
        ({"host": "Cache.Example.com", "port": 6380, "tls": True}, "rediss://cache.example.com:6380"),
        ({"host": "h", "password": "p/w", "db": 2}, "redis://:p%2Fw@h:6379/2"),
        ({"host": "h", "password": "p", "username": "default", "tls": True}, "rediss://default:p@h:6379"),
        ({"host": "::1", "password": "p"}, "redis://:p@[::1]:6379"),
        ({"host": "[::1]"}, "redis://[::1]:6379"),
        ({"host": "h", "password": "caf\u00e9 \u20ac"}, "redis://:caf%C3%A9%20%E2%82%AC@h:6379"),
    ],
)
def test_redis_url_shapes(kwargs: dict[str, Any], url: str) -> None:
    assert redis_url(**kwargs) == url


@pytest.mark.parametrize(
    ("kwargs", "prop", "message"),
    [
        ({"host": "bad host"}, "host", None),
        (
            {"host": "redis://redis"},
            "host",
            "'host' must be a host, not a URL (got 'redis://redis'). Pass the host alone, e.g. 'redis'.",
        ),
        (
            {"host": ""},
            "host",
            ("'host' must have a non-empty host (got ''). Use a host such as 'my-redis.example.com'."),
        ),
        ({"host": "h", "port": 0}, "port", "'port' must be between 1 and 65535 (got 0). Use a TCP port such as 6379."),
        (
            {"host": "h", "port": "6379"},
            "port",
            ("'port' must be an integer, not a str (got '6379'). Pass the number without quotes: 6379."),
        ),
        ({"host": "h", "tls": "yes"}, "tls", "'tls' must be True or False (got 'yes'). Use tls=True for rediss://."),
        (
            {"host": "h", "password": ""},
            "password",
            ("'password' must be a non-empty string (got ''). Pass the password as a str."),
        ),
        (
            {"host": "h", "password": b"secret"},
            "password",
            ("'password' must be a non-empty string (got '<redacted>'). Pass the password as a str."),
        ),
        (
            {"host": "h", "username": "agent"},
            "username",
            ("'username' needs a password (got 'agent'). Pass password=... with the ACL user's password."),
        ),
        (
            {"host": "h", "username": "", "password": "p"},
            "username",
            ("'username' must be a non-empty string (got ''). Pass the ACL user's name, or None."),
        ),
        ({"host": "h", "db": -1}, "db", "'db' must be at least 0 (got -1). Use e.g. db=0."),
        ({"host": "h", "db": True}, "db", "'db' must be an integer, not a bool (got True). Use e.g. db=0."),
    ],
)
def test_redis_url_refuses_bad_input(kwargs: dict[str, Any], prop: str, message: str | None) -> None:
    error = assert_config_error(lambda: redis_url(**kwargs), prop=prop, path=None, message=message)
    assert "secret" not in str(error)


def test_redis_url_never_shows_the_password() -> None:
    assert_config_error(lambda: redis_url("bad host", password="hunter2"), prop="host", secret="hunter2")
    assert_config_error(lambda: redis_url("h", port=0, password="hunter2"), prop="port", secret="hunter2")
