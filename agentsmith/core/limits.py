"""The memory arithmetic of a bus: maxmemory, the allocator's share and the client bounds it leaves.

The args and why each bounds what it does: docs/security.md, "Memory abuse by clients"; the measured
13/16 and the sizing rule: docs/design.md, "Sizing under eviction churn".
"""

from __future__ import annotations

from fractions import Fraction
from typing import Final

from agentsmith.core.quantity import _format_redis, parse_redis_memory

__all__ = [
    "DEFAULT_MAX_CLIENTS",
    "FRAGMENTATION_SHARE",
    "MAX_MAX_CLIENTS",
    "MIN_MAX_CLIENTS",
    "MIN_MAX_VALUE_SIZE",
    "OUTPUT_SOFT_SECONDS",
    "PROBE_CONNECTIONS",
    "PROTO_MAX_BULK_LEN",
    "QUERY_BUFFER_SHARE",
    "client_budget",
    "least_client_budget",
    "output_hard_limit",
    "server_args",
]

#: What the allocator holds beyond ``maxmemory`` under eviction churn, as a share of ``maxmemory``.
#: Measured peak of the container's cgroup (redis-server 7.0.15, jemalloc 5.3, a bus full of 1 KB
#: strings taking 2 KB stream entries from 50 pipelining clients: benchmarks/capacity.py --churn):
#: 1.785 to 1.791 x maxmemory at 176, 200, 208 and 256mb; 13/16 (0.8125) keeps a margin above 0.791.
FRAGMENTATION_SHARE: Final = Fraction(13, 16)
#: Largest argument or string value by default (``max_value_size``): 8mb. Bus messages are job events of a
#: few KB; Redis's own default (512mb) is twice the seed's whole dataset.
PROTO_MAX_BULK_LEN: Final = "8mb"
#: The smallest ``max_value_size``: Redis accepts no ``proto-max-bulk-len`` under 1mb.
MIN_MAX_VALUE_SIZE: Final = "1mb"
#: One client's unread input: this many times ``proto-max-bulk-len`` (one argument being read, and the rest
#: of a pipeline behind it).
QUERY_BUFFER_SHARE: Final = 2
#: One client's unread replies: hard limit = budget * 1/2, soft = budget * 1/8
#: held for OUTPUT_SOFT_SECONDS (seed: 32mb and 8mb, Redis's own pubsub default).
_HARD_SHARE: Final = Fraction(1, 2)
_SOFT_SHARE: Final = Fraction(1, 8)
OUTPUT_SOFT_SECONDS: Final = 60
#: ``--maxclients`` by default: Redis's own default, made explicit.
DEFAULT_MAX_CLIENTS: Final = 10000
#: Connections the probes hold at most at once (liveness and readiness may overlap).
PROBE_CONNECTIONS: Final = 2
#: The smallest ``max_clients``: the probes plus one client.
MIN_MAX_CLIENTS: Final = PROBE_CONNECTIONS + 1
#: Redis keeps 32 descriptors for itself, and Linux allows at most ``fs.nr_open``
#: (default 1048576) open files per process: a larger ``maxclients`` can never be reached.
FD_RESERVED: Final = 32
MAX_MAX_CLIENTS: Final = 1048576 - FD_RESERVED
#: Client classes bounded (replicas keep Redis's default: there are none).
_CLASSES: Final = ("normal", "pubsub")


def client_budget(maxmemory_bytes: int, memory_limit_bytes: int) -> int:
    """Bytes all clients together may hold: ``memory_limit - maxmemory x (1 + 13/16)``, at least 0 (default 48mb)."""
    return max(0, int(memory_limit_bytes - maxmemory_bytes * (1 + FRAGMENTATION_SHARE)))


def least_client_budget(max_value_size: str | None) -> int:
    """The smallest budget that lets a client read one value back (twice ``max_value_size``); 0 without the guard."""
    return 0 if max_value_size is None else int(parse_redis_memory(max_value_size) / _HARD_SHARE)


def output_hard_limit(budget: int) -> int:
    """One client's unread replies at most (``client-output-buffer-limit`` hard): half the budget (seed: 32mb)."""
    return int(budget * _HARD_SHARE)


def server_args(
    budget: int, max_clients: int = DEFAULT_MAX_CLIENTS, max_value_size: str = PROTO_MAX_BULK_LEN
) -> list[str]:
    """The redis-server args that bound client memory to ``budget`` bytes and connections (module docstring)."""
    hard = _format_redis(output_hard_limit(budget))
    soft = _format_redis(int(budget * _SOFT_SHARE))
    # One directive for both classes: the option takes groups of four values.
    limits = [value for kind in _CLASSES for value in (kind, hard, soft, str(OUTPUT_SOFT_SECONDS))]
    return [
        "--proto-max-bulk-len",
        max_value_size,
        "--client-query-buffer-limit",
        _format_redis(QUERY_BUFFER_SHARE * parse_redis_memory(max_value_size)),
        "--maxmemory-clients",
        _format_redis(budget),
        "--client-output-buffer-limit",
        *limits,
        "--maxclients",
        str(max_clients),
    ]
