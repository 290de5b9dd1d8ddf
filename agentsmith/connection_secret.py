"""RedisConnectionSecret: the Secret clients read the Redis URL from."""

from __future__ import annotations

from typing import Any

import cdk8s
from constructs import Construct

from . import _seed, _validate
from ._manifest import add_manifest

__all__ = ["RedisConnectionSecret", "secret_manifest"]


def secret_manifest(name: str, key: str, url: str, *, namespace: str | None = None) -> dict[str, Any]:
    """An ``Opaque`` Secret with ``stringData: {key: url}`` (readable in ``dist/``)."""
    metadata: dict[str, Any] = {"name": name}
    if namespace is not None:
        metadata["namespace"] = namespace
    return {"apiVersion": "v1", "kind": "Secret", "metadata": metadata, "type": "Opaque", "stringData": {key: url}}


class RedisConnectionSecret(Construct):
    """An ``Opaque`` Secret holding the message bus connection string.

    The seed stores ``REDIS_URL`` in Secret ``agentsmith-secrets`` under key
    ``redis-url``; the Dispatcher and agents read it from there.
    ``EphemeralRedis`` and ``ExternalRedis`` publish theirs already; use this
    construct for a connection string of your own, from a handle
    (``redis.url``) rather than typed again.

    Args:
        scope: the parent construct.
        id: construct id; keep it stable.
        url: the connection string, ``redis://`` or ``rediss://``.
        name: the Secret's name. Default ``"agentsmith-secrets"`` (seed).
        key: the key holding the URL. Default ``"redis-url"`` (seed).
        namespace: the Secret's namespace. Default: the chart's namespace.

    The value is written as ``stringData`` so that it is readable in ``dist/``;
    it must hold no password (use a Secret created outside ``dist/`` for that).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        url: str,
        name: str = _seed.SECRET_NAME,
        key: str = _seed.SECRET_KEY_REDIS_URL,
        namespace: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        path = _validate.ConstructPath(self)
        self.name: str = _validate.dns_subdomain(path, "name", name)
        self.key: str = _validate.secret_key(path, "key", key)
        if namespace is not None:
            _validate.dns_label(path, "namespace", namespace)
        if not isinstance(url, str) or not url.startswith(("redis://", "rediss://")):
            raise _validate.fail(path, "url", url, "must start with redis:// or rediss://", "Pass redis.url.")
        self.api_object: cdk8s.ApiObject = add_manifest(
            self, "Resource", secret_manifest(self.name, self.key, url, namespace=namespace)
        )
