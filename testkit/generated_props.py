"""Hypothesis strategies for construct props: mostly hostile, sometimes valid.

Shared by ``tests/test_properties.py`` and ``benchmarks/input_audit.py``. Each
strategy draws ``(construct, props)``; :func:`build` makes the construct in a
fresh chart and returns its objects, or raises what the construct raised.
"""

from __future__ import annotations

from typing import Any

import cdk8s
from hypothesis import strategies as st

from agentsmith import (
    PodSecurity,
    RedisAccess,
    RedisAuth,
    RedisDisruption,
    RedisFilesystem,
    RedisPersistence,
    RedisPlacement,
    RedisPodOptions,
    Resources,
    SecretKeyRef,
    Toleration,
)
from testkit.constructs import BY_KEY, PublicConstruct
from testkit.project import in_memory_app

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


QUANTITY = st.one_of(
    st.from_regex(r"\A[+-]?[0-9]{1,4}(\.[0-9]{0,2})?(n|u|m|k|M|G|Ki|Mi|Gi|e[+-]?[0-9]|E)?\Z", fullmatch=True),
    TEXT,
)
REDIS_SIZE = st.one_of(st.from_regex(r"\A[0-9]{1,4}(b|k|kb|m|mb|g|gb|MB|Mi)?\Z", fullmatch=True), TEXT)


def pick(*values: Any) -> st.SearchStrategy[Any]:
    return st.sampled_from(values)


def hostile(*near_misses: str) -> st.SearchStrategy[str]:
    """A near miss for this prop, or any hostile string."""
    return st.one_of(st.sampled_from(near_misses), TEXT)


# (valid, hostile) strategies for each kind of value
NAME = (
    pick("redis", "cache", "redis-2", "r" * 63, "a1", "v0o17", "x0x1f"),
    hostile("kube-system", "default", "kube-x", "0o17", "0X1f", "Redis", "redis-", "r" * 64, ""),
)
SUBDOMAIN = (
    pick("agentsmith-secrets", "redis-auth", "a.b.c", "s" * 253, "v1.27", "x0o17"),
    hostile("0o17", "a..b", ".a", "a.", "s" * 254, "A.b", ""),
)
KEY = (
    pick("redis-url", "redis.url", ".redis", "a..b", "_", "REDIS_URL", "k" * 253),
    hostile(".", "..", "..x", "...", "0o17", "a b", "a/b", "k" * 254, ""),
)
LABEL_KEY = (
    pick("team", "example.com/team", "a_b.c", "x" * 63),
    hostile("0o17", "a b", "Example.com/x", "/x", "x" * 64),
)
LABEL_VALUE = (
    pick("", "dev", "v1.2", "A-b_c.d", "x0o17", "yes", "1e3"),
    hostile("0o17", "0X1F", "-x", "x" * 64, "a b"),
)


#: URL parts: (valid, hostile) each; a hostile URL has exactly one hostile part.
_URL_PARTS = (
    (pick("redis://", "rediss://"), pick("REDIS://", "Rediss://", "http://", "", " redis://", "redis:/")),
    (pick(""), pick(f":{PASSWORD}@", f"user:{PASSWORD}@", "@")),
    (
        pick("redis", "cache.example.com", "[::1]", "[2001:db8::7]", "10.0.0.7", "Cache.Example.com"),
        st.one_of(pick("999.1.1.1", "[::g]", "010.0.0.1", "a" * 64, "-cache", "cache-", "ca_che", "1.2.3", ""), TEXT),
    ),
    (pick("", ":6379", ":6380"), pick(":0", ":99999", ":x", ":", ":-1")),
    (pick("", "/0", "/15", "/"), pick("/jobs", "/0/", "/-1", "//0")),
    (
        pick("", "?socket_timeout=5"),
        pick(
            f"?password={PASSWORD}", f"?username=u&password={PASSWORD}", f"?PASSWORD={PASSWORD}", "#x", f"#{PASSWORD}"
        ),
    ),
)


@st.composite
def urls(draw: st.DrawFn) -> str:
    """A URL with exactly one hostile part: scheme, credentials, host, port, path or query."""
    bad = draw(st.sampled_from(range(len(_URL_PARTS))))
    return "".join(draw(part[1] if index == bad else part[0]) for index, part in enumerate(_URL_PARTS))


URL = (
    pick(
        "redis://redis:6379", "rediss://cache.example.com:6380", "redis://[::1]:6379", "rediss://[2001:db8::7]/0",
        "redis://10.0.0.7", "redis://Cache.Example.com/15", "redis://redis:6379/0?socket_timeout=5",
    ),
    urls(),
)  # fmt: skip
CPU = (pick("100m", "500m", "1", "100000000n", "500000u", "1e-1"), QUANTITY)
MEMORY = (pick("128Mi", "384Mi", "1Gi", "200M", "134217728"), QUANTITY)


