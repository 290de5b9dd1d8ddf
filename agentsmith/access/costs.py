"""What bounds each Redis command's cost: the one table the command guard and the roles' ACLs are made from.

Each command (``name`` or ``container|sub``, as ``COMMAND INFO`` names them) has one :class:`Cost`;
``@admin``, ``@dangerous`` and ``@scripting`` commands are denied to every user by category and not listed.
Why these classes, measured: docs/security.md, "What bounds each command".
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Final

__all__ = [
    "BOUNDED",
    "COSTS",
    "DENIED_TO_EVERY_CATEGORY",
    "Cost",
    "bounded",
    "names_of",
]


class Cost(enum.Enum):
    """What bounds one command's CPU time and the memory it makes Redis hold."""

    #: O(1), O(log N) or O(number of arguments): bounded by the query buffer.
    ARGS = "args"
    #: Walks one string value, at most ``proto-max-bulk-len`` bytes.
    VALUE = "value"
    #: Proportional to its reply: the output-buffer limit ends the client (replies on, outside MULTI).
    REPLY = "reply"
    #: Walks a whole structure, the keyspace or up to an offset, and may answer in a few bytes:
    #: no limit cuts it short, and a pipeline repeats it.
    WALK = "walk"
    #: Repeats as often as a count argument says, whatever the data (the random-member family).
    COUNT = "count"
    #: Writes far more than its arguments in one command (an offset, a copy, a computed result):
    #: past ``maxmemory`` before eviction can run.
    GROWTH = "growth"
    #: Turns pending entries into memory: ``XREADGROUP`` without ``COUNT`` adds one entry (about
    #: 100 bytes) per stream entry delivered. Bounded by the stream's length only.
    PENDING = "pending"
    #: Queues commands that ``EXEC`` then runs with no limit between them.
    QUEUE = "queue"
    #: Keeps memory per connection that ``maxmemory-clients`` does not count, as many times as
    #: the client repeats it (watched keys, tracked keys).
    RETAIN = "retain"
    #: Keeps one connection name (at most ``proto-max-bulk-len``) that ``maxmemory-clients`` does not
    #: count. ``HELLO ... SETNAME`` sets it whatever the ACL says, so denying CLIENT SETNAME would
    #: bound nothing: per connection it is one argument, in all it grows with the connections.
    NAME = "name"
    #: Turns off the output-buffer bound of every ``REPLY`` command (``CLIENT REPLY OFF|SKIP``).
    SWITCH = "switch"


#: Categories denied to every user; their commands are not in :data:`COSTS`.
DENIED_TO_EVERY_CATEGORY: Final = ("scripting", "admin", "dangerous")

