"""The permission matrix of issue 13: which commands each mode and role may run.

Three lists of probes, each a command with arguments chosen so that, when
allowed, it succeeds or fails for a reason other than permissions, and never
stops the server (``SHUTDOWN ABORT``, ``REPLICAOF NO ONE``, ``CLIENT PAUSE 1``):

* ``BUS``: what a message-bus client needs (issue 13, item 1), on ``job:*`` keys;
* ``OTHER_KEYS``: the same kind of commands on keys and channels outside ``job:*``;
* ``AMPLIFIERS``: commands that grow memory far beyond their arguments, on ``job:*`` keys;
* ``HOSTILE``: commands without a bound a client cannot lift (walks, random members, MULTI, WATCH, ...);
* ``NAMES``: commands that show key or channel names outside ``job:*``, or switch databases;
* ``ADMIN``: administrative and destructive commands, run last (FLUSHALL wipes).

Every probe runs on a new connection (``testkit.redis_runtime.raw_command``), so
MONITOR, SUBSCRIBE or HELLO 3 never leak into the next probe.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from testkit.redis_runtime import raw_command, refused, unknown


@dataclass(frozen=True)
class Probe:
    label: str
    argv: tuple[str, ...]


def _p(label: str, *argv: str) -> Probe:
    return Probe(label, argv or tuple(label.split()))


BUS: tuple[Probe, ...] = (
    _p("PING"),
    _p("HELLO 3"),
    _p("SELECT 0"),
    _p("CLIENT SETNAME", "CLIENT", "SETNAME", "bus-client"),
    _p("CLIENT ID"),
    _p("INFO", "INFO", "server"),
    _p("XADD", "XADD", "job:1", "*", "event", "queued"),
    _p("XLEN", "XLEN", "job:1"),
    _p("XRANGE", "XRANGE", "job:1", "-", "+"),
    _p("XREAD BLOCK", "XREAD", "COUNT", "1", "BLOCK", "1", "STREAMS", "job:1", "0"),
    _p("XGROUP CREATE", "XGROUP", "CREATE", "job:1", "workers", "0"),
    _p("XREADGROUP BLOCK", "XREADGROUP", "GROUP", "workers", "w1", "COUNT", "1", "BLOCK", "1", "STREAMS", "job:1", ">"),
    _p("XPENDING", "XPENDING", "job:1", "workers"),
    _p("XCLAIM", "XCLAIM", "job:1", "workers", "w2", "0", "0-1"),
    _p("XAUTOCLAIM", "XAUTOCLAIM", "job:1", "workers", "w2", "0", "0-0"),
    _p("XACK", "XACK", "job:1", "workers", "0-1"),
    _p("XTRIM", "XTRIM", "job:1", "MAXLEN", "1000"),
    _p("XDEL", "XDEL", "job:1", "0-1"),
    _p("EXPIRE", "EXPIRE", "job:1", "7200"),
    _p("TTL", "TTL", "job:1"),
    _p("EXISTS", "EXISTS", "job:1"),
    _p("SET", "SET", "job:1:status", "running"),
    _p("GET", "GET", "job:1:status"),
    _p("HSET", "HSET", "job:1:meta", "agent", "a1"),
    _p("HGETALL", "HGETALL", "job:1:meta"),
    _p("LPUSH", "LPUSH", "job:1:todo", "step"),
    _p("BRPOP", "BRPOP", "job:1:todo", "0.01"),
    _p("PUBLISH", "PUBLISH", "job:1:events", "done"),
    _p("SUBSCRIBE", "SUBSCRIBE", "job:1:events"),
    # ACL compares a PSUBSCRIBE pattern with the allowed channel pattern literally.
    _p("PSUBSCRIBE", "PSUBSCRIBE", "job:*"),
    _p("DEL", "DEL", "job:1", "job:1:status", "job:1:meta", "job:1:todo"),
)

OTHER_KEYS: tuple[Probe, ...] = (
    _p("XADD other", "XADD", "dispatch:queue", "*", "job", "2"),
    _p("XRANGE other", "XRANGE", "dispatch:queue", "-", "+"),
    _p("XREADGROUP other", "XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "dispatch:queue", ">"),
    _p("SET other", "SET", "dispatch:lock", "x"),
    _p("PUBLISH other", "PUBLISH", "dispatch:events", "x"),
    _p("SUBSCRIBE other", "SUBSCRIBE", "dispatch:events"),
)

#: Memory amplifiers: a result far bigger than the arguments (docs/security.md, "Memory abuse
#: by clients"). Small offsets here: when allowed they succeed without using memory.
AMPLIFIERS: tuple[Probe, ...] = (
    _p("SETRANGE", "SETRANGE", "job:1:amp", "1", "x"),
    _p("SETBIT", "SETBIT", "job:1:bits", "7", "1"),
    _p("BITFIELD", "BITFIELD", "job:1:bits", "SET", "u8", "0", "1"),
    _p("BITOP", "BITOP", "OR", "job:1:or", "job:1:bits"),
    _p("COPY", "COPY", "job:1:bits", "job:1:copy"),
    _p("SUNIONSTORE", "SUNIONSTORE", "job:1:su", "job:1:set"),
    _p("SINTERSTORE", "SINTERSTORE", "job:1:si", "job:1:set"),
    _p("SDIFFSTORE", "SDIFFSTORE", "job:1:sd", "job:1:set"),
    _p("ZUNIONSTORE", "ZUNIONSTORE", "job:1:zu", "1", "job:1:z"),
    _p("ZINTERSTORE", "ZINTERSTORE", "job:1:zi", "1", "job:1:z"),
    _p("ZDIFFSTORE", "ZDIFFSTORE", "job:1:zd", "1", "job:1:z"),
    _p("ZRANGESTORE", "ZRANGESTORE", "job:1:zr", "job:1:z", "0", "-1"),
    _p("GEORADIUS", "GEORADIUS", "job:1:geo", "0", "0", "1", "km", "STORE", "job:1:gr"),
    _p("GEORADIUSBYMEMBER", "GEORADIUSBYMEMBER", "job:1:geo", "m", "1", "km", "STORE", "job:1:gm"),
    _p("GEOSEARCHSTORE", "GEOSEARCHSTORE", "job:1:gs", "job:1:geo", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km"),
)

#: Commands without a bound a client cannot lift (agentsmith/_costs.py; docs/security.md, "What bounds
#: each command"): denied to the guard and the agent role, kept by the dispatcher. On short or missing
#: keys, so that when allowed they are instant.
HOSTILE: tuple[Probe, ...] = (
    _p("WATCH", "WATCH", "job:1:watched"),
    _p("LPOS", "LPOS", "job:1:list", "x", "MAXLEN", "0"),
    _p("LREM", "LREM", "job:1:list", "0", "x"),
    _p("LINSERT", "LINSERT", "job:1:list", "BEFORE", "x", "y"),
    _p("LSET", "LSET", "job:1:list", "0", "x"),
    _p("SCAN", "SCAN", "0", "MATCH", "job:*"),
    _p("MULTI"),
    _p("HRANDFIELD", "HRANDFIELD", "job:1:meta", "-3"),
    _p("CLIENT REPLY", "CLIENT", "REPLY", "ON"),
    _p("CLIENT TRACKING BCAST", "CLIENT", "TRACKING", "on", "BCAST"),
    _p("PUBSUB CHANNELS"),
    _p("LCS", "LCS", "job:1:a", "job:1:b"),
    # Redis 7.2's CLIENT SETINFO: ACL rules may only name commands Redis 7.0 knows, so the guard's
    # "-client" keeps it refused on 7.2 and later (clients go on without it); 7.0 does not know it (n/a).
    _p("CLIENT SETINFO", "CLIENT", "SETINFO", "LIB-NAME", "redis-py"),
)

#: Commands that show names outside a key pattern, or a database the dispatcher never looks at.
NAMES: tuple[Probe, ...] = (
    _p("PUBSUB NUMSUB", "PUBSUB", "NUMSUB", "dispatch:events"),
    _p("SELECT 5"),
)

ADMIN: tuple[Probe, ...] = (
    _p("CONFIG SET", "CONFIG", "SET", "maxmemory-policy", "allkeys-lru"),
    _p("CONFIG GET", "CONFIG", "GET", "maxmemory"),
    _p("CONFIG REWRITE"),
    _p("CONFIG RESETSTAT"),
    _p("ACL SETUSER", "ACL", "SETUSER", "intruder", "on", "nopass", "~*", "&*", "+@all"),
    _p("ACL LOAD"),
    _p("ACL LIST"),
    _p("ACL LOG"),
    _p("ACL DELUSER", "ACL", "DELUSER", "nobody"),
    _p("EVAL", "EVAL", "return redis.call('ping')", "0"),
    _p("EVAL_RO", "EVAL_RO", "return 1", "0"),
    _p("SCRIPT LOAD", "SCRIPT", "LOAD", "return 1"),
    _p("SCRIPT FLUSH"),
    _p("FUNCTION LOAD", "FUNCTION", "LOAD", "#!lua name=x\nredis.register_function('f', function() return 1 end)"),
    _p("FUNCTION FLUSH"),
    _p("MIGRATE", "MIGRATE", "127.0.0.1", "1", "job:1", "0", "100"),
    _p("RESTORE", "RESTORE", "job:restored", "0", "not-a-dump"),
    _p("DEBUG", "DEBUG", "SLEEP", "0"),
    _p("MODULE LOAD", "MODULE", "LOAD", "/nonexistent/module.so"),
    _p("MODULE LIST"),
    _p("MONITOR"),
    _p("CLIENT LIST"),
    _p("CLIENT KILL", "CLIENT", "KILL", "ID", "999999"),
    _p("CLIENT PAUSE", "CLIENT", "PAUSE", "1"),
    _p("CLIENT UNPAUSE"),
    _p("CLIENT NO-EVICT", "CLIENT", "NO-EVICT", "on"),
    _p("SLOWLOG GET"),
    _p("LATENCY RESET"),
    _p("ROLE"),
    _p("KEYS", "KEYS", "*"),
    _p("SORT", "SORT", "job:1:todo"),
    _p("SAVE"),
    _p("BGSAVE"),
    _p("BGREWRITEAOF"),
    _p("REPLICAOF", "REPLICAOF", "NO", "ONE"),
    _p("SLAVEOF", "SLAVEOF", "NO", "ONE"),
    _p("FAILOVER", "FAILOVER", "ABORT"),
    _p("SHUTDOWN", "SHUTDOWN", "ABORT"),
    _p("SWAPDB", "SWAPDB", "0", "1"),
    _p("FLUSHDB"),
    _p("FLUSHALL"),
)

LISTS: dict[str, tuple[Probe, ...]] = {
    "bus": BUS,
    "other-keys": OTHER_KEYS,
    "amplifiers": AMPLIFIERS,
    "hostile": HOSTILE,
    "names": NAMES,
    "admin": ADMIN,
}


@dataclass(frozen=True)
class Column:
    """One column of the matrix: a mode and the identity a client uses (user/password or none)."""

    title: str
    user: str | None
    password: str | None


#: ``{probe label: reply's first line}`` for one column.
Results = dict[str, str]


def run_column(port: int, column: Column, *, before: Callable[[], None] | None = None) -> Results:
    """Run every probe, in list order, as ``column``'s identity."""
    if before is not None:
        before()
    results: Results = {}
    for probes in LISTS.values():
        for probe in probes:
            results[probe.label] = raw_command(port, probe.argv, user=column.user, password=column.password)
    return results


