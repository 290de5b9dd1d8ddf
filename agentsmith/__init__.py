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
    RedisPersistence       none() (default) or append_only(size=..., ...): AOF on a PersistentVolumeClaim
    RedisProbes            the probes' timings (ProbeTiming for liveness and readiness)
    RedisPlacement         the pod's node selector, tolerations, affinity, topology spread, priority class
    RedisPodOptions        image pull policy and secrets, service account, pod and Service annotations
    RedisDisruption        evictable() (default) or wait_for_bus(): a PodDisruptionBudget for node drains
    RedisMetrics           opt-in redis_exporter sidecar, ServiceMonitor and PrometheusRule (alerts)
    GrafanaDashboard       opt-in Grafana dashboard of the bus (RedisMetrics(dashboard=...)), for the sidecar
    RedisRole              opt-in Redis ACL user (dispatcher, agent) with its password in a Secret
    AgentsmithConfigError  every invalid prop (see agentsmith.errors)
    RedisTLS               the CA bundle (and client certificate) clients of a TLS ExternalRedis are handed
    redis_url              a connection string for a Secret, credentials percent-encoded
    redis_client_env       REDIS_TLS_*_FILE and REDIS_CLUSTER for L1 containers (with redis_tls_volumes/_mounts)
"""

from __future__ import annotations

from agentsmith.access import (
    DEFAULT_ACCESS,
    DEFAULT_AGENT_KEY_PATTERN,
    DEFAULT_MAX_CLIENTS,
    DEFAULT_MAX_VALUE_SIZE,
    AccessMode,
    RedisAccess,
    RedisAuth,
    RedisRole,
    RoleAccess,
)
from agentsmith.client import (
    REDIS_CLUSTER_ENV,
    REDIS_TLS_CA_FILE_ENV,
    REDIS_TLS_CERT_FILE_ENV,
    REDIS_TLS_KEY_FILE_ENV,
    RedisTLS,
    redis_url,
)
from agentsmith.connection_secret import RedisConnectionSecret
from agentsmith.endpoint import RedisEndpoint, SecretKeyRef
from agentsmith.errors import AgentsmithConfigError
from agentsmith.external_redis import ExternalRedis
from agentsmith.metrics import (
    DEFAULT_EXPORTER_IMAGE,
    DEFAULT_EXPORTER_RESOURCES,
    DEFAULT_SCRAPERS,
    DEFAULT_SIDECAR_LABELS,
    GrafanaDashboard,
    RedisMetrics,
)
from agentsmith.namespace import DEFAULT_POD_SECURITY, AgentsmithNamespace, PodSecurity
from agentsmith.pod import (
    DEFAULT_DATA_SIZE_LIMIT,
    DEFAULT_DISRUPTION,
    DEFAULT_FILESYSTEM,
    DEFAULT_LIVENESS,
    DEFAULT_NETWORK,
    DEFAULT_PERSISTENCE,
    DEFAULT_PLACEMENT,
    DEFAULT_POD_OPTIONS,
    DEFAULT_PROBES,
    DEFAULT_READINESS,
    DEFAULT_RESOURCES,
    DEFAULT_VOLUME_SIZE,
    SAME_NAMESPACE,
    MatchExpression,
    NetworkPeer,
    NodeAffinityTerm,
    PodAntiAffinityTerm,
    ProbeTiming,
    RedisDisruption,
    RedisFilesystem,
    RedisNetwork,
    RedisPersistence,
    RedisPlacement,
    RedisPodOptions,
    RedisProbes,
    Resources,
    Toleration,
    TopologySpread,
)
from agentsmith.redis import EphemeralRedis
from agentsmith.wiring import (
    REDIS_URL_ENV,
    PlusContainer,
    add_redis_url,
    redis_client_env,
    redis_tls_mounts,
    redis_tls_volumes,
    redis_url_env,
)

__all__ = [
    "DEFAULT_ACCESS",
    "DEFAULT_AGENT_KEY_PATTERN",
    "DEFAULT_DATA_SIZE_LIMIT",
    "DEFAULT_DISRUPTION",
    "DEFAULT_EXPORTER_IMAGE",
    "DEFAULT_EXPORTER_RESOURCES",
    "DEFAULT_FILESYSTEM",
    "DEFAULT_LIVENESS",
    "DEFAULT_MAX_CLIENTS",
    "DEFAULT_MAX_VALUE_SIZE",
    "DEFAULT_NETWORK",
    "DEFAULT_PERSISTENCE",
    "DEFAULT_PLACEMENT",
    "DEFAULT_POD_OPTIONS",
    "DEFAULT_POD_SECURITY",
    "DEFAULT_PROBES",
    "DEFAULT_READINESS",
    "DEFAULT_RESOURCES",
    "DEFAULT_SCRAPERS",
    "DEFAULT_SIDECAR_LABELS",
    "DEFAULT_VOLUME_SIZE",
    "REDIS_CLUSTER_ENV",
    "REDIS_TLS_CA_FILE_ENV",
    "REDIS_TLS_CERT_FILE_ENV",
    "REDIS_TLS_KEY_FILE_ENV",
    "REDIS_URL_ENV",
    "SAME_NAMESPACE",
    "AccessMode",
    "AgentsmithConfigError",
    "AgentsmithNamespace",
    "EphemeralRedis",
    "ExternalRedis",
    "GrafanaDashboard",
    "MatchExpression",
    "NetworkPeer",
    "NodeAffinityTerm",
    "PlusContainer",
    "PodAntiAffinityTerm",
    "PodSecurity",
    "ProbeTiming",
    "RedisAccess",
    "RedisAuth",
    "RedisConnectionSecret",
    "RedisDisruption",
    "RedisEndpoint",
    "RedisFilesystem",
    "RedisMetrics",
    "RedisNetwork",
    "RedisPersistence",
    "RedisPlacement",
    "RedisPodOptions",
    "RedisProbes",
    "RedisRole",
    "RedisTLS",
    "Resources",
    "RoleAccess",
    "SecretKeyRef",
    "Toleration",
    "TopologySpread",
    "add_redis_url",
    "redis_client_env",
    "redis_tls_mounts",
    "redis_tls_volumes",
    "redis_url",
    "redis_url_env",
]
