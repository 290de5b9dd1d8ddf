"""What an access mode writes into the Redis pod: :class:`ServerAccess`, resolved once by :func:`resolve`.

The one interface between ``RedisAccess`` and ``EphemeralRedis``: the construct writes what comes back and
has no mode branches of its own. The exporter's login by mode: docs/operations.md; the probes: docs/security.md,
"Honest probes".
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

from agentsmith.access import acl
from agentsmith.access.access import RedisAccess
from agentsmith.access.roles import RedisRole
from agentsmith.core import limits, seed
from agentsmith.core.rules import PathArg, dns_subdomain, fail
from agentsmith.endpoint import SecretKeyRef

__all__ = [
    "EXPORTER_COMMANDS",
    "MAXCLIENTS_REFUSAL",
    "METRICS_USER",
    "ExporterLogin",
    "ServerAccess",
    "resolve",
]

#: No-password mode only: clients from other pods are the design (docs/security.md, "Protected mode").
_PROTECTED_MODE_OFF: Final = ("--protected-mode", "no")
#: What Redis answers (and redis-cli prints, after ``AUTH failed:`` when it logs in) once ``maxclients`` is full.
MAXCLIENTS_REFUSAL: Final = "max number of clients reached"
#: The exporter's ACL user (with the command guard). Not a role name.
METRICS_USER: Final = "metrics"
#: What redis_exporter runs on each scrape besides INFO/PING (all read-only): CONFIG GET * (maxmemory,
#: maxclients), LATENCY LATEST/HISTOGRAM, SLOWLOG GET/LEN, and CLIENT SETNAME for its own name.
EXPORTER_COMMANDS: Final = (
    "-@all",
    "+ping",
    "+info",
    "+client|setname",
    "+config|get",
    "+latency|latest",
    "+latency|histogram",
    "+slowlog|get",
    "+slowlog|len",
)
#: redis_exporter reads its password from this variable.
_EXPORTER_PASSWORD_ENV: Final = "REDIS_PASSWORD"
#: The exporter sends AUTH only with a non-empty password; a ``nopass`` user accepts any, so this is no secret.
_NOPASS: Final = "nopass"


@dataclass(frozen=True)
class ExporterLogin:
    """How the exporter logs in.

    Attributes:
        user: ``--redis.user`` (None: the default user, and no ``metrics`` user).
        password: the Secret key the exporter reads its password from (None:
            none, or ``nopass`` for a ``metrics`` user without a password).
        redis_env: the Redis container's variable holding the metrics user's
            password, for ``>$(...)`` in its ``--user`` line (None: ``nopass``).
    """

    user: str | None
    password: SecretKeyRef | None
    redis_env: str | None

    def exporter_env(self) -> list[dict[str, Any]]:
        """The exporter container's ``env``: its password, ``nopass`` for a user without one, else none."""
        if self.password is not None:
            return [self.password._env_var(_EXPORTER_PASSWORD_ENV)]
        if self.user is not None:
            return [{"name": _EXPORTER_PASSWORD_ENV, "value": _NOPASS}]
        return []


@dataclass(frozen=True, kw_only=True)
class ServerAccess:
    """What one access mode writes into the Redis pod (see :func:`resolve`).

    Attributes:
        args: redis-server args after the seed's six (and ``--port``).
        env: the Redis container's env entries (password variables).
        liveness: the liveness probe's command.
        readiness: the readiness probe's command.
        connection: the Secret key clients read the URL from.
        exporter: the exporter's login, or None without metrics.
        client_memory_bound: ``--maxmemory-clients`` in bytes, or None without the guard.
        roles: the ACL roles by name (empty unless ``RedisAccess.roles``).
    """

    args: tuple[str, ...]
    env: tuple[Mapping[str, Any], ...]
    liveness: tuple[str, ...]
    readiness: tuple[str, ...]
    connection: SecretKeyRef
    exporter: ExporterLogin | None
    client_memory_bound: int | None
    roles: Mapping[str, RedisRole]

    def role(self, path: PathArg, name: object) -> RedisRole:
        """The role named ``name``, or an error listing the roles there are."""
        if not isinstance(name, str) or name not in self.roles:
            raise fail(
                path,
                "role",
                name,
                f"is not a role of this Redis (roles: {', '.join(sorted(self.roles)) or 'none'})",
                "Pass the name of one of the RedisRole objects given to RedisAccess.roles([...]).",
            )
        return self.roles[name]