def labels(hostile_part: bool) -> st.SearchStrategy[dict[str, str]]:
    if not hostile_part:
        return st.dictionaries(LABEL_KEY[0], LABEL_VALUE[0], max_size=2)
    return st.one_of(
        st.dictionaries(LABEL_KEY[1], LABEL_VALUE[0], min_size=1, max_size=1),
        st.dictionaries(LABEL_KEY[0], LABEL_VALUE[1], min_size=1, max_size=1),
    )


def resources(hostile_part: bool) -> st.SearchStrategy[Resources]:
    if not hostile_part:
        # 2Gi: room for persistence (half the limit is Redis's) and the largest memory request drawn
        return st.builds(Resources, cpu_request=CPU[0], memory_request=MEMORY[0], memory_limit=pick("512Mi", "2Gi"))
    return st.builds(Resources, cpu_request=CPU[1], cpu_limit=CPU[1], memory_request=MEMORY[1], memory_limit=MEMORY[1])


def built(factory: Any, **parts: tuple[st.SearchStrategy[Any], st.SearchStrategy[Any]]) -> Any:
    """(valid, hostile) for a value object: hostile has one hostile part."""
    valid = st.builds(factory, **{name: strategies[0] for name, strategies in parts.items()})
    bad = st.one_of(
        *(st.builds(factory, **{n: (s[1] if n == name else s[0]) for n, s in parts.items()}) for name in parts)
    )
    return (valid, bad)


def access() -> tuple[st.SearchStrategy[RedisAccess], st.SearchStrategy[RedisAccess]]:
    """(valid, hostile) ``access``: a password from a Secret, or the open bus publishing to a chosen Secret."""
    auth = built(RedisAuth, secret_name=SUBDOMAIN, password_key=KEY, url_key=(pick("redis-url", "url"), KEY[1]))
    ref = built(SecretKeyRef, name=SUBDOMAIN, key=KEY)
    valid, bad = (
        st.one_of(
            st.builds(RedisAccess.password, auth[i]),
            st.builds(RedisAccess.open, connection_secret=ref[i]),
        )
        for i in (0, 1)
    )
    return (valid, bad)


def placement() -> Any:
    """(valid, hostile) ``placement``: a node selector, tolerations and a priority class."""
    toleration = built(
        Toleration,
        key=LABEL_KEY,
        value=LABEL_VALUE,
        operator=(pick("Equal"), hostile("exists", "In", "Equals")),
        effect=(pick(None, "NoSchedule", "PreferNoSchedule", "NoExecute"), hostile("noschedule", "NoEvict")),
    )
    tolerations = (
        st.lists(toleration[0], max_size=2).map(tuple),
        st.lists(toleration[1], min_size=1, max_size=1).map(tuple),
    )
    priority = (
        st.one_of(st.none(), SUBDOMAIN[0], pick("system-node-critical", "system-cluster-critical")),
        st.one_of(SUBDOMAIN[1], pick("system-bus", "system-")),
    )
    return built(
        RedisPlacement,
        node_selector=(labels(False), labels(True)),
        tolerations=tolerations,
        priority_class_name=priority,
    )


def pod_options() -> Any:
    """(valid, hostile) ``pod_options``: pull policy and secrets, service account, annotations."""
    return built(
        RedisPodOptions,
        image_pull_policy=(pick(None, "Always", "IfNotPresent", "Never"), hostile("always", "Sometimes")),
        image_pull_secrets=(
            st.lists(SUBDOMAIN[0], unique=True, max_size=2).map(tuple),
            st.lists(SUBDOMAIN[1], min_size=1, max_size=2).map(tuple),
        ),
        service_account_name=(st.one_of(st.none(), SUBDOMAIN[0]), SUBDOMAIN[1]),
        pod_annotations=(
            st.dictionaries(
                LABEL_KEY[0], st.one_of(LABEL_VALUE[0], pick("a b", '{"json": 1}', "two\nlines")), max_size=2
            ),
            st.dictionaries(LABEL_KEY[1], TEXT, min_size=1, max_size=1),
        ),
    )


#: Valid ``sizeLimit`` values of the /data emptyDir.
DATA_SIZE = pick("1Mi", "64Mi", "1Gi")

