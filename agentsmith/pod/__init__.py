"""The Redis pod's value props: Resources, RedisProbes, RedisFilesystem, RedisNetwork (its NetworkPolicy),
RedisPersistence (its volume claim), RedisPlacement (scheduling), RedisPodOptions (pulls, service account,
annotations) and RedisDisruption (drains)."""

from agentsmith.pod.disruption import DEFAULT_DISRUPTION, RedisDisruption
from agentsmith.pod.filesystem import DEFAULT_DATA_SIZE_LIMIT, DEFAULT_FILESYSTEM, RedisFilesystem
from agentsmith.pod.network import DEFAULT_NETWORK, SAME_NAMESPACE, NetworkPeer, RedisNetwork
from agentsmith.pod.options import DEFAULT_POD_OPTIONS, RedisPodOptions
from agentsmith.pod.persistence import DEFAULT_PERSISTENCE, DEFAULT_VOLUME_SIZE, RedisPersistence
from agentsmith.pod.placement import (
    DEFAULT_PLACEMENT,
    MatchExpression,
    NodeAffinityTerm,
    PodAntiAffinityTerm,
    RedisPlacement,
    Toleration,
    TopologySpread,
)
from agentsmith.pod.probes import DEFAULT_LIVENESS, DEFAULT_PROBES, DEFAULT_READINESS, ProbeTiming, RedisProbes
from agentsmith.pod.resources import DEFAULT_RESOURCES, Resources

__all__ = [
    "DEFAULT_DATA_SIZE_LIMIT",
    "DEFAULT_DISRUPTION",
    "DEFAULT_FILESYSTEM",
    "DEFAULT_LIVENESS",
    "DEFAULT_NETWORK",
    "DEFAULT_PERSISTENCE",
    "DEFAULT_PLACEMENT",
    "DEFAULT_POD_OPTIONS",
    "DEFAULT_PROBES",
    "DEFAULT_READINESS",
    "DEFAULT_RESOURCES",
    "DEFAULT_VOLUME_SIZE",
    "SAME_NAMESPACE",
    "MatchExpression",
    "NetworkPeer",
    "NodeAffinityTerm",
    "PodAntiAffinityTerm",
    "ProbeTiming",
    "RedisDisruption",
    "RedisFilesystem",
    "RedisNetwork",
    "RedisPersistence",
    "RedisPlacement",
    "RedisPodOptions",
    "RedisProbes",
    "Resources",
    "Toleration",
    "TopologySpread",
]
