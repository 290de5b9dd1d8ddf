"""ExternalRedis: a message bus that runs outside this app (managed Redis, Cluster, Sentinel)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import cdk8s
from constructs import Construct

from . import _manifest, _seed, _validate, _validate_url
from .endpoint import SecretKeyRef

__all__ = ["ExternalRedis"]


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
            password (no userinfo, no ``?password=``/``?username=``). The host
            is a DNS name, an IPv4 address or a bracketed IPv6 address
            (``redis://[::1]:6379``); the scheme lowercase. Exactly one of
            ``url`` and ``secret`` is required.
        secret: an existing Secret key holding the full URL (credentials
            included). Then ``host`` is required.
        host: the Redis host when ``secret`` is used: a DNS name, an IPv4 or
            an IPv6 address (without brackets). Default: from ``url``.
        port: the Redis port when ``secret`` is used. Default ``6379``, or
            from ``url``.
        tls: whether ``secret``'s URL is ``rediss://``; decides :attr:`url`.
            Default ``False``, or from ``url``.
        namespace: namespace of the objects created. Default: the chart's.
        connection_secret: where the ``url`` is published. Default
            ``agentsmith-secrets``/``redis-url`` (seed). Ignored with ``secret``.
        service_name: create an ``ExternalName`` Service with this name.
            Default ``None``: none. The host must then be a DNS name, not an
            IP address (an ExternalName is a CNAME). With TLS, clients must
            still verify the certificate against :attr:`host`.
        labels: extra labels on the objects created (Secret, Service). Default: none.

    Raises:
        AgentsmithConfigError: both or neither of ``url``/``secret``; a URL with
            another scheme, no host, an invalid host or a credential; an invalid name.
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
                "<redacted>" if url else url,
                "and 'secret' are exclusive and one is required",
                "Pass url='rediss://host:6380' or secret=SecretKeyRef(name=..., key=...).",
            )
        self.namespace: Final[str | None] = (
            None if namespace is None else _validate.dns_label(path, "namespace", namespace)
        )
        self.labels: Final[dict[str, str]] = _validate.labels(path, labels, reserved=())
        if url is not None:
            for prop, value in (("host", host), ("port", port), ("tls", tls)):
                if value is not None:
                    raise _validate.fail(
                        path, prop, value, "is taken from 'url'", f"Drop '{prop}' or put it in the URL."
                    )
            url_host, url_port, url_tls = _validate_url.redis_url(path, "url", url)
            resolved = (
                url_host,
                url_port,
                url_tls,
                url,
                _validate.secret_ref(
                    path,
                    "connection_secret",
                    connection_secret or SecretKeyRef(name=_seed.SECRET_NAME, key=_seed.SECRET_KEY_REDIS_URL),
                ),
            )
        else:
            ref = _validate.secret_ref(path, "secret", secret)
            if host is None:
                raise _validate.fail(
                    path, "host", host, "is required with 'secret'", "Pass host='my-redis.example.com'."
                )
            checked_host = _validate_url.host(path, "host", host)
            checked_port = _validate.port(path, _seed.REDIS_PORT if port is None else port)
            checked_tls = False if tls is None else _validate.boolean(path, "tls", tls)
            scheme = "rediss" if checked_tls else "redis"
            netloc = f"[{checked_host}]" if ":" in checked_host else checked_host  # IPv6 in brackets
            resolved = (checked_host, checked_port, checked_tls, f"{scheme}://{netloc}:{checked_port}", ref)
        self.host: Final[str] = resolved[0]
        self.port: Final[int] = resolved[1]
        self.tls: Final[bool] = resolved[2]
        self._url: Final[str] = resolved[3]
        self.connection: Final[SecretKeyRef] = resolved[4]
        self.service_name: Final[str | None] = (
            None if service_name is None else _validate.dns_label(path, "service_name", service_name, service=True)
        )
        if self.service_name is not None:
            _validate.dns_name(path, "url" if url is not None else "host", self.host)
        _manifest.claim(
            self,
            path,
            [
                *([("connection_secret", "Secret", self.namespace, self.connection.name)] if url is not None else []),
                *([("service_name", "Service", self.namespace, self.service_name)] if self.service_name else []),
            ],
        )

        #: The published connection Secret (from ``url``), or None (from ``secret``).
        self.secret: Final[cdk8s.ApiObject | None] = (
            _manifest.add_manifest(
                self,
                "Connection",
                _manifest.secret(
                    self.connection.name, self.connection.key, self._url, namespace=self.namespace, labels=self.labels
                ),
            )
            if url is not None
            else None
        )
        #: The ExternalName Service, or None without ``service_name``.
        self.service: Final[cdk8s.ApiObject | None] = (
            _manifest.add_manifest(
                self,
                "Service",
                {
                    "apiVersion": "v1",
                    "kind": "Service",
                    "metadata": _manifest.metadata(self.service_name, namespace=self.namespace, labels=self.labels),
                    "spec": {"type": "ExternalName", "externalName": self.host},
                },
            )
            if self.service_name is not None
            else None
        )

    @property
    def url(self) -> str:
        """The connection string without credentials, e.g. ``"rediss://cache.example.com:6380"``."""
        return self._url
