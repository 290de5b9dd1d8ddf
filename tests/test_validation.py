"""Bad props fail at construction, with one exact, helpful error each.

Table-driven: every row of :data:`BAD` is one bad input to one construct.

GIVEN a fresh chart that already holds one unrelated ApiObject,
WHEN the construct is built with the bad prop,
THEN it raises ``AgentsmithConfigError`` whose ``prop``, ``value`` and ``path``
are exact and whose message is exactly ``[test/<id>] '<prop>' <rule> (got
<value!r>). <fix>``, AND the chart still synthesises only the earlier object:
validation runs before the construct creates any API object.

A fresh chart per row matters: a constructor that raises has already
registered its construct id in the tree (``Construct.__init__`` runs first), so
the same id cannot be used again in that chart.

Valid edge cases that must keep passing are at the end of the file.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import cdk8s
import pytest
from _support import SynthChart, SynthRedis, assert_config_error, in_memory_app
from constructs import Node

from agentsmith import (
    DEFAULT_LIVENESS,
    AgentsmithNamespace,
    EphemeralRedis,
    ExternalRedis,
    NetworkPeer,
    PodSecurity,
    ProbeTiming,
    RedisAccess,
    RedisAuth,
    RedisConnectionSecret,
    RedisFilesystem,
    RedisMetrics,
    RedisNetwork,
    RedisProbes,
    RedisRole,
    Resources,
    SecretKeyRef,
)
from testkit.constructs import BY_KEY
from testkit.manifests import the_container

#: The public constructs by short name, and the props each needs (testkit/constructs.py).
CONSTRUCTS: dict[str, Any] = {key: entry.cls for key, entry in BY_KEY.items()}
REQUIRED: dict[str, dict[str, Any]] = {key: entry.required for key, entry in BY_KEY.items() if entry.required}
HEX64 = "0123456789abcdef" * 4

# Rules and fixes shared by several rows, spelled out once.
RFC1035 = (
    "must be an RFC 1035 label: lowercase letters, digits and '-', starting with a lowercase letter "
    "and ending with a letter or digit"
)
RFC1123 = (
    "must be an RFC 1123 label: lowercase letters, digits and '-', starting with a lowercase letter or digit "
    "and ending with a letter or digit"
)
SUBDOMAIN = "must be a DNS subdomain: lowercase letters, digits, '-' and '.', at most 253 characters"
SECRET_KEY = "must be a Secret key: letters, digits, '-', '_' and '.', at most 253 characters"
TOO_LONG = "must be at most 63 characters, not 64"
NOT_REDIS_SIZE = "is not a Redis memory size"
REDIS_SIZE_FIX = "Use an integer with an optional unit b, k, kb, m, mb, g or gb (k=1000, kb=1024), e.g. '256mb'."
NO_REDIS_UNIT = "Redis has no unit {!r}; its 1024-based units are kb, mb and gb. Did you mean {!r}?"
HEADROOM = (
    "must be at most 16/29 of 'resources.memory_limit' ({}) minus twice 'access.max_value_size' (8mb, the clients' "
    "least budget): under eviction churn the allocator holds up to 13/16 of maxmemory beyond it (measured; "
    "docs/design.md, 'Sizing under eviction churn')"
)
HEADROOM_512MI = HEADROOM.format("512Mi")
HEADROOM_FIX = "Use at most {!r} or raise 'resources.memory_limit'."
NOT_INT = "must be an integer, not a {}"
POLICIES = (
    "must be one of volatile-lru, allkeys-lru, volatile-lfu, allkeys-lfu, volatile-random, "
    "allkeys-random, volatile-ttl, noeviction"
)
NOT_QUANTITY = "is not a Kubernetes quantity"
QUANTITY_FIX = "Use a number with an optional suffix (m, k, M, G, Ki, Mi, Gi, ...), e.g. '500m' or '384Mi'."
PORT_FIX = "Use a TCP port such as 6379."
UID_FIX = "Use a non-root UID such as 999 (the redis user of the official image); 0 is root."
IMAGE_FIX = "Use [registry/]repository[:tag][@sha256:digest], repository in lowercase, e.g. 'redis:7-alpine'."
BAD_DIGEST = "has an invalid digest"
DIGEST_FIX = "A digest is 'sha256:' followed by 64 lowercase hex digits (or sha384/sha512)."
LABEL_CHARS = (
    "must be at most 63 characters of letters, digits, '-', '_' and '.', starting and ending with a letter or digit"
)
OWNED = "must not set {!r}: the construct owns it (selector and identity labels)"
OWNED_FIX = "Remove it; use 'name' to change the instance's selector label."
PREFIX_RULE = "key prefix must be a lowercase DNS subdomain such as 'example.com'"
SYSTEM_NS = (
    "must not be a system namespace (default, kube-*): applying it would relabel that namespace "
    "and deleting the app would delete it"
)
SYSTEM_NS_FIX = (
    "Use a namespace of its own such as 'agentsmith'; to deploy into an existing namespace, leave "
    "AgentsmithNamespace out and pass namespace=... to the other constructs."
)
YAML_NUMBER = (
    "would be written unquoted to dist/ (cdk8s writes YAML 1.1) and read back as a number by "
    "YAML 1.2 readers such as Kustomize"
)
PSA_VERSION = "must be 'latest' or 'v1.<minor>' with no leading zeros"
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
MAXMEMORY_FLOOR = (
    "must be at least 8mb: an empty Redis 7 uses about 1 MB and each connected client about 38 KB more, "
    "and every write fails with OOM once that exceeds 'maxmemory'"
)
MAXMEMORY_FLOOR_FIX = "Use 8mb or more, e.g. '256mb' (the seed's value)."
WHOLE_BYTES = "must be a whole number of bytes ('m' means 1/1000)"
DATA_FLOOR = "must be at least 1Mi: the kubelet counts whole 4 KiB blocks and evicts the pod above the limit"
SAME_KEYS = "must differ from 'access.auth.password_key': one key cannot hold both the password and the URL"
SAME_KEYS_FIX = "Use two keys, e.g. password_key='redis-password' and url_key='redis-url' (the defaults)."


def bad(id: str, construct: str, prop: str, value: object, rule: str, fix: str, **kwargs: Any) -> Any:
    """One row: build ``construct`` with ``kwargs`` (default ``{prop: value}``)."""
    return pytest.param(construct, kwargs or {prop: value}, prop, value, rule, fix, id=id)


MAXCLIENTS_FIX = "Use the number of clients you expect plus 2 for the probes, e.g. 10000."


def probe(initial_delay_seconds: int = 10, period_seconds: Any = 15, timeout_seconds: Any = 3) -> ProbeTiming:
    return ProbeTiming(
        initial_delay_seconds=initial_delay_seconds, period_seconds=period_seconds, timeout_seconds=timeout_seconds
    )


BAD = [
    # -- EphemeralRedis 'name': DNS-1035, because it also names the Service --------
    bad("redis-name-uppercase", "redis", "name", "Redis", RFC1035, "Did you mean 'redis'?"),
    bad("redis-name-underscore", "redis", "name", "my_redis", RFC1035, "Did you mean 'my-redis'?"),
    bad("redis-name-leading-digit", "redis", "name", "1redis", RFC1035, "Did you mean 'redis'?"),
    bad("redis-name-leading-dash", "redis", "name", "-redis", RFC1035, "Did you mean 'redis'?"),
    bad("redis-name-trailing-dash", "redis", "name", "redis-", RFC1035, "Did you mean 'redis'?"),
    bad("redis-name-dot", "redis", "name", "redis.bus", RFC1035, "Did you mean 'redis-bus'?"),
    bad("redis-name-64-chars", "redis", "name", "r" * 64, TOO_LONG, "Use a shorter name."),
    bad("redis-name-empty", "redis", "name", "", "must be a non-empty string", "Use a name such as 'redis'."),
    bad("redis-name-none", "redis", "name", None, "must be a non-empty string", "Use a name such as 'redis'."),
    # -- 'namespace' props: DNS-1123 label -----------------------------------------
    bad("redis-namespace-uppercase", "redis", "namespace", "Agentsmith", RFC1123, "Did you mean 'agentsmith'?"),
    bad("redis-namespace-underscore", "redis", "namespace", "agent_smith", RFC1123, "Did you mean 'agent-smith'?"),
    bad("redis-namespace-64-chars", "redis", "namespace", "n" * 64, TOO_LONG, "Use a shorter name."),
    bad(
        "redis-namespace-empty",
        "redis",
        "namespace",
        "",
        "must be a non-empty string",
        "Use a name such as 'agentsmith'.",
    ),
    bad("secret-namespace-uppercase", "secret", "namespace", "Agentsmith", RFC1123, "Did you mean 'agentsmith'?"),
    # -- AgentsmithNamespace 'name': DNS-1123 label --------------------------------
    bad("namespace-name-uppercase", "namespace", "name", "AgentSmith", RFC1123, "Did you mean 'agentsmith'?"),
    bad("namespace-name-trailing-dash", "namespace", "name", "agentsmith-", RFC1123, "Did you mean 'agentsmith'?"),
    bad("namespace-name-leading-dash", "namespace", "name", "-agentsmith", RFC1123, "Did you mean 'agentsmith'?"),
    bad("namespace-name-64-chars", "namespace", "name", "n" * 64, TOO_LONG, "Use a shorter name."),
    # A namespace's example is a namespace name, not the Redis default (issue 12, unclear errors).
    bad(
        "namespace-name-empty",
        "namespace",
        "name",
        "",
        "must be a non-empty string",
        "Use a name such as 'agentsmith'.",
    ),
    bad("namespace-name-symbols", "namespace", "name", "!!!", RFC1123, "Use a name such as 'agentsmith'."),
    bad("namespace-kube-system", "namespace", "name", "kube-system", SYSTEM_NS, SYSTEM_NS_FIX),
    bad("namespace-default", "namespace", "name", "default", SYSTEM_NS, SYSTEM_NS_FIX),
    bad("namespace-kube-prefix", "namespace", "name", "kube-agents", SYSTEM_NS, SYSTEM_NS_FIX),
    bad(
        "namespace-name-yaml-octal",
        "namespace",
        "name",
        "0o17",
        YAML_NUMBER,
        "Use a value with a letter before the digits, e.g. 'v0o17'.",
    ),
    bad(
        "psa-level-typo",
        "namespace",
        "pod_security.enforce",
        "Restricted",
        "must be one of privileged, baseline, restricted",
        "Did you mean 'restricted'?",
        pod_security=PodSecurity(enforce="Restricted"),
    ),
    bad(
        "psa-level-unrelated",
        "namespace",
        "pod_security.enforce",
        "high",
        "must be one of privileged, baseline, restricted",
        "Use 'baseline' or 'restricted'.",
        pod_security=PodSecurity(enforce="high"),
    ),
    bad(
        "label-key-empty-prefix-bad-name",
        "redis",
        "labels",
        "/x y",
        PREFIX_RULE,
        "Use e.g. 'team' or 'example.com/team'.",
        labels={"/x y": "v"},
    ),
    bad(
        "psa-version-leading-zero",
        "namespace",
        "pod_security.version",
        "v1.027",
        PSA_VERSION,
        "Did you mean 'v1.27'?",
        pod_security=PodSecurity(version="v1.027"),
    ),
    bad(
        "psa-version-no-v",
        "namespace",
        "pod_security.version",
        "1.27",
        PSA_VERSION,
        "Did you mean 'v1.27'?",
        pod_security=PodSecurity(version="1.27"),
    ),
    bad(
        "psa-version-v2",
        "namespace",
        "pod_security.version",
        "v2.0",
        PSA_VERSION,
        "Use 'v1.27' (the default) or 'latest'.",
        pod_security=PodSecurity(version="v2.0"),
    ),
    bad(
        "psa-version-not-a-string",
        "namespace",
        "pod_security.version",
        1.27,
        PSA_VERSION,
        "Use 'v1.27' (the default) or 'latest'.",
        pod_security=PodSecurity(version=1.27),  # type: ignore[arg-type]
    ),
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
    # -- 'maxmemory': Redis memory-size syntax, > 0 ------------------------------------
    bad("maxmemory-word", "redis", "maxmemory", "lots", NOT_REDIS_SIZE, REDIS_SIZE_FIX),
    bad("maxmemory-empty", "redis", "maxmemory", "", NOT_REDIS_SIZE, REDIS_SIZE_FIX),
    bad(
        "maxmemory-zero",
        "redis",
        "maxmemory",
        "0",
        "must be greater than 0",
        "Use a size such as '256mb'; 0 means no limit.",
    ),
    bad("maxmemory-space", "redis", "maxmemory", "256 mb", NOT_REDIS_SIZE, "Did you mean '256mb'?"),
    bad("maxmemory-MiB", "redis", "maxmemory", "256MiB", NOT_REDIS_SIZE, NO_REDIS_UNIT.format("MiB", "256mb")),
    bad("maxmemory-Mi", "redis", "maxmemory", "256Mi", NOT_REDIS_SIZE, NO_REDIS_UNIT.format("Mi", "256mb")),
    bad("maxmemory-Ki", "redis", "maxmemory", "256Ki", NOT_REDIS_SIZE, NO_REDIS_UNIT.format("Ki", "256kb")),
    bad("maxmemory-tb", "redis", "maxmemory", "1tb", NOT_REDIS_SIZE, REDIS_SIZE_FIX),
    bad("maxmemory-negative", "redis", "maxmemory", "-1mb", "must not be negative", REDIS_SIZE_FIX),
    bad(
        "maxmemory-fraction",
        "redis",
        "maxmemory",
        "1.5gb",
        NOT_REDIS_SIZE,
        "Redis takes whole numbers. Did you mean '1536mb'?",
    ),
    bad(
        "maxmemory-half-byte",
        "redis",
        "maxmemory",
        "0.5",
        NOT_REDIS_SIZE,
        f"Redis takes whole numbers of bytes. {REDIS_SIZE_FIX}",
    ),
    bad("maxmemory-float", "redis", "maxmemory", 256.0, "must be a string", "Use a string such as '256mb'."),
    bad(
        "maxmemory-over-2-pow-64",
        "redis",
        "maxmemory",
        "17179869184gb",
        "must be at most 2**64 - 1 bytes, the largest size Redis accepts",
        "Use a size such as '256mb'.",
    ),
    # -- 'maxmemory' headroom: at most 3/4 of the memory limit --------------------------
    bad("maxmemory-equals-limit", "redis", "maxmemory", "512mb", HEADROOM_512MI, HEADROOM_FIX.format("273mb")),
    bad("maxmemory-300mb-of-512Mi", "redis", "maxmemory", "300mb", HEADROOM_512MI, HEADROOM_FIX.format("273mb")),
    bad("maxmemory-274mb-of-512Mi", "redis", "maxmemory", "274mb", HEADROOM_512MI, HEADROOM_FIX.format("273mb")),
    bad(
        "seed-sizing-256mb-of-384Mi",
        "redis",
        "maxmemory",
        "256mb",
        HEADROOM.format("384Mi"),
        HEADROOM_FIX.format("203mb"),
        resources=Resources(memory_limit="384Mi"),
    ),
    bad(
        "maxmemory-above-limit",
        "redis",
        "maxmemory",
        "2gb",
        HEADROOM.format("1Gi"),
        HEADROOM_FIX.format("556mb"),
        maxmemory="2gb",
        resources=Resources(memory_limit="1Gi"),
    ),
    bad(
        "maxmemory-tiny-limit",
        "redis",
        "maxmemory",
        "8mb",
        HEADROOM.format("8Mi"),
        "Raise 'resources.memory_limit' to at least '31Mi' (maxmemory cannot go below 8mb).",
        maxmemory="8mb",
        resources=Resources(memory_request="8Mi", memory_limit="8Mi"),
    ),
    bad("maxmemory-below-floor", "redis", "maxmemory", "4mb", MAXMEMORY_FLOOR, MAXMEMORY_FLOOR_FIX),
    bad("maxmemory-1-byte", "redis", "maxmemory", "1", MAXMEMORY_FLOOR, MAXMEMORY_FLOOR_FIX),
    bad(
        "data-size-limit-milli",
        "redis",
        "filesystem.data_size_limit",
        "64m",
        WHOLE_BYTES,
        "Did you mean '64Mi'?",
        filesystem=RedisFilesystem.read_only(data_size_limit="64m"),
    ),
    bad(
        "data-size-limit-fraction",
        "redis",
        "filesystem.data_size_limit",
        "0.5",
        "must be a whole number of bytes",
        "Use a whole number of bytes, e.g. '64Mi'.",
        filesystem=RedisFilesystem.read_only(data_size_limit="0.5"),
    ),
    bad(
        "data-size-limit-below-floor",
        "redis",
        "filesystem.data_size_limit",
        "512Ki",
        DATA_FLOOR,
        "Use 1Mi or more, e.g. '64Mi'.",
        filesystem=RedisFilesystem.read_only(data_size_limit="512Ki"),
    ),
    bad(
        "memory-request-half-byte",
        "redis",
        "resources.memory_request",
        "0.5",
        "must be a whole number of bytes",
        "Use a whole number of bytes, e.g. '128Mi'.",
        resources=Resources(memory_request="0.5"),
    ),
    bad("cluster-domain-symbols", "redis", "cluster_domain", "_", SUBDOMAIN, "Use a name such as 'cluster.local'."),
    bad(
        "cluster-domain-uppercase",
        "redis",
        "cluster_domain",
        "Cluster.Local",
        SUBDOMAIN,
        "Did you mean 'cluster.local'?",
    ),
    bad("redis-name-symbols", "redis", "name", "!!!", RFC1035, "Use a name such as 'redis'."),
    bad("redis-namespace-symbols", "redis", "namespace", "???", RFC1123, "Use a name such as 'agentsmith'."),
    bad(
        "label-value-yaml-octal",
        "redis",
        "labels['team']",
        "0o17",
        YAML_NUMBER,
        "Use a value with a letter before the digits, e.g. 'v0o17'.",
        labels={"team": "0o17"},
    ),
    bad(
        "label-value-yaml-hex",
        "redis",
        "labels['team']",
        "0X1F",
        YAML_NUMBER,
        "Use a value with a letter before the digits, e.g. 'v0X1F'.",
        labels={"team": "0X1F"},
    ),
    bad(
        "label-key-yaml-octal",
        "redis",
        "labels",
        "0o17",
        YAML_NUMBER,
        "Use a value with a letter before the digits, e.g. 'v0o17'.",
        labels={"0o17": "x"},
    ),
    bad(
        "auth-same-keys",
        "redis",
        "access.auth.url_key",
        "k",
        SAME_KEYS,
        SAME_KEYS_FIX,
        access=RedisAccess.password(RedisAuth(secret_name="redis-auth", password_key="k", url_key="k")),
    ),
    bad(
        "auth-secret-name-symbols",
        "redis",
        "access.auth.secret_name",
        "#",
        SUBDOMAIN,
        "Use a name such as 'redis-auth'.",
        access=RedisAccess.password(RedisAuth(secret_name="#")),
    ),
    # -- 'maxmemory_policy': Redis's eight, with did-you-mean --------------------------
    bad("policy-typo", "redis", "maxmemory_policy", "allkeys-lru2", POLICIES, "Did you mean 'allkeys-lru'?"),
    bad("policy-uppercase", "redis", "maxmemory_policy", "ALLKEYS-LRU", POLICIES, "Did you mean 'allkeys-lru'?"),
    bad("policy-underscore", "redis", "maxmemory_policy", "allkeys_lfu", POLICIES, "Did you mean 'allkeys-lfu'?"),
    bad("policy-no-match", "redis", "maxmemory_policy", "lru", POLICIES, "Use 'allkeys-lru' (the seed's choice)."),
    bad("policy-empty", "redis", "maxmemory_policy", "", POLICIES, "Use 'allkeys-lru' (the seed's choice)."),
    # -- resources: Kubernetes quantities > 0, requests <= limits ------------------------
    bad(
        "cpu-limit-unit",
        "redis",
        "resources.cpu_limit",
        "100x",
        NOT_QUANTITY,
        QUANTITY_FIX,
        resources=Resources(cpu_limit="100x"),
    ),
    bad(
        "cpu-request-empty",
        "redis",
        "resources.cpu_request",
        "",
        NOT_QUANTITY,
        QUANTITY_FIX,
        resources=Resources(cpu_request=""),
    ),
    bad(
        "cpu-request-negative",
        "redis",
        "resources.cpu_request",
        "-1",
        "must be greater than 0",
        "Use a quantity such as '100m'.",
        resources=Resources(cpu_request="-1"),
    ),
    bad(
        "cpu-limit-zero",
        "redis",
        "resources.cpu_limit",
        "0",
        "must be greater than 0",
        "Use a quantity such as '500m'.",
        resources=Resources(cpu_limit="0"),
    ),
    bad(
        "cpu-limit-float",
        "redis",
        "resources.cpu_limit",
        0.5,
        "must be a string",
        "Use a string such as '500m'.",
        resources=Resources(cpu_limit=0.5),  # type: ignore[arg-type]
    ),
    bad(
        "cpu-limit-huge-exponent",
        "redis",
        "resources.cpu_limit",
        "1e999",
        "has an exponent out of range",
        "Use an exponent of at most 100.",
        resources=Resources(cpu_limit="1e999"),
    ),
    bad(
        "memory-limit-two-dots",
        "redis",
        "resources.memory_limit",
        "1.5.5",
        NOT_QUANTITY,
        QUANTITY_FIX,
        resources=Resources(memory_limit="1.5.5"),
    ),
    bad(
        "memory-request-MiB",
        "redis",
        "resources.memory_request",
        "128MiB",
        NOT_QUANTITY,
        "Did you mean '128Mi'?",
        resources=Resources(memory_request="128MiB"),
    ),
    bad(
        "memory-request-redis-unit",
        "redis",
        "resources.memory_request",
        "128mb",
        NOT_QUANTITY,
        "Did you mean '128Mi'?",
        resources=Resources(memory_request="128mb"),
    ),
    bad(
        "memory-limit-millibytes",
        "redis",
        "resources.memory_limit",
        "384m",
        "must be a whole number of bytes ('m' means 1/1000)",
        "Did you mean '384Mi'?",
        resources=Resources(memory_limit="384m"),
    ),
    bad(
        "cpu-request-above-limit",
        "redis",
        "resources.cpu_request",
        "1",
        "must not exceed 'resources.cpu_limit' (500m)",
        "Lower the request or raise the limit.",
        resources=Resources(cpu_request="1"),
    ),
    bad(
        "memory-request-above-limit",
        "redis",
        "resources.memory_request",
        "600Mi",
        "must not exceed 'resources.memory_limit' (512Mi)",
        "Lower the request or raise the limit.",
        resources=Resources(memory_request="600Mi"),
    ),
    bad(
        "resources-dict",
        "redis",
        "resources",
        {"cpu": "1"},
        "must be an agentsmith.Resources",
        "Pass Resources(cpu_limit=..., ...).",
    ),
    # -- 'port' 1..65535 -----------------------------------------------------------------
    bad("port-zero", "redis", "port", 0, "must be between 1 and 65535", PORT_FIX),
    bad("port-65536", "redis", "port", 65536, "must be between 1 and 65535", PORT_FIX),
    bad("port-negative", "redis", "port", -1, "must be between 1 and 65535", PORT_FIX),
    bad("port-string", "redis", "port", "6379", NOT_INT.format("str"), "Pass the number without quotes: 6379."),
    bad("port-bool", "redis", "port", True, "must be an integer, not a bool", PORT_FIX),
    # -- 'run_as_user' >= 1 ------------------------------------------------------------
    bad("uid-root", "redis", "run_as_user", 0, "must be at least 1", UID_FIX),
    bad("uid-negative", "redis", "run_as_user", -1, "must be at least 1", UID_FIX),
    bad("uid-bool", "redis", "run_as_user", True, "must be an integer, not a bool", UID_FIX),
    bad("uid-above-int32", "redis", "run_as_user", 2**40, "must be at most 2147483647 (int32)", UID_FIX),
    bad("uid-string", "redis", "run_as_user", "999", NOT_INT.format("str"), "Pass the number without quotes: 999."),
    # -- 'max_clients': the probes plus one client, up to fs.nr_open minus Redis's 32 -------
    bad(
        "max-clients-two",
        "redis",
        "access.max_clients",
        2,
        "must be at least 3",
        MAXCLIENTS_FIX,
        access=RedisAccess.open(max_clients=2),
    ),
    bad(
        "max-clients-bool",
        "redis",
        "access.max_clients",
        True,
        "must be an integer, not a bool",
        MAXCLIENTS_FIX,
        access=RedisAccess.open(max_clients=True),
    ),
    bad(
        "max-clients-above-nr-open",
        "redis",
        "access.max_clients",
        1048545,
        "must be at most 1048544 (Linux's open-file ceiling, fs.nr_open, minus Redis's 32)",
        MAXCLIENTS_FIX,
        access=RedisAccess.open(max_clients=1048545),
    ),
    bad(
        "max-clients-with-a-password",
        "redis",
        "access.max_clients",
        0,
        "must be at least 3",
        MAXCLIENTS_FIX,
        access=RedisAccess.password(RedisAuth(secret_name="s"), max_clients=0),
    ),
    bad(
        "liveness-failure-threshold-zero",
        "redis",
        "probes.liveness.failure_threshold",
        0,
        "must be at least 1",
        "Use 1 or more probes, or None for Kubernetes' default (3).",
        probes=RedisProbes(
            liveness=ProbeTiming(initial_delay_seconds=10, period_seconds=15, timeout_seconds=3, failure_threshold=0)
        ),
    ),
    # -- memory quantities fit a signed 64-bit count of bytes --------------------------------
    bad(
        "memory-limit-17Ei",
        "redis",
        "resources.memory_limit",
        "17Ei",
        "must be at most 9223372036854775807 bytes (a signed 64-bit count, as Kubernetes and Redis keep it)",
        "Use a realistic size such as '384Mi' or '16Gi'.",
        resources=Resources(memory_limit="17Ei"),
    ),
    # -- probe timings ----------------------------------------------------------------------
    bad(
        "liveness-period-zero",
        "redis",
        "probes.liveness.period_seconds",
        0,
        "must be at least 1",
        "Use 1 or more seconds.",
        probes=RedisProbes(liveness=probe(period_seconds=0)),
    ),
    bad(
        "liveness-timeout-zero",
        "redis",
        "probes.liveness.timeout_seconds",
        0,
        "must be at least 1",
        "Use 1 or more seconds.",
        probes=RedisProbes(liveness=probe(timeout_seconds=0)),
    ),
    bad(
        "liveness-delay-negative",
        "redis",
        "probes.liveness.initial_delay_seconds",
        -1,
        "must be at least 0",
        "Use 0 or more seconds.",
        probes=RedisProbes(liveness=probe(initial_delay_seconds=-1)),
    ),
    bad(
        "liveness-period-above-int32",
        "redis",
        "probes.liveness.period_seconds",
        2**31,
        "must be at most 2147483647 (int32)",
        "Use 1 or more seconds.",
        probes=RedisProbes(liveness=probe(period_seconds=2**31)),
    ),
    bad(
        "data-size-limit-not-a-quantity",
        "redis",
        "filesystem.data_size_limit",
        "64 megs",
        "is not a Kubernetes quantity",
        "Use a number with an optional suffix (m, k, M, G, Ki, Mi, Gi, ...), e.g. '500m' or '384Mi'.",
        filesystem=RedisFilesystem.read_only(data_size_limit="64 megs"),
    ),
    bad(
        "data-size-limit-int",
        "redis",
        "filesystem.data_size_limit",
        64,
        "must be a string",
        "Use a string such as '64Mi'.",
        filesystem=RedisFilesystem.read_only(data_size_limit=64),  # type: ignore[arg-type]
    ),
    bad(
        "data-size-limit-none-with-read-only-root",
        "redis",
        "filesystem.data_size_limit",
        None,
        "must be a string",
        "Use a string such as '64Mi'.",
        filesystem=RedisFilesystem.read_only(data_size_limit=None),  # type: ignore[arg-type]
    ),
    bad(
        "network-policy-with-no-peers-none",
        "redis",
        "network.allow_from",
        None,
        "must be a sequence of NetworkPeer",
        "Pass a tuple of NetworkPeer.",
        network=RedisNetwork.policy(allow_from=None),  # type: ignore[arg-type]
    ),
    bad(
        "network-selector-key",
        "redis",
        "network.allow_from[0].pod_selector",
        "a b",
        "key name must be at most 63 characters of letters, digits, '-', '_' and '.', starting and ending with a "
        "letter or digit",
        "Did you mean 'a-b'?",
        network=RedisNetwork.policy(allow_from=[NetworkPeer(pod_selector={"a b": "c"})]),
    ),
    bad(
        "max-clients-none-with-the-guard",
        "redis",
        "access.max_clients",
        None,
        "must be an integer, not a NoneType",
        MAXCLIENTS_FIX,
        access=RedisAccess.open(max_clients=None),  # type: ignore[arg-type]
    ),
    bad(
        "max-clients-without-the-guard",
        "redis",
        "access.max_clients",
        5,
        "applies only with the command guard (--maxclients is one of its bounds)",
        "Drop max_clients, or keep command_guard=True.",
        access=RedisAccess.password(RedisAuth(secret_name="s"), command_guard=False, max_clients=5),
    ),
    bad(
        "strict-readiness-a-string",
        "redis",
        "access.strict_readiness",
        "false",
        "must be True or False",
        "Use RedisAccess.open(strict_readiness=True), or leave it out (False).",
        access=RedisAccess.open(strict_readiness="false"),  # type: ignore[arg-type]
    ),
    bad(
        "filesystem-a-bool",
        "redis",
        "filesystem",
        True,
        "must be an agentsmith.RedisFilesystem",
        "Use RedisFilesystem.writable() or RedisFilesystem.read_only(data_size_limit='64Mi').",
    ),
    bad(
        "network-a-peer",
        "redis",
        "network",
        NetworkPeer(),
        "must be an agentsmith.RedisNetwork",
        "Use RedisNetwork.policy(allow_from=...) or RedisNetwork.unmanaged().",
    ),
    bad(
        "network-peer-not-a-peer",
        "redis",
        "network.allow_from[0]",
        "app=dispatcher",
        "must be an agentsmith.NetworkPeer",
        "Pass NetworkPeer(...).",
        network=RedisNetwork.policy(allow_from=["app=dispatcher"]),  # type: ignore[list-item]
    ),
    bad(
        "readiness-period-zero",
        "redis",
        "probes.readiness.period_seconds",
        0,
        "must be at least 1",
        "Use 1 or more seconds.",
        probes=RedisProbes(readiness=probe(period_seconds=0)),
    ),
    bad(
        "readiness-timeout-float",
        "redis",
        "probes.readiness.timeout_seconds",
        1.5,
        "must be an integer, not a float",
        "Use 1 or more seconds.",
        probes=RedisProbes(readiness=probe(timeout_seconds=1.5)),
    ),
    bad(
        "liveness-none",
        "redis",
        "probes.liveness",
        None,
        "must be an agentsmith.ProbeTiming",
        "Pass ProbeTiming(...).",
        probes=RedisProbes(liveness=None),  # type: ignore[arg-type]
    ),
    bad(
        "probes-a-timing",
        "redis",
        "probes",
        DEFAULT_LIVENESS,
        "must be an agentsmith.RedisProbes",
        "Pass RedisProbes(liveness=ProbeTiming(...), readiness=ProbeTiming(...)).",
    ),
    bad(
        "access-a-role",
        "redis",
        "access",
        RedisRole.agent(secret_name="s"),
        "must be an agentsmith.RedisAccess",
        "Use RedisAccess.open(), RedisAccess.seed_exact(), RedisAccess.password(auth) or RedisAccess.roles([...]).",
    ),
    # -- 'image': non-empty, no whitespace, a reference with a tag or digest -----------------
    bad("image-empty", "redis", "image", "", "must be a non-empty string", "Use an image such as 'redis:7-alpine'."),
    bad("image-none", "redis", "image", None, "must be a non-empty string", "Use an image such as 'redis:7-alpine'."),
    bad("image-leading-space", "redis", "image", " redis:7", "must not contain whitespace", "Did you mean 'redis:7'?"),
    bad(
        "image-inner-space",
        "redis",
        "image",
        "redis:7 alpine",
        "must not contain whitespace",
        "Did you mean 'redis:7-alpine'?",
    ),
    bad("image-uppercase", "redis", "image", "Redis:7", "is not a valid image reference", "Did you mean 'redis:7'?"),
    bad(
        "image-uppercase-behind-registry",
        "redis",
        "image",
        "registry.example.com:5000/Redis:7",
        "is not a valid image reference",
        "Did you mean 'registry.example.com:5000/redis:7'?",
    ),
    bad("image-empty-tag", "redis", "image", "redis:", "is not a valid image reference", IMAGE_FIX),
    bad("image-non-ascii-tag", "redis", "image", "redis:7\u00e9", "is not a valid image reference", IMAGE_FIX),
    bad(
        "image-untagged",
        "redis",
        "image",
        "redis",
        "must have a tag or a digest (an untagged image means ':latest')",
        "Use e.g. 'redis:7-alpine'.",
    ),
    bad("image-digest-short", "redis", "image", "redis@sha256:short", "is not a valid image reference", IMAGE_FIX),
    bad("image-digest-63-hex", "redis", "image", f"redis:7@sha256:{HEX64[:63]}", "has an invalid digest", DIGEST_FIX),
    bad("image-digest-uppercase", "redis", "image", f"redis@sha256:{HEX64.upper()}", BAD_DIGEST, DIGEST_FIX),
    bad("image-digest-md5", "redis", "image", f"redis@md5:{HEX64[:32]}", "has an invalid digest", DIGEST_FIX),
    # -- labels: valid keys and values; never the construct's own keys -------------------
    bad(
        "label-key-characters",
        "redis",
        "labels",
        "bad key!",
        f"key name {LABEL_CHARS}",
        "Did you mean 'bad-key'?",
        labels={"bad key!": "x"},
    ),
    bad(
        "label-key-64-chars",
        "namespace",
        "labels",
        "k" * 64,
        f"key name {LABEL_CHARS}",
        f"Did you mean {'k' * 63!r}?",
        labels={"k" * 64: "x"},
    ),
    bad(
        "label-key-empty-prefix",
        "redis",
        "labels",
        "/team",
        PREFIX_RULE,
        "Did you mean 'team'?",
        labels={"/team": "x"},
    ),
    bad(
        "label-key-uppercase-prefix",
        "redis",
        "labels",
        "Example.com/team",
        PREFIX_RULE,
        "Did you mean 'example.com/team'?",
        labels={"Example.com/team": "x"},
    ),
    bad(
        "label-key-empty",
        "redis",
        "labels",
        "",
        "keys must be non-empty strings",
        "Use a key such as 'team'.",
        labels={"": "x"},
    ),
    bad(
        "label-value-characters",
        "redis",
        "labels",
        "bad value!",
        f"value for 'team' {LABEL_CHARS}",
        "Did you mean 'bad-value'?",
        labels={"team": "bad value!"},
    ),
    bad(
        "label-value-64-chars",
        "redis",
        "labels",
        "v" * 64,
        f"value for 'team' {LABEL_CHARS}",
        f"Did you mean {'v' * 63!r}?",
        labels={"team": "v" * 64},
    ),
    bad(
        "label-value-leading-dash",
        "namespace",
        "labels",
        "-x",
        f"value for 'team' {LABEL_CHARS}",
        "Did you mean 'x'?",
        labels={"team": "-x"},
    ),
    bad(
        "label-value-int",
        "redis",
        "labels",
        1,
        "value for 'team' must be a string",
        "Quote it: '1'.",
        labels={"team": 1},
    ),
    bad(
        "label-overrides-app",
        "redis",
        "labels",
        {"app": "other"},
        OWNED.format("app"),
        OWNED_FIX,
        labels={"team": "platform", "app": "other"},
    ),
    bad(
        "label-overrides-name",
        "redis",
        "labels",
        {"app.kubernetes.io/name": "cache"},
        OWNED.format("app.kubernetes.io/name"),
        OWNED_FIX,
        labels={"app.kubernetes.io/name": "cache"},
    ),
    bad(
        "label-overrides-component",
        "redis",
        "labels",
        {"app.kubernetes.io/component": "cache"},
        OWNED.format("app.kubernetes.io/component"),
        OWNED_FIX,
        labels={"app.kubernetes.io/component": "cache"},
    ),
    bad("labels-list", "redis", "labels", ["team"], "must be a mapping of label keys to values", "Pass a dict."),
    # -- metrics (RedisMetrics) ------------------------------------------------------
    bad(
        "metrics-not-a-value",
        "redis",
        "metrics",
        True,
        "must be an agentsmith.RedisMetrics",
        "Pass metrics=RedisMetrics().",
    ),
    bad(
        "metrics-image-untagged",
        "redis",
        "metrics.image",
        "oliver006/redis_exporter",
        "must have a tag or a digest (an untagged image means ':latest')",
        "Use e.g. 'oliver006/redis_exporter:v1.67.0'.",
        metrics=RedisMetrics(image="oliver006/redis_exporter"),
    ),
    bad(
        "metrics-port-is-redis-port",
        "redis",
        "metrics.port",
        6379,
        "must differ from 'port' (6379): both containers share the pod's network",
        "Use 9121, redis_exporter's default.",
        metrics=RedisMetrics(port=6379),
    ),
    bad(
        "metrics-port-zero",
        "redis",
        "metrics.port",
        0,
        "must be between 1 and 65535",
        "Use a TCP port such as 9121.",
        metrics=RedisMetrics(port=0),
    ),
    bad(
        "metrics-resources-request-over-limit",
        "redis",
        "metrics.resources.memory_request",
        "128Mi",
        "must not exceed 'metrics.resources.memory_limit' (64Mi)",
        "Lower the request or raise the limit.",
        metrics=RedisMetrics(
            resources=Resources(cpu_request="10m", memory_request="128Mi", cpu_limit="100m", memory_limit="64Mi")
        ),
    ),
    bad(
        "metrics-scrape-from-empty",
        "redis",
        "metrics.scrape_from",
        (),
        "must not be empty: a NetworkPolicy rule with no peers admits every source",
        "Name the peers, e.g. (NetworkPeer(pod_selector={'app': 'dispatcher'}),), or keep SAME_NAMESPACE.",
        metrics=RedisMetrics(scrape_from=()),
    ),
    bad(
        "metrics-password-not-a-ref",
        "redis",
        "metrics.password",
        "s3cret",
        "must be an agentsmith.SecretKeyRef",
        "Pass SecretKeyRef(name=..., key=...).",
        metrics=RedisMetrics(password="s3cret"),  # type: ignore[arg-type]
    ),
    bad(
        "metrics-service-monitor-string",
        "redis",
        "metrics.service_monitor",
        "false",
        "must be True or False",
        "Use metrics.service_monitor=True or metrics.service_monitor=False.",
        metrics=RedisMetrics(service_monitor="false"),  # type: ignore[arg-type]
    ),
    bad(
        "metrics-monitor-labels-owned-key",
        "redis",
        "metrics.monitor_labels",
        {"app": "other"},
        "must not set 'app': the construct owns it (the ServiceMonitor's selector and identity labels)",
        "Remove it; use other keys such as 'release'.",
        metrics=RedisMetrics(monitor_labels={"app": "other"}),
    ),
    bad(
        "metrics-scrape-interval-spaces",
        "redis",
        "metrics.scrape_interval",
        "30 s",
        "must be a Prometheus duration such as '30s', '1m' or '1h30m'",
        "Use e.g. '30s'.",
        metrics=RedisMetrics(scrape_interval="30 s"),
    ),
    bad(
        "metrics-scrape-interval-zero",
        "redis",
        "metrics.scrape_interval",
        "0s",
        "must be greater than 0",
        "Use e.g. '30s'.",
        metrics=RedisMetrics(scrape_interval="0s"),
    ),
    bad(
        "metrics-alert-after-words",
        "redis",
        "metrics.alert_after",
        "1 minute",
        "must be a Prometheus duration such as '30s', '1m' or '1h30m'",
        "Use e.g. '1m'.",
        metrics=RedisMetrics(alert_after="1 minute"),
    ),
    bad(
        "metrics-memory-threshold-percent",
        "redis",
        "metrics.memory_threshold",
        90,
        "must be a number above 0 and at most 1 (a share of the limit)",
        "Use e.g. 0.9 (alert at 90%).",
        metrics=RedisMetrics(memory_threshold=90),
    ),
    bad(
        "metrics-client-memory-threshold-zero",
        "redis",
        "metrics.client_memory_threshold",
        0,
        "must be a number above 0 and at most 1 (a share of the limit)",
        "Use e.g. 0.9 (alert at 90%).",
        metrics=RedisMetrics(client_memory_threshold=0),
    ),
    bad(
        "metrics-roles-without-password",
        "redis",
        "metrics.password",
        None,
        "is required with RedisAccess.roles(...): the exporter logs in as its own ACL user 'metrics'",
        "Pass RedisMetrics(password=SecretKeyRef(name='redis-metrics', key='redis-password')).",
        metrics=RedisMetrics(),
        access=RedisAccess.roles([RedisRole.agent(secret_name="agent")]),
    ),
    bad(
        "metrics-role-named-metrics",
        "redis",
        "access.roles[0].name",
        "metrics",
        "cannot be 'metrics' with metrics=RedisMetrics(...): the exporter's ACL user has that name",
        "Rename the role.",
        metrics=RedisMetrics(password=SecretKeyRef(name="m", key="p")),
        access=RedisAccess.roles([RedisRole.agent(secret_name="agent", name="metrics")]),
    ),
    bad(
        "metrics-password-without-guard",
        "redis",
        "metrics.password",
        SecretKeyRef(name="m", key="p"),
        "needs the command guard: without it (RedisAccess.seed_exact(), RedisAccess.password(..., "
        "command_guard=False)) Redis has only the default user",
        "Drop 'metrics.password' (the exporter then logs in as the default user).",
        metrics=RedisMetrics(password=SecretKeyRef(name="m", key="p")),
        access=RedisAccess.seed_exact(),
    ),
]


def fresh_chart() -> cdk8s.Chart:
    """A new app and chart ``test`` holding one unrelated ConfigMap named ``earlier``."""
    chart = cdk8s.Chart(in_memory_app(), "test", namespace="agentsmith", disable_resource_name_hashes=True)
    cdk8s.ApiObject(chart, "earlier", api_version="v1", kind="ConfigMap", metadata={"name": "earlier"})
    return chart


def build(chart: cdk8s.Chart, construct: str, kwargs: dict[str, Any]) -> Any:
    return CONSTRUCTS[construct](chart, construct, **{**REQUIRED.get(construct, {}), **kwargs})


def test_table_has_at_least_40_bad_inputs() -> None:
    assert len(BAD) >= 40
    assert len({row.id for row in BAD}) == len(BAD)


@pytest.fixture(scope="module")
def shared_chart() -> cdk8s.Chart:
    """One chart for every bad-input row: each row checks that its failed construction left the chart as it was.

    (A fresh app and chart per row would cost about 3 more jsii round trips a row, with the same checks.)
    """
    return fresh_chart()


@pytest.fixture(scope="module")
def shared_node(shared_chart: cdk8s.Chart) -> Node:
    """``shared_chart.node``, read once (each read is a round trip to Node.js)."""
    return shared_chart.node


@pytest.mark.parametrize(("construct", "kwargs", "prop", "value", "rule", "fix"), BAD)
def test_bad_input_raises_one_exact_error_before_any_api_object(
    construct: str,
    kwargs: dict[str, Any],
    prop: str,
    value: object,
    rule: str,
    fix: str,
    shared_chart: cdk8s.Chart,
    shared_node: Node,
) -> None:
    # GIVEN a chart with one earlier object (and the failed constructions of the rows before)
    chart = shared_chart

    # WHEN the construct is built with one bad prop
    # THEN the error names the prop, the value, the path and the fix, exactly
    error = assert_config_error(
        lambda: build(chart, construct, kwargs),
        prop=prop,
        value=value,
        path=f"test/{construct}",
        message=f"[test/{construct}] '{prop}' {rule} (got {value!r}). {fix}",
    )
    assert isinstance(error, ValueError)
    assert type(error.value) is type(value)
    # AND no exception from a parser leaks through as context of the traceback
    assert error.__cause__ is None
    assert error.__suppress_context__ or error.__context__ is None
    # AND the construct created no API object: the chart holds only the earlier one
    assert [obj["metadata"]["name"] for obj in cdk8s.Testing.synth(chart)] == ["earlier"]
    # AND the construct is not in the chart, so the id can be used again
    assert shared_node.try_find_child(construct) is None


def test_a_failed_construct_frees_its_id_for_a_retry() -> None:
    # GIVEN a construct that failed validation
    chart = fresh_chart()
    assert_config_error(lambda: EphemeralRedis(chart, "redis", port=0))
    # WHEN the same id is used again in the same chart, with the prop fixed THEN it builds
    redis = EphemeralRedis(chart, "redis")
    assert chart.node.try_find_child("redis") is redis


# -- valid edge cases: these must keep passing ------------------------------------------

GOOD_REDIS = [
    pytest.param({}, id="seed-defaults-256mb-under-384Mi"),
    pytest.param({"maxmemory": "273mb"}, id="maxmemory-largest-under-512Mi"),
    pytest.param({"maxmemory": "203mb", "resources": Resources(memory_limit="384Mi")}, id="maxmemory-203mb-of-384Mi"),
    pytest.param({"maxmemory": "256MB"}, id="maxmemory-uppercase-unit"),
    pytest.param({"maxmemory": "268435456"}, id="maxmemory-plain-bytes"),
    pytest.param({"maxmemory": "200m"}, id="maxmemory-decimal-megabytes"),
    pytest.param({"maxmemory": "1gb", "resources": Resources(memory_limit="2Gi")}, id="maxmemory-1gb-under-2Gi"),
    pytest.param({"name": "r" * 63}, id="name-63-chars"),
    pytest.param(
        {"name": "r" * 63, "access": RedisAccess.open(publish_connection_secret=False)}, id="name-63-chars-no-secret"
    ),
    pytest.param({"name": "redis-2"}, id="name-with-digit"),
    pytest.param({"namespace": "1agentsmith"}, id="namespace-leading-digit-is-rfc-1123"),
    pytest.param({"image": f"redis:7-alpine@sha256:{HEX64}"}, id="image-tag-and-digest"),
    pytest.param({"image": f"redis@sha256:{HEX64}"}, id="image-digest-only"),
    pytest.param({"image": "registry.example.com:5000/redis:7"}, id="image-registry-with-port"),
    pytest.param({"image": "docker.io/library/redis:7.2.4-alpine3.19"}, id="image-full-path"),
    pytest.param({"image": "localhost:5000/team/redis:Latest_1"}, id="image-tag-mixed-case"),
    pytest.param({"maxmemory_policy": "noeviction"}, id="policy-noeviction"),
    pytest.param({"maxmemory_policy": "volatile-ttl"}, id="policy-volatile-ttl"),
    pytest.param({"port": 1}, id="port-1"),
    pytest.param({"port": 65535}, id="port-65535"),
    pytest.param({"run_as_user": 1}, id="uid-1"),
    pytest.param({"probes": RedisProbes(liveness=probe(0, 1, 1))}, id="probe-minimums"),
    pytest.param(
        {"resources": Resources(cpu_request="500m", cpu_limit="0.5", memory_request="384Mi")},
        id="requests-equal-limits",
    ),
    pytest.param({"resources": Resources(cpu_request="1e-1", cpu_limit="2")}, id="cpu-exponent"),
    pytest.param(
        {"labels": {"team": "", "example.com/owner": "platform_team.a-1", "v": "x" * 63}},
        id="labels-empty-value-prefix-63-chars",
    ),
]


@pytest.mark.parametrize("kwargs", GOOD_REDIS)
def test_valid_edge_cases_pass(kwargs: dict[str, Any], synth_redis: SynthRedis) -> None:
    objects = synth_redis(**kwargs)
    kinds = [obj["kind"] for obj in objects]
    assert kinds.count("Deployment") == 1
    assert kinds.count("Service") == 1


def test_secret_name_is_a_subdomain_not_a_label(synth_chart: SynthChart) -> None:
    name = "agentsmith." + "s" * 100
    objects = synth_chart(lambda chart: RedisConnectionSecret(chart, "secret", url="redis://redis:6379", name=name))
    assert [obj["metadata"]["name"] for obj in objects] == [name]


def test_namespace_name_may_start_with_a_digit(synth_chart: SynthChart) -> None:
    objects = synth_chart(lambda chart: AgentsmithNamespace(chart, "namespace", name="1agents"), namespace=None)
    assert [obj["metadata"]["name"] for obj in objects] == ["1agents"]


def test_port_6380_moves_redis_its_probes_and_the_service(synth_redis: SynthRedis) -> None:
    # GIVEN a non-default port WHEN synthesised
    objects = {obj["kind"]: obj for obj in synth_redis(port=6380)}
    container = the_container(objects["Deployment"])
    # THEN Redis listens there, the probes ask there, and the Service forwards there
    assert container["args"][:10] == [
        "--maxmemory", "256mb", "--maxmemory-policy", "allkeys-lru", "--save", "", "--port", "6380",
        "--protected-mode", "no",
    ]  # fmt: skip
    assert container["ports"] == [{"containerPort": 6380, "name": "redis", "protocol": "TCP"}]
    assert container["livenessProbe"]["exec"]["command"] == ["redis-cli", "-p", "6380", "ping"]
    assert container["readinessProbe"]["exec"]["command"] == ["redis-cli", "-p", "6380", "ping"]
    (service_port,) = objects["Service"]["spec"]["ports"]
    assert service_port == {"name": "redis", "port": 6380, "protocol": "TCP", "targetPort": 6380}


def test_quantities_in_nano_and_micro_pass(synth_redis: SynthRedis) -> None:
    # Kubernetes' decimalSI suffixes include n (1e-9) and u (1e-6).
    resources = Resources(cpu_request="100000000n", cpu_limit="500000u")
    objects = synth_redis(resources=resources)
    (deployment,) = (obj for obj in objects if obj["kind"] == "Deployment")
    container = the_container(deployment)
    assert container["resources"]["requests"]["cpu"] == "100000000n"
    assert container["resources"]["limits"]["cpu"] == "500000u"


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


@pytest.mark.parametrize("version", ["latest", "v1.0", "v1.30"])
def test_psa_version_latest_and_v1_0_pass(version: str, synth_chart: SynthChart) -> None:
    security = PodSecurity(version=version)
    objects = synth_chart(lambda chart: AgentsmithNamespace(chart, "namespace", pod_security=security), namespace=None)
    assert objects[0]["metadata"]["labels"]["pod-security.kubernetes.io/enforce-version"] == version


@pytest.mark.parametrize("key", ["redis.url", ".redis-url", "a..b", "_"])
def test_secret_keys_with_dots_inside_pass(key: str, synth_chart: SynthChart) -> None:
    objects = synth_chart(lambda chart: RedisConnectionSecret(chart, "secret", url="redis://r", key=key))
    assert list(objects[0]["stringData"]) == [key]


# -- wiring helpers: same rules, no construct path ---------------------------------------


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


@pytest.mark.parametrize(
    ("build_bad", "message"),
    [
        (
            lambda chart: EphemeralRedis(chart, "redis", labels={"team": None}),  # type: ignore[dict-item]
            "'labels' value for 'team' must be a string (got None). Use a string such as 'team-a'.",
        ),
        (
            lambda chart: EphemeralRedis(chart, "redis", labels={"team": True}),  # type: ignore[dict-item]
            "'labels' value for 'team' must be a string (got True). Use a string such as 'team-a'.",
        ),
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
    ids=["label-none", "label-bool", "url-int", "host-int"],
)
def test_wrong_types_get_a_hint_of_the_right_type(build_bad: Callable[[cdk8s.Chart], object], message: str) -> None:
    # A hint never suggests the wrong value itself ('None', 'True'), and a value that holds no
    # credentials is shown as given rather than '<redacted>'.
    assert_config_error(lambda: build_bad(fresh_chart()), match=re.escape(message))
