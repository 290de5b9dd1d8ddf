"""cdk8s constructs for agentsmith's Kubernetes manifests.

Public API::

    from agentsmith import AgentsmithNamespace, EphemeralRedis

    ns = AgentsmithNamespace(chart, "namespace")
    redis = EphemeralRedis(chart, "redis", namespace=ns.name)
    redis.url  # "redis://redis:6379"

The pieces::

    EphemeralRedis         in-cluster Redis Deployment + Service (+ NetworkPolicy, connection Secret)
    ExternalRedis          a managed/external Redis: no workload; connection Secret and/or ExternalName Service
    RedisEndpoint          the protocol both implement: host, port, url, connection (Secret key)
    add_redis_url          REDIS_URL for a container of any cdk8s-plus line, from an endpoint's Secret
    PlusContainer          the type add_redis_url takes: a Container of any cdk8s-plus line (a Protocol)
    redis_url_env          the same as a dict in EnvVar shape, for L1 containers of any k8s binding
    AgentsmithNamespace    the namespace, with Pod Security Admission labels
    RedisAccess            who logs in: open() (default), seed_exact(), password(RedisAuth), roles([RedisRole])
    RedisNetwork           policy(allow_from=...) (default) or unmanaged(): the NetworkPolicy
    RedisFilesystem        writable() (default) or read_only(data_size_limit=...)
    RedisProbes            the probes' timings (ProbeTiming for liveness and readiness)
    RedisMetrics           opt-in redis_exporter sidecar, ServiceMonitor and PrometheusRule (alerts)
    RedisRole              opt-in Redis ACL user (dispatcher, agent) with its password in a Secret
    AgentsmithConfigError  every invalid prop (see agentsmith.errors)
"""

from __future__ import annotations

from .access import DEFAULT_ACCESS, DEFAULT_MAX_CLIENTS, DEFAULT_MAX_VALUE_SIZE, AccessMode, RedisAccess
from .auth import RedisAuth
from .connection_secret import RedisConnectionSecret
from .endpoint import RedisEndpoint, SecretKeyRef
from .errors import AgentsmithConfigError
from .external_redis import ExternalRedis
from .filesystem import DEFAULT_DATA_SIZE_LIMIT, DEFAULT_FILESYSTEM, RedisFilesystem
from .metrics import DEFAULT_EXPORTER_IMAGE, DEFAULT_EXPORTER_RESOURCES, DEFAULT_SCRAPERS, RedisMetrics
from .namespace import AgentsmithNamespace
from .network import DEFAULT_NETWORK, SAME_NAMESPACE, NetworkPeer, RedisNetwork
from .pod_security import DEFAULT_POD_SECURITY, PodSecurity
from .probes import DEFAULT_LIVENESS, DEFAULT_PROBES, DEFAULT_READINESS, ProbeTiming, RedisProbes
from .redis import EphemeralRedis
from .resources import DEFAULT_RESOURCES, Resources
from .roles import DEFAULT_AGENT_KEY_PATTERN, RedisRole, RoleAccess
from .wiring import REDIS_URL_ENV, PlusContainer, add_redis_url, redis_url_env

__all__ = [
    "DEFAULT_ACCESS",
    "DEFAULT_AGENT_KEY_PATTERN",
    "DEFAULT_DATA_SIZE_LIMIT",
    "DEFAULT_EXPORTER_IMAGE",
    "DEFAULT_EXPORTER_RESOURCES",
    "DEFAULT_FILESYSTEM",
    "DEFAULT_LIVENESS",
    "DEFAULT_MAX_CLIENTS",
    "DEFAULT_MAX_VALUE_SIZE",
    "DEFAULT_NETWORK",
    "DEFAULT_POD_SECURITY",
    "DEFAULT_PROBES",
    "DEFAULT_READINESS",
    "DEFAULT_RESOURCES",
    "DEFAULT_SCRAPERS",
    "REDIS_URL_ENV",
    "SAME_NAMESPACE",
    "AccessMode",
    "AgentsmithConfigError",
    "AgentsmithNamespace",
    "EphemeralRedis",
    "ExternalRedis",
    "NetworkPeer",
    "PlusContainer",
    "PodSecurity",
    "ProbeTiming",
    "RedisAccess",
    "RedisAuth",
    "RedisConnectionSecret",
    "RedisEndpoint",
    "RedisFilesystem",
    "RedisMetrics",
    "RedisNetwork",
    "RedisProbes",
    "RedisRole",
    "Resources",
    "RoleAccess",
    "SecretKeyRef",
    "add_redis_url",
    "redis_url_env",
]
