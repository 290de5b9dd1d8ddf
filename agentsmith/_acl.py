"""Redis ACL rules: the command guard and the roles' permissions, as ``--user`` args.

Every ``--name`` on redis-server's command line starts a config directive and
the arguments up to the next ``--name`` are its value, so ``["--user",
"default", "on", ...]`` is the config line ``user default on ...``. A ``user``
line resets the user before applying its rules, so each line below states the
whole user. Rules apply left to right: the ``-@admin -@dangerous`` at the end of
every list removes what a category added before (``@list`` holds ``SORT``,
``@connection`` holds ``CLIENT KILL``).

A ``user default`` line also replaces what ``--requirepass`` set, so with a
password the guard carries it itself (``>password``) instead of ``--requirepass``.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "AGENT_COMMANDS",
    "AMPLIFIERS",
    "BLOCKERS",
    "DEFAULT_USER_OFF",
    "DISPATCHER_COMMANDS",
    "GUARD_COMMANDS",
    "METRICS_PASSWORD_ENV",
    "PASSWORD_ENV",
    "REDISCLI_AUTH_ENV",
    "RETAINERS",
    "agent_user",
    "dispatcher_user",
    "guard_user",
    "role_password_env",
]

#: The Redis container's variable holding ``RedisAccess.password``'s password, for ``>$(...)`` or ``--requirepass``.
PASSWORD_ENV: Final = "REDIS_PASSWORD"
#: The Redis container's variable holding the ``metrics`` user's own password (``RedisMetrics.password``).
METRICS_PASSWORD_ENV: Final = "REDIS_METRICS_PASSWORD"
#: redis-cli (the probes) reads the password to log in with from this variable.
REDISCLI_AUTH_ENV: Final = "REDISCLI_AUTH"


def role_password_env(name: str, *, previous: bool = False) -> str:
    """The variable holding a role's password: ``REDIS_AGENT_PASSWORD`` (``..._PREVIOUS_PASSWORD``)."""
    stem = name.upper().replace("-", "_")
    return f"REDIS_{stem}_PREVIOUS_PASSWORD" if previous else f"REDIS_{stem}_PASSWORD"


#: Taken away last from every user: CONFIG, ACL SETUSER, SHUTDOWN, FLUSHALL,
#: REPLICAOF, MONITOR, CLIENT KILL/PAUSE, DEBUG, MODULE, SAVE, KEYS, SORT, ...
_DENY_LAST: Final = ("-@admin", "-@dangerous")
#: INFO is in @dangerous (it reveals server details) but ioredis's ready check
#: sends it on every connect; it changes nothing, so it comes back.
_ALLOW_AFTER: Final = ("+info",)

#: Memory amplifiers, denied to every user: commands whose result is far bigger
#: than their arguments, so one command (or a MULTI/EXEC of many, where Redis
#: evicts only before EXEC) grows memory past maxmemory and the container limit.
#: SETRANGE/SETBIT/BITFIELD write at an offset (up to proto-max-bulk-len each);
#: COPY duplicates a key; the *STORE commands and BITOP write a computed result.
#: Read-only forms stay: GETRANGE, GETBIT, BITFIELD_RO, GEORADIUS_RO, GEOSEARCH,
#: ZRANGE, SUNION, ... (their replies are bounded by the output-buffer limit).
#: SORT ... STORE is already out with @dangerous.
AMPLIFIERS: Final = (
    "-setrange",
    "-setbit",
    "-bitfield",
    "-bitop",
    "-copy",
    "-sunionstore",
    "-sinterstore",
    "-sdiffstore",
    "-zunionstore",
    "-zinterstore",
    "-zdiffstore",
    "-zrangestore",
    "-georadius",
    "-georadiusbymember",
    "-geosearchstore",
)

#: Memory retainers, denied to the guard's default user and the agent role:
#: WATCH keeps every watched key name (up to proto-max-bulk-len each, any number
#: of them per connection) until EXEC, outside ``maxmemory-clients`` (Redis
#: counts only a few bytes per watched key), so one connection can grow Redis
#: without bound. CLIENT SETNAME is not here: ``HELLO 3 SETNAME`` sets the same
#: name and HELLO is exempt from ACL rules (docs/security.md, "Hostile clients").
RETAINERS: Final = ("-watch",)

