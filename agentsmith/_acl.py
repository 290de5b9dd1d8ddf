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
    "DEFAULT_USER_OFF",
    "DISPATCHER_COMMANDS",
    "GUARD_COMMANDS",
    "agent_user",
    "dispatcher_user",
    "guard_user",
]

#: Taken away last from every user: CONFIG, ACL SETUSER, SHUTDOWN, FLUSHALL,
#: REPLICAOF, MONITOR, CLIENT KILL/PAUSE, DEBUG, MODULE, SAVE, KEYS, SORT, ...
_DENY_LAST: Final = ("-@admin", "-@dangerous")
#: INFO is in @dangerous (it reveals server details) but ioredis's ready check
#: sends it on every connect; it changes nothing, so it comes back.
_ALLOW_AFTER: Final = ("+info",)

#: The guard's commands (seed mode, and the dispatcher role): every command
#: except @admin, @dangerous and @scripting. Scripting is off because one
#: endless script blocks every client (BUSY) until SCRIPT KILL; ACL rules do
#: apply inside scripts, so it is not a way around the guard.
GUARD_COMMANDS: Final = ("+@all", "-@scripting", *_DENY_LAST, *_ALLOW_AFTER)
DISPATCHER_COMMANDS: Final = GUARD_COMMANDS

#: The agent role's commands: what a message-bus client needs and nothing more.
#: @connection: PING, HELLO, AUTH, SELECT, CLIENT SETNAME/SETINFO, RESET, ...;
#: data: strings, hashes, lists, streams, pub/sub, MULTI/EXEC (redis-py's
#: pipelines); keys: expiry, delete, exists, SCAN, TYPE.
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
