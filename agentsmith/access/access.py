"""RedisAccess: who may log in to an ``EphemeralRedis`` and what they may run, built by one of four factories.

What each mode writes into the pod is resolved by ``agentsmith.access.server``; docs/security.md, "Least
privilege on the bus", compares the modes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Final, Literal

from agentsmith.access.auth import RedisAuth
from agentsmith.access.roles import RedisRole
from agentsmith.core import limits, redis_props
from agentsmith.core.rules import PathArg, boolean, fail
from agentsmith.core.values import FactoryBuilt, frozen_sequence
from agentsmith.endpoint import SecretKeyRef

__all__ = ["DEFAULT_ACCESS", "DEFAULT_MAX_CLIENTS", "DEFAULT_MAX_VALUE_SIZE", "AccessMode", "RedisAccess"]

#: Which factory built a :class:`RedisAccess` (its ``mode``).
AccessMode = Literal["open", "seed_exact", "password", "roles"]
#: ``max_clients`` by default: 10000, Redis's own default made explicit.
DEFAULT_MAX_CLIENTS: Final = limits.DEFAULT_MAX_CLIENTS
#: ``max_value_size`` by default: ``"8mb"`` (``--proto-max-bulk-len``; Redis's own default is 512mb).
DEFAULT_MAX_VALUE_SIZE: Final = limits.PROTO_MAX_BULK_LEN
_FACTORIES: Final = (
    "RedisAccess.open(), RedisAccess.seed_exact(), RedisAccess.password(auth) or RedisAccess.roles([...])"
)


@dataclass(frozen=True, init=False, repr=False)
class RedisAccess(FactoryBuilt):
    """How clients log in to an ``EphemeralRedis`` (``access=``); build it with a factory, :meth:`open` by default.

    Attributes:
        mode: the factory that built it (:data:`AccessMode`).
        auth: the password's Secret (:meth:`password`), else ``None``.
        acl_roles: the ACL users (:meth:`roles`), else ``None``.
        command_guard: ``True`` unless :meth:`seed_exact` or ``password(..., command_guard=False)``.
        max_clients: ``--maxclients`` with the guard, else ``None``.
        max_value_size: ``--proto-max-bulk-len`` with the guard, else ``None``.
        strict_readiness: readiness passes only on ``PONG`` (always with a password).
        connection_secret: where the URL is published (``None``: the default name, or a password mode).
        publish_connection_secret: whether the construct creates that Secret (never in password modes).
    """

    mode: AccessMode
    auth: RedisAuth | None
    acl_roles: tuple[RedisRole, ...] | None
    command_guard: bool
    max_clients: int | None
    max_value_size: str | None
    strict_readiness: bool
    connection_secret: SecretKeyRef | None
    publish_connection_secret: bool

    _factories: ClassVar[str] = _FACTORIES

    @classmethod
    def _new(
        cls,
        mode: AccessMode,
        *,
        auth: RedisAuth | None = None,
        acl_roles: tuple[RedisRole, ...] | None = None,
        command_guard: bool = True,
        max_clients: int | None = None,
        max_value_size: str | None = None,
        strict_readiness: bool = False,
        connection_secret: SecretKeyRef | None = None,
        publish_connection_secret: bool = False,
    ) -> RedisAccess:
        return cls._build(
            mode=mode,
            auth=auth,
            acl_roles=acl_roles,
            command_guard=command_guard,
            max_clients=max_clients,
            max_value_size=max_value_size,
            strict_readiness=strict_readiness,
            connection_secret=connection_secret,
            publish_connection_secret=publish_connection_secret,
        )

    def __repr__(self) -> str:
        """The factory call that builds this value (arguments that differ from the defaults only)."""
        args: list[str] = []
        if self.mode == "roles":
            args = [repr(self.acl_roles)]
        elif self.mode == "password":
            args = [repr(self.auth)]
            if self.command_guard is not True:
                args.append(f"command_guard={self.command_guard!r}")
        else:
            if self.mode == "open" and self.strict_readiness is not False:
                args.append(f"strict_readiness={self.strict_readiness!r}")
            if self.connection_secret is not None:
                args.append(f"connection_secret={self.connection_secret!r}")
            if self.publish_connection_secret is not True:
                args.append(f"publish_connection_secret={self.publish_connection_secret!r}")
        if self.max_clients is not None and self.max_clients != DEFAULT_MAX_CLIENTS:
            args.append(f"max_clients={self.max_clients!r}")
        if self.max_value_size is not None and self.max_value_size != DEFAULT_MAX_VALUE_SIZE:
            args.append(f"max_value_size={self.max_value_size!r}")
        return f"RedisAccess.{self.mode}({', '.join(args)})"

    # -- factories -------------------------------------------------------

    @classmethod
    def open(
        cls,
        *,
        max_clients: int = DEFAULT_MAX_CLIENTS,
        max_value_size: str = DEFAULT_MAX_VALUE_SIZE,
        strict_readiness: bool = False,
        connection_secret: SecretKeyRef | None = None,
        publish_connection_secret: bool = True,
    ) -> RedisAccess:
        """No password (seed) with the command guard: the default ``access``.

        Redis gets the seed's args, ``--protected-mode no`` (docs/security.md, "Protected mode"), the guard's
        ACL line and the client bounds (docs/security.md, "Least privilege on the bus").

        Args:
            max_clients: Default ``10000`` (Redis's own). ``--maxclients``: from 3 (two probes and a client)
                to 1,048,544 (Linux's open-file ceiling minus Redis's 32).
            max_value_size: Default ``"8mb"``. ``--proto-max-bulk-len``, the largest argument or connection
                name; from ``"1mb"`` to one client's output limit (``"24mb"`` by default).
            strict_readiness: Default ``False``: the seed's ``redis-cli ping``, which passes while Redis
                refuses every client. ``True``: readiness passes only on ``PONG``.
            connection_secret: Default ``None``: ``agentsmith-secrets``/``redis-url`` (seed) for the Redis
                named ``"redis"``, else ``<name>-connection``/``redis-url``. Where the URL is published.
            publish_connection_secret: Default ``True``. Create that Secret.
        """
        return cls._new(
            "open",
            max_clients=max_clients,
            max_value_size=max_value_size,
            strict_readiness=strict_readiness,
            connection_secret=connection_secret,
            publish_connection_secret=publish_connection_secret,
        )

    @classmethod
    def seed_exact(
        cls, *, connection_secret: SecretKeyRef | None = None, publish_connection_secret: bool = True
    ) -> RedisAccess:
        """The seed's args exactly: no password, no guard, no bounds; any client may run CONFIG SET, FLUSHALL, ...

        Args:
            connection_secret: Default ``None``: as for :meth:`open`.
            publish_connection_secret: Default ``True``: as for :meth:`open`.
        """
        return cls._new(
            "seed_exact",
            command_guard=False,
            connection_secret=connection_secret,
            publish_connection_secret=publish_connection_secret,
        )

    @classmethod
    def password(
        cls,
        auth: RedisAuth,
        *,
        command_guard: bool = True,
        max_clients: int = DEFAULT_MAX_CLIENTS,
        max_value_size: str = DEFAULT_MAX_VALUE_SIZE,
    ) -> RedisAccess:
        """A password from your Secret (:class:`~agentsmith.RedisAuth`); nothing is published, probes log in.

        Args:
            auth: the Secret and its keys; clients read the URL from ``auth.url_key``.
            command_guard: Default ``True``: the password on the guarded default user. ``False``:
                ``--requirepass`` after the seed's args and nothing else.
            max_clients: Default ``10000``: as for :meth:`open` (with the guard only).
            max_value_size: Default ``"8mb"``: as for :meth:`open` (with the guard only).
        """
        if command_guard is False:
            # Both bound clients as part of the guard: a value given here is refused by _check.
            given = None if max_clients == DEFAULT_MAX_CLIENTS else max_clients
            size = None if max_value_size == DEFAULT_MAX_VALUE_SIZE else max_value_size
            return cls._new(
                "password",
                auth=auth,
                command_guard=False,
                max_clients=given,
                max_value_size=size,
                strict_readiness=True,
            )
        return cls._new(
            "password",
            auth=auth,
            command_guard=command_guard,
            max_clients=max_clients,
            max_value_size=max_value_size,
            strict_readiness=True,
        )

    @classmethod
    def roles(
        cls,
        roles: Sequence[RedisRole],
        *,
        max_clients: int = DEFAULT_MAX_CLIENTS,
        max_value_size: str = DEFAULT_MAX_VALUE_SIZE,
    ) -> RedisAccess:
        """One ACL user per kind of client (:class:`~agentsmith.RedisRole`) and the default user off.

        Nothing is published: each role's clients read :attr:`RedisRole.connection`. Probes log in as the
        first role; the guard's client bounds apply.

        Args:
            roles: at least one role, with distinct names, variables and Secret keys.
            max_clients: Default ``10000``: as for :meth:`open`.
            max_value_size: Default ``"8mb"``: as for :meth:`open`.
        """
        return cls._new(
            "roles",
            acl_roles=frozen_sequence(roles),
            max_clients=max_clients,
            max_value_size=max_value_size,
            strict_readiness=True,
        )

    # -- checks ----------------------------------------------------------

    @staticmethod
    def _check(path: PathArg, value: object, *, prop: str = "access") -> RedisAccess:
        """``access``: a RedisAccess from a factory, with every field valid."""
        if not isinstance(value, RedisAccess):
            raise fail(path, "access", value, "must be an agentsmith.RedisAccess", f"Use {_FACTORIES}.")
        if value.mode == "password":
            if not isinstance(value.auth, RedisAuth):
                raise fail(
                    path,
                    "access.auth",
                    value.auth,
                    "must be an agentsmith.RedisAuth",
                    "Pass RedisAccess.password(RedisAuth(secret_name=...)).",
                )
            RedisAuth._check(path, value.auth, prop="access.auth")
        if value.mode == "roles":
            if value.acl_roles is None:
                raise fail(
                    path,
                    "access.roles",
                    None,
                    "must be a non-empty sequence of agentsmith.RedisRole",
                    "Pass RedisAccess.roles([RedisRole.dispatcher(secret_name=...), "
                    "RedisRole.agent(secret_name=...)]).",
                )
            RedisRole._check_all(path, value.acl_roles, prop="access.roles")
        boolean(
            path,
            "access.command_guard",
            value.command_guard,
            fix="Use RedisAccess.password(auth, command_guard=False), or leave it out (True).",
        )
        if value.command_guard:
            redis_props.max_clients(path, value.max_clients, prop="access.max_clients")
            redis_props.max_value_size(path, value.max_value_size, prop="access.max_value_size")
        elif value.max_clients is not None:
            raise fail(
                path,
                "access.max_clients",
                value.max_clients,
                "applies only with the command guard (--maxclients is one of its bounds)",
                "Drop max_clients, or keep command_guard=True.",
            )
        elif value.max_value_size is not None:
            raise fail(
                path,
                "access.max_value_size",
                value.max_value_size,
                "applies only with the command guard (--proto-max-bulk-len is one of its bounds)",
                "Drop max_value_size, or keep command_guard=True.",
            )
        boolean(
            path,
            "access.strict_readiness",
            value.strict_readiness,
            fix="Use RedisAccess.open(strict_readiness=True), or leave it out (False).",
        )
        if value.connection_secret is not None:
            SecretKeyRef._check(path, value.connection_secret, prop="access.connection_secret")
        boolean(
            path,
            "access.publish_connection_secret",
            value.publish_connection_secret,
            fix="Use RedisAccess.open(publish_connection_secret=False), or leave it out (True).",
        )
        return value


#: The seed's access: no password, with the command guard (:meth:`RedisAccess.open` with its defaults).
DEFAULT_ACCESS: Final = RedisAccess.open()
