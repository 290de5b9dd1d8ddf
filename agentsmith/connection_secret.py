"""RedisConnectionSecret: the Secret clients read the Redis URL from."""

from __future__ import annotations

from cdk8s_plus_27 import k8s
from constructs import Construct

from . import _seed, _validate

__all__ = ["RedisConnectionSecret"]


class RedisConnectionSecret(Construct):
    """An ``Opaque`` Secret holding the message bus connection string.

    The seed stores ``REDIS_URL`` in Secret ``agentsmith-secrets`` under key
    ``redis-url``; the Dispatcher and agents read it from there. Pass the URL
    from a handle (``redis.url``) rather than typing it again.

    Args:
        scope: the parent construct.
        id: construct id; keep it stable.
        url: the connection string, e.g. ``EphemeralRedis.url``.
        name: the Secret's name. Default ``"agentsmith-secrets"`` (seed).
        key: the key holding the URL. Default ``"redis-url"`` (seed).
        namespace: the Secret's namespace. Default: the chart's namespace.

    The value is written as ``stringData`` so that it is readable in ``dist/``;
    it holds no password (the seed's Redis has none).
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
        path = self.node.path
        self.name: str = _validate.dns_subdomain(path, "name", name)
        self.key: str = _validate.secret_key(path, "key", key)
        if namespace is not None:
            _validate.dns_label(path, "namespace", namespace)
        if not isinstance(url, str) or not url.startswith(("redis://", "rediss://")):
            raise _validate.fail(path, "url", url, "must start with redis:// or rediss://", "Pass redis.url.")
        self.api_object = k8s.KubeSecret(
            self,
            "Resource",
            metadata=k8s.ObjectMeta(name=self.name, namespace=namespace),
            type="Opaque",
            string_data={key: url},
        )
