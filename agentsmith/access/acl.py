"""Redis ACL rules: the command guard and the roles' permissions, as ``--user`` args (each states the whole user).

How redis-server reads them: DEVELOPMENT.md, "Why the code is shaped so".
"""

from __future__ import annotations

from typing import Final

from agentsmith.access import costs
from agentsmith.access.costs import Cost

__all__ = [
    "AGENT_COMMANDS",
    "AMPLIFIERS",
    "DEFAULT_USER_OFF",
    "DISPATCHER_COMMANDS",
    "GUARD_COMMANDS",
    "METRICS_PASSWORD_ENV",
    "PASSWORD_ENV",
    "REDISCLI_AUTH_ENV",
    "UNBOUNDED",
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

#: Memory amplifiers, denied to every user: commands that write far more than
#: their arguments in one command (an offset, a copy, a computed result), so one
#: command (or a MULTI of many, where Redis evicts only before EXEC) grows memory
#: past maxmemory and the container limit (``Cost.GROWTH`` in ``agentsmith._costs``).
AMPLIFIERS: Final = tuple(f"-{name}" for name in costs.names_of(Cost.GROWTH))

#: CLIENT subcommands the guard and the agent role keep, after ``-client``: a
#: CLIENT subcommand a later Redis adds stays denied until it is classified here,
#: and every name exists in Redis 7.0 (an unknown name would stop Redis from starting). So
#: 7.2's CLIENT SETINFO is refused on 7.2 and later: redis-py, ioredis and go-redis send it
#: when they connect and go on when it fails.
_CLIENT_KEPT: Final = (
    "caching",
    "getname",
    "getredir",
    "help",
    "id",
    "info",
    "setname",
    "trackinginfo",
)

#: Denied to the guard's default user and the agent role: every command without a
#: bound that holds against a hostile client (``agentsmith._costs``, ``BOUNDED``):
#: whole-structure walks (``Cost.WALK``), the random-member family (``Cost.COUNT``),
#: MULTI/EXEC (``Cost.QUEUE``), WATCH (``Cost.RETAIN``), then CLIENT except the
#: subcommands above (so CLIENT REPLY, TRACKING and NO-EVICT go).
UNBOUNDED: Final = (
    *(f"-{name}" for name in costs.names_of(Cost.WALK, Cost.COUNT, Cost.QUEUE) if "|" not in name),
    *(f"-{name}" for name in costs.names_of(Cost.WALK) if "|" in name),
    # WATCH; CLIENT TRACKING and CLIENT REPLY go with "-client" below
    *(f"-{name}" for name in costs.names_of(Cost.RETAIN, Cost.SWITCH) if not name.startswith("client|")),
    "-client",
    *(f"+client|{sub}" for sub in _CLIENT_KEPT),
)

#: The guard's commands (``RedisAccess.open`` and ``RedisAccess.password``): every command except
#: @admin, @dangerous, @scripting, the amplifiers and the unbounded. Scripting is
#: off because one endless script blocks every client (BUSY) until SCRIPT KILL;
#: ACL rules do apply inside scripts, so it is not a way around the guard.
GUARD_COMMANDS: Final = ("+@all", "-@scripting", *_DENY_LAST, *AMPLIFIERS, *UNBOUNDED, *_ALLOW_AFTER)
#: The dispatcher role (trusted, logged in): the guard's commands, with the unbounded ones kept
#: (MULTI/EXEC, WATCH, client names, whole-structure reads, ...).
DISPATCHER_COMMANDS: Final = ("+@all", "-@scripting", *_DENY_LAST, *AMPLIFIERS, *_ALLOW_AFTER)

#: The agent role's commands: what a message-bus client needs and nothing more.
#: @connection: PING, AUTH, SELECT, CLIENT ID/GETNAME, RESET, ...;
#: data: strings, hashes, lists, streams, pub/sub (pipelines without MULTI);
#: keys: expiry, delete, exists, TYPE. Taken away again, as they show names
#: outside the agent's pattern: PUBSUB (lists every channel) and SELECT of any
#: database but 0 (keys in other databases are out of the dispatcher's sight).
AGENT_COMMANDS: Final = (
    "-@all",
    "+@connection",
    "+@string",
    "+@hash",
    "+@list",
    "+@stream",
    "+@pubsub",
    "+expire",
    "+pexpire",
    "+ttl",
    "+pttl",
    "+persist",
    "+del",
    "+unlink",
    "+exists",
    "+type",
    *_DENY_LAST,
    *AMPLIFIERS,
    *UNBOUNDED,
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