#: CPU blockers, denied to the guard's default user and the agent role: list
#: commands that scan the whole list and answer in a few bytes (LPOS with
#: MAXLEN 0, LREM, LINSERT, LSET). Their reply never reaches the output-buffer
#: limit, so a pipeline or a MULTI of many of them on a long list blocks Redis
#: for minutes. Reads with long replies (LRANGE 0 -1, ...) stop at that limit.
BLOCKERS: Final = ("-lpos", "-lrem", "-linsert", "-lset")

#: The guard's commands (``RedisAccess.open`` and ``RedisAccess.password``): every command except
#: @admin, @dangerous, @scripting, the amplifiers, the retainers and the
#: blockers. Scripting is off because one endless script blocks every client
#: (BUSY) until SCRIPT KILL; ACL rules do apply inside scripts, so it is not a
#: way around the guard.
GUARD_COMMANDS: Final = ("+@all", "-@scripting", *_DENY_LAST, *AMPLIFIERS, *RETAINERS, *BLOCKERS, *_ALLOW_AFTER)
#: The dispatcher role (trusted, logged in): the guard's commands, with WATCH
#: and the list scans kept.
DISPATCHER_COMMANDS: Final = ("+@all", "-@scripting", *_DENY_LAST, *AMPLIFIERS, *_ALLOW_AFTER)

#: The agent role's commands: what a message-bus client needs and nothing more.
#: @connection: PING, HELLO, AUTH, SELECT, CLIENT SETNAME/SETINFO, RESET, ...;
#: data: strings, hashes, lists, streams, pub/sub, MULTI/EXEC (redis-py's
#: pipelines); keys: expiry, delete, exists, SCAN, TYPE. Taken away again, as
#: they show names outside the agent's pattern: CLIENT TRACKING (invalidation
#: messages name other keys), PUBSUB (lists every channel) and SELECT of any
#: database but 0 (keys in other databases are out of the dispatcher's sight).
AGENT_COMMANDS: Final = (
    "-@all",
    "+@connection",
    "+@string",
    "+@hash",
    "+@list",
    "+@stream",
    "+@pubsub",
    "+@transaction",
    "+expire",
    "+pexpire",
    "+ttl",
    "+pttl",
    "+persist",
    "+del",
    "+unlink",
    "+exists",
    "+scan",
    "+type",
    *_DENY_LAST,
    *AMPLIFIERS,
    *RETAINERS,
    *BLOCKERS,
    "-client|tracking",
    "-pubsub",
    "-select",
    "+select|0",
    *_ALLOW_AFTER,
)

#: Roles mode: the default user is off and has no password and no keys;
#: ``resetpass`` also clears ``nopass``, so protected mode (which refuses remote
#: clients while the default user has ``nopass``) does not turn on.
DEFAULT_USER_OFF: Final = ("--user", "default", "off", "resetpass", "resetkeys", "resetchannels", "-@all")


def guard_user(password_env: str | None) -> list[str]:
    """The guarded default user: no password (seed mode) or the one in ``$(password_env)``."""
    password = "nopass" if password_env is None else f">$({password_env})"
    return ["--user", "default", "on", password, "~*", "&*", *GUARD_COMMANDS]


def _passwords(password_envs: tuple[str, ...]) -> list[str]:
    return [f">$({env})" for env in password_envs]


def dispatcher_user(username: str, password_envs: tuple[str, ...], pattern: str) -> list[str]:
    """A dispatcher: the guard's commands on keys and channels matching ``pattern``."""
    return ["--user", username, "on", *_passwords(password_envs), f"~{pattern}", f"&{pattern}", *DISPATCHER_COMMANDS]


def agent_user(username: str, password_envs: tuple[str, ...], pattern: str) -> list[str]:
    """An agent: :data:`AGENT_COMMANDS` on keys and channels matching ``pattern``."""
    return ["--user", username, "on", *_passwords(password_envs), f"~{pattern}", f"&{pattern}", *AGENT_COMMANDS]
