"""ExternalRedis: a message bus that runs outside this app (managed Redis, Cluster, Sentinel)."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

import cdk8s
from constructs import Construct

from . import _seed, _validate
from ._manifest import add_manifest
from .connection_secret import secret_manifest
from .endpoint import SecretKeyRef

__all__ = ["ExternalRedis"]

_SCHEMES = {"redis": False, "rediss": True}  # scheme -> TLS


class ExternalRedis(Construct):
    """The seed's HA upgrade path: clients use a Redis that this app does not run.

    It synthesises no Redis workload, only what clients need:

    * from ``url``: the connection Secret (``agentsmith-secrets``/``redis-url``
      by default) holding that URL, so clients are wired exactly as with
      :class:`EphemeralRedis`;
    * from ``secret``: nothing, the Secret already exists (use this when the
      URL carries a password, which must never be written into ``dist/``);
    * with ``service_name``: an ``ExternalName`` Service, so in-cluster names
      such as ``redis`` resolve to the external host.

    Args:
        scope: the parent construct.
        id: construct id; keep it stable.
        url: ``redis://host[:port][/db]`` or ``rediss://`` (TLS), without a
            password. Exactly one of ``url`` and ``secret`` is required.
        secret: an existing Secret key holding the full URL (credentials
            included). Then ``host`` is required.
        host: the Redis host when ``secret`` is used. Default: from ``url``.
        port: the Redis port when ``secret`` is used. Default ``6379``, or
            from ``url``.
        tls: whether ``secret``'s URL is ``rediss://``; decides :attr:`url`.
            Default ``False``, or from ``url``.
        namespace: namespace of the objects created. Default: the chart's.
        connection_secret: where the ``url`` is published. Default
            ``agentsmith-secrets``/``redis-url`` (seed). Ignored with ``secret``.
        service_name: create an ``ExternalName`` Service with this name.
            Default ``None``: none. With TLS, clients must still verify the
            certificate against :attr:`host`, not the Service name.
        labels: extra labels on created objects. Default: none.

    Raises:
        AgentsmithConfigError: both or neither of ``url``/``secret``; a URL with
            another scheme, no host or a password; an invalid name.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        url: str | None = None,
        secret: SecretKeyRef | None = None,
        host: str | None = None,
        port: int | None = None,
        tls: bool | None = None,
        namespace: str | None = None,
        connection_secret: SecretKeyRef | None = None,
        service_name: str | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(scope, id)
        path = _validate.ConstructPath(self)
        if (url is None) == (secret is None):
            raise _validate.fail(
                path,
                "url",
                url,
                "and 'secret' are exclusive and one is required",
                "Pass url='rediss://host:6380' or secret=SecretKeyRef(name=..., key=...).",
            )
        if namespace is not None:
            _validate.dns_label(path, "namespace", namespace)
        self.labels: dict[str, str] = _validate.labels(path, labels, reserved=())
        if url is not None:
            for prop, value in (("host", host), ("port", port), ("tls", tls)):
                if value is not None:
                    raise _validate.fail(
                        path, prop, value, "is taken from 'url'", f"Drop '{prop}' or put it in the URL."
                    )
            self.host, self.port, self.tls = self._parse_url(path, url)
            self._url = url
            self.connection: SecretKeyRef = self._check_ref(
                path,
                "connection_secret",
                connection_secret or SecretKeyRef(name=_seed.SECRET_NAME, key=_seed.SECRET_KEY_REDIS_URL),
            )
        else:
            self.connection = self._check_ref(path, "secret", secret)
            if host is None:
                raise _validate.fail(
                    path, "host", host, "is required with 'secret'", "Pass host='my-redis.example.com'."
                )
            self.host = _validate.dns_subdomain(path, "host", host)
            self.port = _validate.port(path, 6379 if port is None else port)
            self.tls = False if tls is None else _validate.boolean(path, "tls", tls)
            self._url = f"{'rediss' if self.tls else 'redis'}://{self.host}:{self.port}"
        self.service_name: str | None = (
            None if service_name is None else _validate.dns_label(path, "service_name", service_name, service=True)
        )

        self.connection_secret: cdk8s.ApiObject | None = (
            add_manifest(
                self,
                "Connection",
                secret_manifest(self.connection.name, self.connection.key, self._url, namespace=namespace),
            )
            if url is not None
            else None
        )
        self.service: cdk8s.ApiObject | None = None
        if self.service_name is not None:
            metadata: dict[str, object] = {"name": self.service_name}
            if namespace is not None:
                metadata["namespace"] = namespace
            if self.labels:
                metadata["labels"] = self.labels
            self.service = add_manifest(
                self,
                "Service",
                {
                    "apiVersion": "v1",
                    "kind": "Service",
                    "metadata": metadata,
                    "spec": {"type": "ExternalName", "externalName": self.host},
                },
            )

    @property
    def url(self) -> str:
        """The connection string without credentials, e.g. ``"rediss://cache.example.com:6380"``."""
        return self._url

    @staticmethod
    def _parse_url(path: _validate.PathArg, url: object) -> tuple[str, int, bool]:
        if not isinstance(url, str):
            raise _validate.fail(path, "url", url, "must be a string", "Pass url='redis://host:6379'.")
        parts = urlsplit(url)
        if parts.scheme not in _SCHEMES:
            raise _validate.fail(
                path,
                "url",
                url,
                "must use the redis:// or rediss:// scheme",
                "Use e.g. 'rediss://my-redis.example.com:6380' (rediss = TLS).",
            )
        if parts.password or parts.username:
            raise _validate.fail(
                path,
                "url",
                "<redacted>",
                "must not contain credentials: they would be written into dist/ in plain text",
                "Store the URL in a Secret and pass secret=SecretKeyRef(name=..., key=...) with host=...",
            )
        try:
            port = parts.port
        except ValueError:
            raise _validate.fail(path, "url", url, "has an invalid port", "Use a port between 1 and 65535.") from None
        if not parts.hostname:
            raise _validate.fail(path, "url", url, "has no host", "Use e.g. 'redis://my-redis.example.com:6379'.")
        host = _validate.dns_subdomain(path, "url host", parts.hostname)
        return host, _validate.port(path, 6379 if port is None else port), _SCHEMES[parts.scheme]

    @staticmethod
    def _check_ref(path: _validate.PathArg, prop: str, ref: object) -> SecretKeyRef:
        if not isinstance(ref, SecretKeyRef):
            raise _validate.fail(
                path, prop, ref, "must be an agentsmith.SecretKeyRef", "Pass SecretKeyRef(name=, key=)."
            )
        _validate.dns_subdomain(path, f"{prop}.name", ref.name)
        _validate.secret_key(path, f"{prop}.key", ref.key)
        return ref
