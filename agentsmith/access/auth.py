"""Opt-in Redis password from an existing Secret."""

from __future__ import annotations

from dataclasses import dataclass

from agentsmith.core import seed
from agentsmith.core.rules import PathArg, dns_subdomain, fail, secret_key

__all__ = ["MAX_PASSWORD_BYTES", "RedisAuth"]


#: The longest password Redis 7 accepts at login (its cap on an argument sent
#: before authentication); the same rule holds for each RedisRole's password.
MAX_PASSWORD_BYTES = 16384


@dataclass(frozen=True, kw_only=True)
class RedisAuth:
    """A password from a Secret you create outside ``dist/`` (``RedisAccess.password(auth)``).

    Redis reads it as ``$(REDIS_PASSWORD)`` when it starts and the probes log in with it; it must be at
    most :data:`MAX_PASSWORD_BYTES` bytes. Clients read the full URL, which the library cannot write, from
    ``url_key`` (docs/security.md, "Least privilege on the bus"; rotation: docs/operations.md). The password
    in that URL must be percent-encoded (a base64 ``/`` breaks it): write it with
    :func:`~agentsmith.redis_url`, e.g. ``redis_url("redis", password=pw)`` gives ``redis://:<encoded>@redis:6379``
    (docs/operations.md, "Passwords in connection URLs").

    Attributes:
        secret_name: the existing Secret in Redis's namespace.
        password_key: Default ``"redis-password"``. The key holding the password.
        url_key: Default ``"redis-url"``. The key holding the clients' URL; not ``password_key``.
    """

    secret_name: str
    password_key: str = "redis-password"
    url_key: str = seed.SECRET_KEY_REDIS_URL

    @staticmethod
    def _check(path: PathArg, value: object, *, prop: str) -> RedisAuth | None:
        """None, or a RedisAuth naming a valid Secret and two different keys (errors name ``prop``)."""
        if value is None:
            return None
        if not isinstance(value, RedisAuth):
            raise fail(path, prop, value, "must be an agentsmith.RedisAuth", "Pass RedisAuth(secret_name=...).")
        dns_subdomain(path, f"{prop}.secret_name", value.secret_name)
        secret_key(path, f"{prop}.password_key", value.password_key)
        secret_key(path, f"{prop}.url_key", value.url_key)
        if value.url_key == value.password_key:
            raise fail(
                path,
                f"{prop}.url_key",
                value.url_key,
                f"must differ from '{prop}.password_key': one key cannot hold both the password and the URL",
                "Use two keys, e.g. password_key='redis-password' and url_key='redis-url' (the defaults).",
            )
        return value