def resolve(
    access: RedisAccess,
    path: PathArg,
    *,
    redis_name: str,
    port: int,
    client_budget: int,
    metrics: bool,
    metrics_password: SecretKeyRef | None,
) -> ServerAccess:
    """Resolve what ``access`` writes for the Redis named ``redis_name`` (``access`` is checked).

    Raises:
        AgentsmithConfigError: ``metrics_password`` does not fit the mode, or a role is named ``metrics``.
    """
    login = _exporter_login(path, access, metrics_password) if metrics else None
    exporter_user = acl_user(login.redis_env) if login is not None and login.user is not None else []
    env = _env(access)
    if login is not None and login.redis_env == acl.METRICS_PASSWORD_ENV and login.password is not None:
        env.append(login.password._env_var(acl.METRICS_PASSWORD_ENV))  # the metrics user's own password
    cli = _probe_cli(access, ["-p", str(port)] if port != seed.REDIS_PORT else [])
    password = access.auth is not None or access.acl_roles is not None
    return ServerAccess(
        args=tuple(_server_args(access, client_budget=client_budget, exporter_user=exporter_user)),
        env=tuple(env),
        liveness=tuple(_liveness(cli, password=password)),
        # Without a password: the seed's probe, exactly (a seed value), unless strict_readiness.
        readiness=tuple(_readiness(cli, seed=not access.strict_readiness)),
        connection=_connection(access, path, redis_name),
        exporter=login,
        client_memory_bound=client_budget if access.command_guard else None,
        roles=MappingProxyType({role.name: role for role in access.acl_roles or ()}),
    )


def acl_user(password_env: str | None) -> list[str]:
    """The exporter's ``--user`` directive: read-only server commands, no keys, no channels."""
    password = _NOPASS if password_env is None else f">$({password_env})"
    return ["--user", METRICS_USER, "on", password, "resetkeys", "resetchannels", *EXPORTER_COMMANDS]


def _server_args(access: RedisAccess, *, client_budget: int, exporter_user: Sequence[str]) -> list[str]:
    args: list[str] = []
    if access.acl_roles is not None:
        args += acl.DEFAULT_USER_OFF
        for role in access.acl_roles:
            args += role.redis_args()
    elif access.command_guard:
        if access.auth is None:
            args += _PROTECTED_MODE_OFF
        args += acl.guard_user(None if access.auth is None else acl.PASSWORD_ENV)
    elif access.auth is not None:
        args += ["--requirepass", f"$({acl.PASSWORD_ENV})"]
    args += exporter_user
    if access.max_clients is not None and access.max_value_size is not None:  # the guard's bounds, set together
        args += limits.server_args(client_budget, access.max_clients, access.max_value_size)
    return args


def _probe_cli(access: RedisAccess, port: Sequence[str]) -> list[str]:
    """``redis-cli [-p PORT] [--user ROLE] ping``: what both probes ask."""
    client, *rest = seed.PROBE_COMMAND
    user = ["--user", access.acl_roles[0].name] if access.acl_roles is not None else []
    return [client, *port, *user, *rest]


def _readiness(cli: list[str], *, seed: bool) -> list[str]:
    """``cli`` as is when ``seed``, else passing only on ``PONG`` (``redis-cli ping`` exits 0 on every reply)."""
    if seed:
        return cli
    return ["sh", "-c", f'[ "$({shlex.join(cli)})" = PONG ]']


