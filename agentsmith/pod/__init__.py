"""The Redis pod's value props: Resources, RedisProbes, RedisFilesystem and RedisNetwork (its NetworkPolicy)."""

from agentsmith.pod.filesystem import DEFAULT_DATA_SIZE_LIMIT, DEFAULT_FILESYSTEM, RedisFilesystem
from agentsmith.pod.network import DEFAULT_NETWORK, SAME_NAMESPACE, NetworkPeer, RedisNetwork
from agentsmith.pod.probes import DEFAULT_LIVENESS, DEFAULT_PROBES, DEFAULT_READINESS, ProbeTiming, RedisProbes
from agentsmith.pod.resources import DEFAULT_RESOURCES, Resources

__all__ = [
    "DEFAULT_DATA_SIZE_LIMIT",
    "DEFAULT_FILESYSTEM",
    "DEFAULT_LIVENESS",
    "DEFAULT_NETWORK",
    "DEFAULT_PROBES",
    "DEFAULT_READINESS",
    "DEFAULT_RESOURCES",
    "SAME_NAMESPACE",
    "NetworkPeer",
    "ProbeTiming",
    "RedisFilesystem",
    "RedisNetwork",
    "RedisProbes",
    "Resources",
]
