"""RedisConnectionSecret: the Secret clients read the Redis URL from."""

from __future__ import annotations

from typing import Final

import cdk8s
from constructs import Construct

from . import _manifest, _seed, _validate, _validate_url

__all__ = ["RedisConnectionSecret"]


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
        url: the connection string, ``redis://`` or ``rediss://``, with a
            valid host and no credentials (the rules of ``ExternalRedis``'s ``url``).
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
        self.name: Final[str] = _validate.dns_subdomain(path, "name", name)
        self.key: Final[str] = _validate.secret_key(path, "key", key)
        if namespace is not None:
            _validate.dns_label(path, "namespace", namespace)
        _validate_url.redis_url(path, "url", url)  # redis:// or rediss://, never credentials
        _manifest.claim(self, path, [("name", "Secret", namespace, self.name)])
        self.api_object: Final[cdk8s.ApiObject] = _manifest.add_manifest(
            self, "Resource", _manifest.secret(self.name, self.key, url, namespace=namespace)
        )
