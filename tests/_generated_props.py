"""Hypothesis strategies for construct props: mostly hostile, sometimes valid.

Shared by ``tests/test_properties.py`` and ``benchmarks/input_audit.py``. Each
strategy draws ``(construct, props)``; :func:`build` makes the construct in a
fresh chart and returns its objects, or raises what the construct raised.
"""

from __future__ import annotations

from typing import Any

import cdk8s
from _support import in_memory_app
from hypothesis import strategies as st

from agentsmith import (
    AgentsmithNamespace,
    EphemeralRedis,
    ExternalRedis,
    PodSecurity,
    RedisAuth,
    RedisConnectionSecret,
    Resources,
    SecretKeyRef,
)

#: A credential that must never reach dist/ or a message.
PASSWORD = "hunter2"

#: Hand-picked strings readers, the API server or Redis treat specially.
ADVERSARIAL = [
    "", " ", "redis", "agentsmith", "Redis", " redis", "redis ", "re dis", "r\u00e9dis", "redis\n", "red\x00is",
    "0o17", "0O17", "-0o17", "0_o17", "0X1F", "0x1F", "1e3", "08", "yes", "on", "~", "null", ".inf", "1_000", "=",
    "kube-system", "default", "kube-public", "kube-node-lease", "kube-x", ".", "..", "..x", "a..b", "-", "_",
    "v1.027", "v1.27", "v1.0", "1.27", "latest", "v2", "a" * 63, "a" * 64, "a." * 127, "x" * 254,
    "my_redis", "redis-", "-redis", "1redis", "example.com/team", "EXAMPLE.com/team", "a/b/c", "team/",
    "restricted", "baseline", "privileged", "Restricted",
]  # fmt: skip

TEXT = st.one_of(
    st.sampled_from(ADVERSARIAL),
    st.text(alphabet="abz019oxXe-_./:@?=[] \n\u00e9", max_size=14),
)


def mostly(*valid: str) -> st.SearchStrategy[str]:
    """Two times in three one of ``valid``, else a hostile string."""
    return st.one_of(st.sampled_from(valid), st.sampled_from(valid), TEXT)


NAME = mostly("redis", "cache", "redis-2", "r" * 63, "a1", "v0o17", "x0x1f")
SUBDOMAIN = mostly("agentsmith-secrets", "redis-auth", "a.b.c", "s" * 253, "v1.27", "x0o17")
KEY = mostly("redis-url", "redis.url", ".redis", "a..b", "_", "REDIS_URL", "k" * 253)
QUANTITY = st.one_of(
    st.from_regex(r"\A[+-]?[0-9]{1,4}(\.[0-9]{0,2})?(n|u|m|k|M|G|Ki|Mi|Gi|e[+-]?[0-9]|E)?\Z", fullmatch=True),
    TEXT,
)
REDIS_SIZE = st.one_of(st.from_regex(r"\A[0-9]{1,4}(b|k|kb|m|mb|g|gb|MB|Mi)?\Z", fullmatch=True), TEXT)
LABELS = st.dictionaries(
    mostly("team", "example.com/team", "a_b.c", "x" * 63), mostly("", "dev", "v1.2", "A-b_c.d", "x0o17"), max_size=2
)


@st.composite
def urls(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["redis://", "rediss://", "redis://", "REDIS://", "http://", "", " redis://"]))
    credentials = draw(st.sampled_from(["", "", "", f":{PASSWORD}@", f"user:{PASSWORD}@"]))
    host = draw(mostly("redis", "cache.example.com", "[::1]", "[2001:db8::7]", "10.0.0.7", "999.1.1.1", "[::g]"))
    port = draw(st.sampled_from(["", ":6379", ":6380", "", ":0", ":99999", ":x", ":"]))
    path = draw(st.sampled_from(["", "", "/0", "/15", "/jobs"]))
    query = draw(
        st.sampled_from(["", "", "", f"?password={PASSWORD}", "?socket_timeout=5", f"?username=u&password={PASSWORD}"])
    )
    return scheme + credentials + host + port + path + query


def _optional(**strategies: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional=strategies)


RESOURCES = st.builds(
    Resources,
    cpu_request=st.one_of(st.just("100m"), st.just("100000000n"), QUANTITY),
    cpu_limit=st.one_of(st.just("500m"), st.just("1"), QUANTITY),
    memory_request=st.one_of(st.just("128Mi"), QUANTITY),
    memory_limit=st.one_of(st.just("384Mi"), st.just("1Gi"), QUANTITY),
)
POD_SECURITY = st.builds(
    PodSecurity,
    enforce=mostly("baseline", "restricted", "privileged"),
    warn=st.just("restricted"),
    audit=st.just("restricted"),
    version=mostly("v1.27", "latest", "v1.0", "v1.30"),
)

PROPS = st.one_of(
    st.tuples(
        st.just("redis"),
        _optional(
            name=NAME,
            namespace=NAME,
            maxmemory=st.one_of(st.just("8mb"), st.just("256mb"), REDIS_SIZE),
            data_size_limit=st.one_of(st.just("1Mi"), st.just("64Mi"), QUANTITY),
            labels=LABELS,
            resources=RESOURCES,
            cluster_domain=mostly("cluster.local", "example.internal"),
            read_only_root_filesystem=st.just(True),
            auth=st.builds(RedisAuth, secret_name=SUBDOMAIN, password_key=KEY, url_key=KEY),
            connection_secret=st.builds(SecretKeyRef, name=SUBDOMAIN, key=KEY),
        ),
    ),
    st.tuples(st.just("namespace"), _optional(name=NAME, labels=LABELS, pod_security=POD_SECURITY)),
    st.tuples(st.just("secret"), st.fixed_dictionaries({"url": urls()}, optional={"name": SUBDOMAIN, "key": KEY})),
    st.tuples(
        st.just("external"),
        st.one_of(
            st.fixed_dictionaries({"url": urls()}, optional={"service_name": NAME, "labels": LABELS}),
            st.fixed_dictionaries(
                {
                    "secret": st.builds(SecretKeyRef, name=SUBDOMAIN, key=KEY),
                    "host": mostly("cache.example.com", "::1", "10.0.0.7", "Cache.Example.com"),
                },
                optional={"service_name": NAME},
            ),
        ),
    ),
)

CONSTRUCTS: dict[str, Any] = {
    "redis": EphemeralRedis,
    "namespace": AgentsmithNamespace,
    "secret": RedisConnectionSecret,
    "external": ExternalRedis,
}


def build(construct: str, props: dict[str, Any], namespace: str) -> list[dict[str, Any]]:
    """Objects of ``construct`` built with ``props`` in a fresh chart (no namespace for a Namespace)."""
    chart = cdk8s.Chart(
        in_memory_app(),
        "test",
        namespace=None if construct == "namespace" else namespace,
        disable_resource_name_hashes=True,
    )
    CONSTRUCTS[construct](chart, construct, **props)
    return [dict(obj) for obj in cdk8s.Testing.synth(chart)]
