"""The Redis pod's value props: Resources, RedisProbes, RedisFilesystem, RedisNetwork (its NetworkPolicy) and
RedisPersistence (its volume claim)."""

from agentsmith.pod.filesystem import DEFAULT_DATA_SIZE_LIMIT, DEFAULT_FILESYSTEM, RedisFilesystem
from agentsmith.pod.network import DEFAULT_NETWORK, SAME_NAMESPACE, NetworkPeer, RedisNetwork
from agentsmith.pod.persistence import DEFAULT_PERSISTENCE, DEFAULT_VOLUME_SIZE, RedisPersistence
from agentsmith.pod.probes import DEFAULT_LIVENESS, DEFAULT_PROBES, DEFAULT_READINESS, ProbeTiming, RedisProbes
from agentsmith.pod.resources import DEFAULT_RESOURCES, Resources

__all__ = [
    "DEFAULT_DATA_SIZE_LIMIT",
    "DEFAULT_FILESYSTEM",
    "DEFAULT_LIVENESS",
    "DEFAULT_NETWORK",
    "DEFAULT_PERSISTENCE",
    "DEFAULT_PROBES",
    "DEFAULT_READINESS",
    "DEFAULT_RESOURCES",
    "DEFAULT_VOLUME_SIZE",
    "SAME_NAMESPACE",
    "NetworkPeer",
    "ProbeTiming",
    "RedisFilesystem",
    "RedisNetwork",
    "RedisPersistence",
    "RedisProbes",
    "Resources",
]
