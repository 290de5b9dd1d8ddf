"""Opt-in Redis ACL roles: one user per kind of client, each with its own Secret."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

from agentsmith.access import acl
from agentsmith.core import seed
from agentsmith.core.rules import PathArg, dns_subdomain, fail, secret_key
from agentsmith.endpoint import SecretKeyRef

__all__ = ["DEFAULT_AGENT_KEY_PATTERN", "RedisRole", "RoleAccess"]

#: What a role may do: ``"dispatcher"`` (every command but admin, dangerous and
#: scripting ones) or ``"agent"`` (only the message-bus commands).
RoleAccess = Literal["dispatcher", "agent"]
_ACCESS: Final = ("dispatcher", "agent")

#: The agent role's default key and channel pattern.
DEFAULT_AGENT_KEY_PATTERN: Final = "job:*"

_USERNAME = re.compile(r"[a-z]([a-z0-9-]{0,30}[a-z0-9])?")
# A Redis glob: printable ASCII without spaces. '$' is refused because Kubernetes
# would expand '$(NAME)' in container args.
_PATTERN = re.compile(r"[!-#%-~]{1,256}")


@dataclass(frozen=True, kw_only=True)
class RedisRole:
    """A Redis ACL user for one kind of client, with its password in a Secret you create; use a factory.

    Redis reads the password as ``$(REDIS_<NAME>_PASSWORD)`` when it starts; the role's clients read their
    URL from ``url_key`` (:attr:`connection`, or ``EphemeralRedis.endpoint_for(name)``), with the password
    percent-encoded: write it with :func:`~agentsmith.redis_url`, e.g.
    ``redis_url("redis", username="agent", password=pw)`` (docs/operations.md, "Passwords in connection URLs").

    Attributes:
        name: the ACL user name: lowercase letters, digits and '-', from a letter, at most 32, not ``default``.
        access: ``"dispatcher"`` or ``"agent"`` (:data:`RoleAccess`).
        secret_name: the existing Secret in Redis's namespace.
        password_key: Default ``"redis-password"``.
        url_key: Default ``"redis-url"``.
        key_pattern: Default ``"*"`` (dispatcher) or ``"job:*"`` (agent): the keys and channels it may touch.
        previous_password_key: Default ``None``. During a rotation, the old password's key
            (docs/operations.md, "Rotating a password").
    """

    name: str
    access: RoleAccess
    secret_name: str
    password_key: str = "redis-password"
    url_key: str = seed.SECRET_KEY_REDIS_URL
    key_pattern: str = "*"
    previous_password_key: str | None = None

    @classmethod
    def dispatcher(
        cls,
        *,
        secret_name: str,
        name: str = "dispatcher",
        password_key: str = "redis-password",
        url_key: str = seed.SECRET_KEY_REDIS_URL,
        key_pattern: str = "*",
        previous_password_key: str | None = None,
    ) -> RedisRole:
        """The dispatcher: every command except admin, dangerous and scripting ones, on every key by default."""
        return cls(
            name=name,
            access="dispatcher",
            secret_name=secret_name,
            password_key=password_key,
            url_key=url_key,
            key_pattern=key_pattern,
            previous_password_key=previous_password_key,
        )

    @classmethod
    def agent(
        cls,
        *,
        secret_name: str,
        name: str = "agent",
        password_key: str = "redis-password",
        url_key: str = seed.SECRET_KEY_REDIS_URL,
        key_pattern: str = DEFAULT_AGENT_KEY_PATTERN,
        previous_password_key: str | None = None,
    ) -> RedisRole:
        """An agent: only the message-bus commands, on keys and channels matching ``"job:*"`` by default."""
        return cls(
            name=name,
            access="agent",
            secret_name=secret_name,
            password_key=password_key,
            url_key=url_key,
            key_pattern=key_pattern,
            previous_password_key=previous_password_key,
        )

    # -- derived names (public API: pinned in tests) ---------------------

    @property
    def password_env(self) -> str:
        """The container variable Redis reads the password from: ``"REDIS_AGENT_PASSWORD"``."""
        return acl.role_password_env(self.name)

    @property
    def previous_password_env(self) -> str:
        """The variable for ``previous_password_key``: ``"REDIS_AGENT_PREVIOUS_PASSWORD"``."""
        return acl.role_password_env(self.name, previous=True)

    @property
    def connection(self) -> SecretKeyRef:
        """Where this role's clients read their connection string."""
        return SecretKeyRef(name=self.secret_name, key=self.url_key)

    def password_refs(self) -> list[tuple[str, SecretKeyRef]]:
        """``(env name, Secret key)`` for each password Redis accepts, current first."""
        refs = [(self.password_env, SecretKeyRef(name=self.secret_name, key=self.password_key))]
        if self.previous_password_key is not None:
            refs.append(
                (self.previous_password_env, SecretKeyRef(name=self.secret_name, key=self.previous_password_key))
            )
        return refs

    def redis_args(self) -> list[str]:
        """This role's ``--user`` directive for redis-server."""
        envs = tuple(env for env, _ in self.password_refs())
        build = acl.dispatcher_user if self.access == "dispatcher" else acl.agent_user
        return build(self.name, envs, self.key_pattern)

    # -- checks ----------------------------------------------------------

    @staticmethod
    def _check(path: PathArg, value: object, *, prop: str) -> RedisRole:
        """``value`` if it is a RedisRole with valid fields, else raise naming ``prop`` (e.g. ``roles[1]``)."""
        if not isinstance(value, RedisRole):
            raise fail(path, prop, value, "must be an agentsmith.RedisRole", "Use RedisRole.agent(secret_name=...).")
        role = value
        if not isinstance(role.name, str) or not _USERNAME.fullmatch(role.name) or role.name == "default":
            raise fail(
                path,
                f"{prop}.name",
                role.name,
                "must be 1-32 lowercase letters, digits and '-', starting with a letter and ending with "
                "a letter or digit, and not 'default' (the user roles mode turns off)",
                "Use e.g. 'dispatcher' or 'agent'.",
            )
        if role.access not in _ACCESS:
            raise fail(
                path,
                f"{prop}.access",
                role.access,
                "must be 'dispatcher' or 'agent'",
                "Build roles with RedisRole.dispatcher(...) or RedisRole.agent(...).",
            )
        dns_subdomain(path, f"{prop}.secret_name", role.secret_name)
        secret_key(path, f"{prop}.password_key", role.password_key)
        secret_key(path, f"{prop}.url_key", role.url_key)
        if role.previous_password_key is not None:
            secret_key(path, f"{prop}.previous_password_key", role.previous_password_key)
            if role.previous_password_key == role.password_key:
                raise fail(
                    path,
                    f"{prop}.previous_password_key",
                    role.previous_password_key,
                    "must differ from 'password_key'",
                    "Keep the old password under its own key, e.g. 'redis-password-previous'.",
                )
        if role.url_key in (role.password_key, role.previous_password_key):
            raise fail(
                path,
                f"{prop}.url_key",
                role.url_key,
                "must differ from the password keys",
                "Use e.g. url_key='redis-url' and password_key='redis-password'.",
            )
        if not isinstance(role.key_pattern, str) or not _PATTERN.fullmatch(role.key_pattern):
            raise fail(
                path,
                f"{prop}.key_pattern",
                role.key_pattern,
                "must be a Redis glob of 1-256 printable ASCII characters without spaces or '$'",
                f"Use e.g. {DEFAULT_AGENT_KEY_PATTERN!r}.",
            )
        return role

    @staticmethod
    def _check_all(path: PathArg, value: object, *, prop: str = "roles") -> tuple[RedisRole, ...] | None:
        """``prop``: None, or non-empty valid RedisRoles with distinct names, variables and Secret keys."""
        if value is None:
            return None
        if isinstance(value, (str, bytes, RedisRole)) or not isinstance(value, Sequence) or not value:
            raise fail(
                path,
                prop,
                value,
                "must be a non-empty sequence of agentsmith.RedisRole",
                "Pass RedisAccess.roles([RedisRole.dispatcher(secret_name=...), RedisRole.agent(secret_name=...)]).",
            )
        names: set[str] = set()
        keys: set[tuple[str, str]] = set()
        envs: dict[str, str] = {}  # container variable -> the role that reads it
        for index, role in enumerate(value):
            item = f"{prop}[{index}]"
            if not isinstance(role, RedisRole):
                raise fail(path, item, role, "must be an agentsmith.RedisRole", "Use RedisRole.agent(secret_name=...).")
            RedisRole._check(path, role, prop=item)
            if role.name in names:
                raise fail(path, f"{item}.name", role.name, "is used by two roles", "Give each role its own name.")
            names.add(role.name)
            for env, _ in role.password_refs():
                # "ops" with a previous password and a role named "ops-previous" would both read
                # REDIS_OPS_PREVIOUS_PASSWORD; the later one would win, logging one role in as the other.
                if env in envs:
                    raise fail(
                        path,
                        f"{item}.name",
                        role.name,
                        f"gives the container variable {env!r}, which role {envs[env]!r} already uses",
                        "Rename one of the two roles.",
                    )
                envs[env] = role.name
            refs = [("url_key", role.connection)] + [("password_key", ref) for _, ref in role.password_refs()]
            for field, ref in refs:
                if (ref.name, ref.key) in keys:
                    raise fail(
                        path,
                        f"{item}.{field}",
                        ref.key,
                        f"is already used by another role in Secret {ref.name!r}",
                        "Give each role its own Secret (or its own keys).",
                    )
                keys.add((ref.name, ref.key))
        return tuple(value)