#: The table. Names as ``COMMAND INFO`` gives them, lower case, subcommands as ``container|sub``.
#: Redis 7.2 and 7.4 additions are listed with their version.
_TABLE: Final[Mapping[Cost, tuple[str, ...]]] = {
    Cost.ARGS: (
        # connection
        "asking", "auth", "echo", "ping", "quit", "readonly", "readwrite", "reset", "select",
        "client|caching", "client|getname", "client|getredir", "client|help", "client|id", "client|info",
        "client|no-touch",  # 7.2
        "client|trackinginfo", "wait",
        "waitaof",  # 7.2
        # cluster (refused: the bus runs without cluster support) and introspection help texts
        "cluster|countkeysinslot", "cluster|getkeysinslot", "cluster|help", "cluster|info", "cluster|keyslot",
        "cluster|links", "cluster|myid",
        "cluster|myshardid",  # 7.2
        "cluster|nodes", "cluster|shards", "cluster|slots",
        "acl|cat", "acl|genpass", "acl|help", "acl|whoami", "command|count", "command|getkeys",
        "command|getkeysandflags", "command|help", "config|help", "latency|help", "memory|help", "memory|doctor",
        "memory|stats", "module|help", "object|encoding", "object|freq", "object|help", "object|idletime",
        "object|refcount", "pubsub|help", "slowlog|help", "xgroup|help", "xinfo|help", "lolwut", "time",
        # keyspace (DEL, UNLINK and the trims free what they remove: a client cannot repeat that for free)
        "dbsize", "del", "exists", "expire", "expireat", "expiretime", "move", "persist", "pexpire", "pexpireat",
        "pexpiretime", "pttl", "randomkey", "rename", "renamenx", "touch", "ttl", "type", "unlink",
        # strings (APPEND stops at proto-max-bulk-len)
        "append", "decr", "decrby", "get", "getbit", "getdel", "getex", "getset", "incr", "incrby", "incrbyfloat",
        "mset", "msetnx", "psetex", "set", "setex", "setnx", "strlen", "bitfield_ro",
        # hashes
        "hdel", "hexists", "hget", "hincrby", "hincrbyfloat", "hlen", "hmget", "hmset", "hset", "hsetnx", "hstrlen",
        "hexpire", "hexpireat", "hexpiretime", "hpersist", "hpexpire", "hpexpireat", "hpexpiretime", "hpttl",
        "httl",  # 7.4: hash-field expiry, O(fields given)
        # lists (an index is found by whole nodes of about 128 entries)
        "blmove", "blpop", "brpop", "brpoplpush", "lindex", "llen", "lmove", "lpush", "lpushx", "ltrim", "rpoplpush",
        "rpush", "rpushx",
        # sets and sorted sets
        "sadd", "scard", "sismember", "smismember", "smove", "srem",
        "bzpopmax", "bzpopmin", "zadd", "zcard", "zcount", "zincrby", "zlexcount", "zmscore", "zrank", "zrem",
        "zrevrank", "zscore",
        # hyperloglog (fixed 12 KiB registers) and geo points
        "pfadd", "pfcount", "pfmerge", "geoadd", "geodist", "geohash", "geopos",
        # streams
        "xack", "xadd", "xclaim", "xdel", "xgroup|create", "xgroup|createconsumer", "xgroup|delconsumer",
        "xgroup|destroy", "xgroup|setid", "xlen", "xsetid", "xtrim",
        # pub/sub (each subscription counts in maxmemory-clients; a subscriber's backlog in its output limit)
        "psubscribe", "publish", "pubsub|numpat", "pubsub|numsub", "pubsub|shardnumsub", "punsubscribe",
        "spublish", "ssubscribe", "subscribe", "sunsubscribe", "unsubscribe",
        # transactions
        "unwatch",
    ),
    Cost.VALUE: ("bitcount", "bitpos"),
    Cost.REPLY: (
        "command|docs", "command|info", "command|list", "memory|malloc-stats", "dump",
        "getrange", "substr", "mget",
        "hgetall", "hkeys", "hvals",
        "lrange", "lpop", "rpop", "lmpop", "blmpop",
        "smembers", "spop", "sunion",
        "zrevrange", "zpopmax", "zpopmin", "zmpop", "bzmpop",
        "xrange", "xrevrange", "xread", "xpending", "xautoclaim", "xinfo|consumers", "xinfo|groups", "xinfo|stream",
    ),
    Cost.WALK: (
        "scan", "hscan", "sscan", "zscan",  # COUNT sets the walk, MATCH hides the reply
        "memory|usage", "memory|purge", "pubsub|channels", "pubsub|shardchannels",
        "lcs",  # quadratic in the two strings
        "lpos", "lrem", "linsert", "lset",
        "sdiff", "sinter", "sintercard",
        "zdiff", "zinter", "zintercard", "zunion",
        "zrange", "zrangebylex", "zrangebyscore", "zrevrangebylex", "zrevrangebyscore",  # LIMIT <offset> <count>
        "zremrangebylex", "zremrangebyrank", "zremrangebyscore",
        "geosearch", "georadius_ro", "georadiusbymember_ro",
    ),
    Cost.COUNT: ("hrandfield", "srandmember", "zrandmember"),
    Cost.GROWTH: (
        "setrange", "setbit", "bitfield", "bitop", "copy",
        "sunionstore", "sinterstore", "sdiffstore",
        "zunionstore", "zinterstore", "zdiffstore", "zrangestore",
        "georadius", "georadiusbymember", "geosearchstore",  # STORE / STOREDIST
    ),
    Cost.PENDING: ("xreadgroup",),
    Cost.QUEUE: ("multi", "exec", "discard"),
    Cost.RETAIN: ("client|tracking", "watch"),
    Cost.NAME: (
        "hello",  # exempt from ACL rules (a connection runs it before it logs in)
        "client|setname",
        "client|setinfo",  # 7.2
    ),
    Cost.SWITCH: ("client|reply",),
}  # fmt: skip

#: Every classified command and its class.
COSTS: Final[Mapping[str, Cost]] = {name: cost for cost, names in _TABLE.items() for name in names}
if len(COSTS) != sum(len(names) for names in _TABLE.values()):  # pragma: no cover - a table edit
    raise AssertionError("a command is listed twice in agentsmith._costs._TABLE")

#: What the guard and the agent role may run: classes with a bound no client can lift.
#: ``PENDING`` and ``NAME`` stay, bounded per command and per connection only (agents read with
#: consumer groups; HELLO cannot be denied): docs/security.md, "What remains".
BOUNDED: Final = frozenset({Cost.ARGS, Cost.VALUE, Cost.REPLY, Cost.PENDING, Cost.NAME})


def names_of(*costs: Cost) -> tuple[str, ...]:
    """The commands of the given classes, in table order."""
    return tuple(name for cost in costs for name in _TABLE[cost])


def bounded(name: str) -> bool:
    """True when the command's class is in :data:`BOUNDED` (unlisted commands are not)."""
    return COSTS.get(name) in BOUNDED