def _liveness(cli: list[str], *, password: bool) -> list[str]:
    """``cli`` as is without a password (any reply is alive), else ``PONG`` or the maxclients refusal."""
    if not password:
        return cli
    return [
        "sh",
        "-c",
        f'case "$({shlex.join(cli)} 2>&1)" in PONG|*"{MAXCLIENTS_REFUSAL}"*) exit 0;; esac; exit 1',
    ]


def _env(access: RedisAccess) -> list[dict[str, Any]]:
    """The Redis container's password variables (none without a password)."""
    if access.auth is not None:
        return [
            SecretKeyRef(name=access.auth.secret_name, key=access.auth.password_key)._env_var(acl.PASSWORD_ENV),
            # redis-cli (the probes) reads the password from REDISCLI_AUTH.
            {"name": acl.REDISCLI_AUTH_ENV, "value": f"$({acl.PASSWORD_ENV})"},
        ]
    if access.acl_roles is not None:
        env = [ref._env_var(name) for role in access.acl_roles for name, ref in role.password_refs()]
        # The probes log in as the first role (redis-cli --user <name>).
        env.append({"name": acl.REDISCLI_AUTH_ENV, "value": f"$({access.acl_roles[0].password_env})"})
        return env
    return []


def _connection(access: RedisAccess, path: PathArg, redis_name: str) -> SecretKeyRef:
    """Where clients read the URL: the first role's key, the ``auth`` Secret's, or the published one."""
    if access.acl_roles is not None:
        return access.acl_roles[0].connection
    if access.auth is not None:
        return SecretKeyRef(name=access.auth.secret_name, key=access.auth.url_key)
    if access.connection_secret is not None:
        return access.connection_secret
    if redis_name == seed.REDIS_NAME:
        return SecretKeyRef(name=seed.SECRET_NAME, key=seed.SECRET_KEY_REDIS_URL)
    derived = dns_subdomain(path, "access.connection_secret.name", f"{redis_name}-connection")
    return SecretKeyRef(name=derived, key=seed.SECRET_KEY_REDIS_URL)


def _exporter_login(path: PathArg, access: RedisAccess, own: SecretKeyRef | None) -> ExporterLogin:
    """The exporter's login for ``access``; raise when ``own`` (``metrics.password``) does not fit it."""
    auth, roles = access.auth, access.acl_roles
    if not access.command_guard:
        if own is not None:
            raise fail(
                path,
                "metrics.password",
                own,
                "needs the command guard: without it (RedisAccess.seed_exact(), RedisAccess.password(..., "
                "command_guard=False)) Redis has only the default user",
                "Drop 'metrics.password' (the exporter then logs in as the default user).",
            )
        auth_ref = None if auth is None else SecretKeyRef(name=auth.secret_name, key=auth.password_key)
        return ExporterLogin(user=None, password=auth_ref, redis_env=None)
    if roles is not None:
        if own is None:
            raise fail(
                path,
                "metrics.password",
                None,
                "is required with RedisAccess.roles(...): the exporter logs in as its own ACL user 'metrics'",
                "Pass RedisMetrics(password=SecretKeyRef(name='redis-metrics', key='redis-password')).",
            )
        for index, role in enumerate(roles):
            if role.name == METRICS_USER:
                raise fail(
                    path,
                    f"access.roles[{index}].name",
                    role.name,
                    f"cannot be {METRICS_USER!r} with metrics=RedisMetrics(...): the exporter's ACL user has that name",
                    "Rename the role.",
                )
    if own is not None:
        return ExporterLogin(user=METRICS_USER, password=own, redis_env=acl.METRICS_PASSWORD_ENV)
    if auth is not None:
        ref = SecretKeyRef(name=auth.secret_name, key=auth.password_key)
        return ExporterLogin(user=METRICS_USER, password=ref, redis_env=acl.PASSWORD_ENV)
    # No password anywhere: a user without one, as the default user is; it can do less than that user.
    return ExporterLogin(user=METRICS_USER, password=None, redis_env=None)
