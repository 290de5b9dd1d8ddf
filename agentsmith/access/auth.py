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
    """Require a password that lives in a Secret you create outside ``dist/``.

    The seed's Redis has no password, so this is opt-in. With it:

    * redis-server gets the password as ``$(REDIS_PASSWORD)``: on the command
      guard's default user (``--user default on >$(REDIS_PASSWORD) ...``), or
      as ``--requirepass $(REDIS_PASSWORD)`` with ``RedisAccess.password(auth, command_guard=False)``.
      Kubernetes expands the variable from the Secret when the container
      starts, so the password is never written into ``dist/``;
    * the probes log in: ``REDISCLI_AUTH`` is set from the same key, and
      ``redis-cli`` reads it; readiness passes only on ``PONG`` (not on
      ``NOAUTH``, ``WRONGPASS``, ``NOPERM``, ``BUSY``, ``LOADING`` or a full
      connection table), liveness on ``PONG`` or that last refusal;
    * the password must be at most :data:`MAX_PASSWORD_BYTES` (16384) bytes:
      Redis refuses any longer argument from a client that has not logged in
      yet (``Protocol error: unauthenticated bulk length``), so nobody, the
      probes included, could log in. The library cannot read the Secret, so
      this is your rule to keep (``openssl rand -base64 32`` is 44 bytes);
    * Redis reads the password only when it starts: see docs/operations.md, "Rotating a
      password";
    * clients read the full connection string (``redis://:<password>@redis:6379``)
      from ``url_key`` in the same Secret: the library cannot write it, as it
      contains the password.

    Attributes:
        secret_name: name of the existing Secret in Redis's namespace.
        password_key: key holding the password. Default ``"redis-password"``.
        url_key: key holding the clients' connection string. Default
            ``"redis-url"``. Must differ from ``password_key``.
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
