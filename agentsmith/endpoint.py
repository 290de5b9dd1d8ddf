"""Where the message bus is: the interface client wiring depends on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from agentsmith.core.rules import PathArg, dns_subdomain, fail, secret_key

__all__ = ["RedisEndpoint", "SecretKeyRef"]


@dataclass(frozen=True, kw_only=True)
class SecretKeyRef:
    """One key of a Kubernetes Secret, e.g. ``agentsmith-secrets`` / ``redis-url``.

    Attributes:
        name: the Secret's name (a DNS subdomain).
        key: the key inside the Secret.
    """

    name: str
    key: str

    @staticmethod
    def _check(path: PathArg, value: object, *, prop: str) -> SecretKeyRef:
        """``value`` if it is a SecretKeyRef with a valid Secret name and key, else raise naming ``prop``."""
        if not isinstance(value, SecretKeyRef):
            raise fail(path, prop, value, "must be an agentsmith.SecretKeyRef", "Pass SecretKeyRef(name=..., key=...).")
        dns_subdomain(path, f"{prop}.name", value.name)
        secret_key(path, f"{prop}.key", value.key)
        return value

    def _env_var(self, name: str) -> dict[str, Any]:
        """A container variable ``name`` read from this key, in Kubernetes' ``EnvVar`` shape (camelCase keys)."""
        return {"name": name, "valueFrom": {"secretKeyRef": {"name": self.name, "key": self.key}}}


@runtime_checkable
class RedisEndpoint(Protocol):
    """What a client needs to reach Redis; implemented by EphemeralRedis and ExternalRedis.

    Attributes:
        host: host name clients connect to (``"redis"`` in-cluster).
        port: TCP port.
        url: connection string without credentials (``"redis://redis:6379"``).
        connection: the Secret key clients read ``REDIS_URL`` from; it holds the
            full connection string, credentials included where there are any.

    Two optional attributes, not part of the protocol (an endpoint without them still is one; the wiring
    helpers read them with ``getattr``): ``tls_ca``, an :class:`~agentsmith.RedisTLS` or ``None``, the CA
    bundle clients are handed; ``cluster``, a ``bool``, whether clients must be cluster-aware
    (:class:`~agentsmith.ExternalRedis` has both).
    """

    @property
    def host(self) -> str: ...

    @property
    def port(self) -> int: ...

    @property
    def url(self) -> str: ...

    @property
    def connection(self) -> SecretKeyRef: ...