def outcome(reply: str) -> str:
    """``"no"`` (refused), ``"n/a"`` (this server has no such command) or ``"yes"``."""
    if refused(reply):
        return "no"
    return "n/a" if unknown(reply) else "yes"


def allowed(results: Results, probes: Sequence[Probe]) -> list[str]:
    """Labels of the probes that ran (any reply but a refusal or an unknown command)."""
    return [probe.label for probe in probes if outcome(results[probe.label]) == "yes"]


def known(results: Results, probes: Sequence[Probe]) -> list[str]:
    """Labels of the probes this server knows."""
    return [probe.label for probe in probes if outcome(results[probe.label]) != "n/a"]


def unknown_anywhere(columns: Sequence[tuple[str, Results]]) -> set[str]:
    """Probes some column found unknown to this server: left out of every count."""
    return {label for _, results in columns for label, reply in results.items() if outcome(reply) == "n/a"}


def _count(results: Results, probes: Sequence[Probe], skip: set[str]) -> str:
    counted = [probe for probe in probes if probe.label not in skip]
    return f"{len(allowed(results, counted))}/{len(counted)}"


def summary(title: str, results: Results, skip: set[str]) -> str:
    """``"<title>: allowed bus 33/33, other-keys 6/6, admin 0/41"``, without the ``skip`` probes."""
    parts = [f"{name} {_count(results, probes, skip)}" for name, probes in LISTS.items()]
    return f"{title}: allowed " + ", ".join(parts)


def render(columns: Sequence[tuple[str, Results]]) -> str:
    """A Markdown table: one row per probe, ``yes``/``no`` per column, then the totals."""
    header = "| list | command | " + " | ".join(title for title, _ in columns) + " |"
    lines = [header, "|" + "---|" * (len(columns) + 2)]
    for name, probes in LISTS.items():
        for probe in probes:
            cells = [outcome(results[probe.label]) for _, results in columns]
            lines.append(f"| {name} | {probe.label} | " + " | ".join(cells) + " |")
    for name, probes in LISTS.items():
        skip = unknown_anywhere(columns)
        totals = [_count(results, probes, skip) for _, results in columns]
        lines.append(f"| {name} | **allowed** | " + " | ".join(totals) + " |")
    return "\n".join(lines)