#: construct -> prop -> (valid strategy, hostile strategy); REQUIRED props are always set.
SPEC: dict[str, dict[str, tuple[Any, Any]]] = {
    "redis": {
        "name": NAME,
        "namespace": NAME,
        "maxmemory": (pick("8mb", "256mb", "100mb", "268435456"), REDIS_SIZE),
        "labels": (labels(False), labels(True)),
        "resources": (resources(False), resources(True)),
        "cluster_domain": (pick("cluster.local", "example.internal"), hostile("Cluster.local", "", "a..b")),
        "filesystem": (
            st.one_of(
                st.just(RedisFilesystem.writable()), st.builds(RedisFilesystem.read_only, data_size_limit=DATA_SIZE)
            ),
            st.one_of(pick("yes", 1, None), st.builds(RedisFilesystem.read_only, data_size_limit=QUANTITY)),
        ),
        "access": access(),
        "placement": placement(),
        "pod_options": pod_options(),
        "disruption": (
            st.one_of(
                st.just(RedisDisruption.evictable()),
                st.builds(RedisDisruption.wait_for_bus, evict_unready=pick(True, False)),
            ),
            st.one_of(pick(None, "yes"), st.builds(RedisDisruption.wait_for_bus, evict_unready=pick("false", 1))),
        ),
        "persistence": built(
            RedisPersistence.append_only,
            size=(pick("1Gi", "10Gi", "805306368"), QUANTITY),
            storage_class=(pick(None, "", "fast-ssd", "gp3.encrypted"), hostile("Fast_SSD", "fast ssd", "-ssd")),
            access_mode=(
                pick("ReadWriteOnce", "ReadWriteOncePod", "ReadWriteMany"),
                hostile("RWO", "ReadOnlyMany", "readwriteonce"),
            ),
            fsync=(pick("always", "everysec", "no"), hostile("everysecond", "Always", "yes")),
        ),
    },
    "namespace": {
        "name": NAME,
        "labels": (labels(False), labels(True)),
        "pod_security": built(
            PodSecurity,
            enforce=(pick("baseline", "restricted", "privileged"), hostile("Baseline", "strict", "")),
            version=(pick("v1.27", "latest", "v1.0", "v1.30"), hostile("v1.027", "v1.00", "1.27", "v2.0", "v1.")),
        ),
    },
    "secret": {"url": URL, "name": SUBDOMAIN, "key": KEY, "namespace": NAME},
    "external-url": {
        "url": URL,
        "service_name": NAME,
        "labels": (labels(False), labels(True)),
        "connection_secret": built(SecretKeyRef, name=SUBDOMAIN, key=KEY),
    },
    "external-secret": {
        "url_secret": built(SecretKeyRef, name=SUBDOMAIN, key=KEY),
        "host": (
            pick("cache.example.com", "::1", "10.0.0.7", "Cache.Example.com"),
            hostile("999.1.1.1", "::g", "cache example.com", "-cache", "[::1]x", "0o17"),
        ),
        "port": (pick(6379, 6380, 1, 65535), pick(0, 65536, -1, "6379", True)),
        "tls": (pick(True, False), pick("false", 1)),
        "service_name": NAME,
    },
}
REQUIRED = {"secret": {"url"}, "external-url": {"url"}, "external-secret": {"url_secret", "host"}}


@st.composite
def _props(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """A construct with a few props set, all valid, or all valid but one."""
    construct = draw(st.sampled_from(sorted(SPEC)))
    spec = SPEC[construct]
    chosen = draw(st.sets(st.sampled_from(sorted(spec)), max_size=3)) | REQUIRED.get(construct, set())
    # None (all valid) one time in three, else one of the chosen props is hostile
    bad = draw(st.sampled_from([None, *sorted(chosen), *sorted(chosen)])) if chosen else None
    return construct, {prop: draw(spec[prop][1] if prop == bad else spec[prop][0]) for prop in sorted(chosen)}


PROPS = _props()

#: The registry's constructs (testkit/constructs.py) by strategy: ExternalRedis has two, by URL and by Secret.
CONSTRUCTS: dict[str, PublicConstruct] = {
    "redis": BY_KEY["redis"],
    "namespace": BY_KEY["namespace"],
    "secret": BY_KEY["secret"],
    "external-url": BY_KEY["external"],
    "external-secret": BY_KEY["external"],
}


def build(construct: str, props: dict[str, Any], namespace: str) -> list[dict[str, Any]]:
    """Objects of ``construct`` built with ``props`` in a fresh chart (no namespace for a Namespace)."""
    chart = cdk8s.Chart(
        in_memory_app(),
        "test",
        namespace=None if CONSTRUCTS[construct].cluster_scoped else namespace,
        disable_resource_name_hashes=True,
    )
    CONSTRUCTS[construct].cls(chart, construct, **props)
    return [dict(obj) for obj in cdk8s.Testing.synth(chart)]
