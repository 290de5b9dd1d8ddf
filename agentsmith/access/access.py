"""Who may log in to an ``EphemeralRedis`` and what they may run, as one value built by factories.

Four alternatives, one factory each; nothing else can be expressed:

=================================  ==========================================================================
factory                            what Redis gets
=================================  ==========================================================================
:meth:`RedisAccess.open`           no password (seed), ``--protected-mode no``, the command guard, client
                                   memory and connection bounds. The default.
:meth:`RedisAccess.seed_exact`     the seed's six args and nothing else: any client may run CONFIG SET,
                                   FLUSHALL, SHUTDOWN, ...
:meth:`RedisAccess.password`       a password from your Secret, on the guarded default user (or
                                   ``--requirepass`` with ``command_guard=False``)
:meth:`RedisAccess.roles`          the default user off, one ACL user per :class:`~agentsmith.RedisRole`
=================================  ==========================================================================

What each mode writes into the Redis pod is resolved once by
``agentsmith.access.server.resolve``.
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
    """How clients log in to an ``EphemeralRedis`` (``access=``). Build it with a factory.

    The default, :meth:`open`, is the seed's password-free Redis with the
    command guard. The attributes are read-only and tell which mode a value is:

    Attributes:
        mode: the factory that built the value: ``"open"``, ``"seed_exact"``,
            ``"password"`` or ``"roles"`` (:data:`AccessMode`).
        auth: the password's Secret (:meth:`password`), else ``None``.
        acl_roles: the ACL users (:meth:`roles`), else ``None``.
        command_guard: ``True`` unless :meth:`seed_exact` or
            ``password(..., command_guard=False)``.
        max_clients: ``--maxclients`` with the guard, else ``None``.
        max_value_size: ``--proto-max-bulk-len`` with the guard (the largest
            argument, string value and connection name), else ``None``.
        strict_readiness: readiness passes only on ``PONG`` (always with a
            password; opt-in for :meth:`open`).
        connection_secret: where the construct publishes its URL for clients
            (:meth:`open`, :meth:`seed_exact`; ``None``: the default name);
            ``None`` in the password modes, whose URL lives in your Secret.
        publish_connection_secret: whether the construct creates that Secret
            (``False`` in the password modes).
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
        """No password, as in the seed, with the command guard. The default ``access``.

        Redis gets the seed's six args, then ``--protected-mode no`` (upstream
        Redis refuses clients from other pods while the default user has no
        password; the official image turns that off itself), one ACL line for
        the default user that keeps clients away from admin, dangerous and
        scripting commands, the memory amplifiers, WATCH and the whole-list
        scans (docs/security.md, "Least privilege on the bus"), and bounds on
        client memory and connections.

        Args:
            max_clients: ``--maxclients``. Default ``10000`` (Redis's own
                default, made explicit). At least 3 (the two probes and one
                client), at most 1,048,544 (Linux's open-file ceiling minus
                Redis's 32). Redis needs ``max_clients + 32`` open files and
                lowers the value to what the runtime allows.
            max_value_size: ``--proto-max-bulk-len``, the largest argument
                and string value a client may send, and so the largest
                connection name one connection can make Redis keep
                (``HELLO ... SETNAME`` cannot be denied, and Redis does not
                count names in ``maxmemory-clients``). Default ``"8mb"``; at least
                ``"1mb"`` (Redis's floor), at most one client's output limit
                (half the client memory budget: ``"24mb"`` with the default
                sizing), so that every value can be read back. Raise it for
                bigger values; lower it to bound names further.
            strict_readiness: readiness passes only on the reply ``PONG``.
                Default ``False``: the seed's ``redis-cli ping`` (a seed
                value), which exits 0 on
                ``ERR max number of clients reached``, so a Redis whose
                connection table is full stays Ready while it refuses every
                new client.
            connection_secret: the Secret key the construct publishes its
                URL under. Default ``None``: ``agentsmith-secrets``/``redis-url``
                (seed) for the Redis named ``"redis"``, else
                ``<name>-connection``/``redis-url``.
            publish_connection_secret: create that Secret. Default ``True``.
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
        """The seed's args exactly: no password, no command guard, no client bounds.

        Any client may then run CONFIG SET, FLUSHALL, SHUTDOWN, ... The
        manifest is the seed's, which reaches clients in other pods only with
        an image that turns protected mode off itself, as the official image
        does. Probes are the seed's ``redis-cli ping``.

        Args:
            connection_secret: as for :meth:`open`. Default ``None``.
            publish_connection_secret: as for :meth:`open`. Default ``True``.
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
        """A password from an existing Secret (:class:`~agentsmith.RedisAuth`).

        With the guard the password is set on the guarded default user
        (``>$(REDIS_PASSWORD)``); with ``command_guard=False`` it is
        ``--requirepass $(REDIS_PASSWORD)`` after the seed's args and nothing
        else is added. The probes log in (``REDISCLI_AUTH``) and readiness
        passes only on ``PONG``. Nothing is published: clients read the URL
        from ``auth.url_key`` of your Secret.

        Args:
            auth: the Secret and its keys.
            command_guard: keep clients away from admin and destructive
                commands and bound their memory and connections. Default ``True``.
            max_clients: as for :meth:`open` (with the guard only). Default ``10000``.
            max_value_size: as for :meth:`open` (with the guard only). Default ``"8mb"``.
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
        """One Redis ACL user per kind of client (:class:`~agentsmith.RedisRole`), the default user off.

        Each role's password lives in a Secret you create; nothing is
        published (each role's clients read :attr:`RedisRole.connection`, or
        ``EphemeralRedis.endpoint_for(name)``). The probes log in as the first
        role and readiness passes only on ``PONG``. The command guard's client
        bounds apply.

        Args:
            roles: at least one role, distinct names, variables and Secret keys.
            max_clients: as for :meth:`open`. Default ``10000``.
            max_value_size: as for :meth:`open`. Default ``"8mb"``.
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
    def _check(path: PathArg, value: object) -> RedisAccess:
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
            SecretKeyRef._check(path, "access.connection_secret", value.connection_secret)
        boolean(
            path,
            "access.publish_connection_secret",
            value.publish_connection_secret,
            fix="Use RedisAccess.open(publish_connection_secret=False), or leave it out (True).",
        )
        return value


#: The seed's access: no password, with the command guard (:meth:`RedisAccess.open` with its defaults).
DEFAULT_ACCESS: Final = RedisAccess.open()
