"""ExternalRedis: a message bus that runs outside this app (a managed Redis, over TLS, or a Redis Cluster)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, overload
from urllib.parse import urlsplit

import cdk8s
from constructs import Construct

from agentsmith.base import manifest
from agentsmith.base.construct import checked_init, public_signature, read_only
from agentsmith.checks import collisions
from agentsmith.client import RedisTLS
from agentsmith.connection_secret import add_connection_secret
from agentsmith.core import seed
from agentsmith.core.rules import (
    ConstructPath,
    PathArg,
    boolean,
    dns_label,
    dns_name,
    fail,
)
from agentsmith.core.rules import (
    labels as check_labels,
)
from agentsmith.core.rules import (
    port as check_port,
)
from agentsmith.core.url import host as check_host
from agentsmith.core.url import redact_url, redis_url
from agentsmith.endpoint import SecretKeyRef

__all__ = ["ExternalRedis"]


@public_signature
@read_only
class ExternalRedis(Construct):
    """A Redis this app does not run (the design's HA upgrade path): only what its clients need.

    Two forms, typed as overloads: ``ExternalRedis(chart, id, url=...)`` publishes the URL in a connection
    Secret; ``ExternalRedis(chart, id, url_secret=..., host=...)`` reads it from your Secret (use it when
    the URL holds a password, which must never be written into ``dist/``).

    Args:
        scope: the parent construct.
        id: construct id; keep it stable.
        url: ``redis://host[:port][/db]`` or ``rediss://``, without credentials. Exactly one of ``url``
            and ``url_secret``.
        url_secret: an existing Secret key holding the full URL; ``host`` is then required. A password in
            it must be percent-encoded (:func:`~agentsmith.redis_url` writes such a URL).
        host: Default: from ``url``. The host (a DNS name, IPv4, or IPv6 without brackets).
        port: Default ``6379``, or from ``url``.
        tls: Default ``False`` (``True`` with ``tls_ca``), or from ``url``: whether the URL is ``rediss://``
            (decides :attr:`url`).
        namespace: Default: the chart's. The namespace of the objects created.
        connection_secret: Default ``agentsmith-secrets``/``redis-url`` (seed). Where ``url`` is
            published; ignored with ``url_secret``.
        service_name: Default ``None``: none. An ``ExternalName`` Service of this name, so in-cluster
            names resolve to the host (a DNS name then).
        labels: Default none. Extra labels on the Secret and Service.
        tls_ca: Default ``None``: clients verify the server with their system's CAs. A
            :class:`~agentsmith.RedisTLS` the wiring helpers mount into each client with
            ``REDIS_TLS_CA_FILE`` naming it (and a client certificate where the provider needs one); needs
            TLS (``rediss://``; with ``url_secret``, ``tls`` then defaults to ``True``).
        cluster: Default ``False``. ``True``: a Redis Cluster (or a cluster-mode managed Redis); the wiring
            helpers set ``REDIS_CLUSTER=true`` and clients must be cluster-aware (redis-py ``RedisCluster``,
            ioredis ``Redis.Cluster``, go-redis ``ClusterClient``), or they get ``MOVED``. A URL's database
            must then be 0. Sentinel is not supported (``redis+sentinel://`` is refused).

    Raises:
        AgentsmithConfigError: both or neither of ``url``/``url_secret``, a URL with credentials, another
            scheme or a bad host, an invalid name, ``tls_ca`` without TLS, or ``cluster`` with a database.
    """

    @overload
    def __init__(
        self,
        scope: Construct,
        id: str,
        /,
        *,
        url: str,
        namespace: str | None = None,
        connection_secret: SecretKeyRef | None = None,
        service_name: str | None = None,
        labels: Mapping[str, str] | None = None,
        tls_ca: RedisTLS | None = None,
        cluster: bool = False,
    ) -> None: ...

    @overload
    def __init__(
        self,
        scope: Construct,
        id: str,
        /,
        *,
        url_secret: SecretKeyRef,
        host: str,
        port: int | None = None,
        tls: bool | None = None,
        namespace: str | None = None,
        service_name: str | None = None,
        labels: Mapping[str, str] | None = None,
        tls_ca: RedisTLS | None = None,
        cluster: bool = False,
    ) -> None: ...

    @checked_init
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        url: str | None = None,
        url_secret: SecretKeyRef | None = None,
        host: str | None = None,
        port: int | None = None,
        tls: bool | None = None,
        namespace: str | None = None,
        connection_secret: SecretKeyRef | None = None,
        service_name: str | None = None,
        labels: Mapping[str, str] | None = None,
        tls_ca: RedisTLS | None = None,
        cluster: bool = False,
    ) -> None:
        path = ConstructPath(scope, id)
        # Props first: a bad one leaves the tree untouched.
        if (url is None) == (url_secret is None):
            raise fail(
                path,
                "url",
                "<redacted>" if url else url,
                "and 'url_secret' are exclusive and one is required",
                "Pass url='rediss://host:6380' or url_secret=SecretKeyRef(name=..., key=...).",
            )
        self.namespace: Final[str | None] = None if namespace is None else dns_label(path, "namespace", namespace)
        self.labels: Final[Mapping[str, str]] = MappingProxyType(check_labels(path, labels, reserved=()))
        #: The CA bundle (and client certificate) clients are handed, or None.
        self.tls_ca: Final[RedisTLS | None] = None if tls_ca is None else RedisTLS._check(path, tls_ca, prop="tls_ca")
        #: Whether clients must be cluster-aware (``REDIS_CLUSTER=true`` in wired containers).
        self.cluster: Final[bool] = boolean(path, "cluster", cluster)
        if tls_ca is not None and url_secret is not None and tls is None:
            tls = True
        target = (
            _Target.from_url(path, url, host, port, tls, connection_secret)
            if url is not None
            else _Target.from_secret(path, url_secret, host, port, tls)
        )
        if self.tls_ca is not None and not target.tls:
            raise fail(
                path,
                "tls_ca",
                self.tls_ca,
                "needs TLS: clients hand the CA only to a rediss:// connection",
                "Use a rediss:// URL (url_secret: tls=True), or drop 'tls_ca'.",
            )
        if self.cluster and url is not None and urlsplit(url).path not in ("", "/", "/0"):
            raise fail(
                path,
                "cluster",
                self.cluster,
                f"allows only database 0, and 'url' selects {redact_url(url)!r}",
                "Drop the '/<db>' from the URL.",
            )
        self.host: Final[str] = target.host
        self.port: Final[int] = target.port
        self.tls: Final[bool] = target.tls
        self._url: Final[str] = target.url
        self.connection: Final[SecretKeyRef] = target.connection
        self.service_name: Final[str | None] = (
            None if service_name is None else dns_label(path, "service_name", service_name, service=True)
        )
        if self.service_name is not None:
            dns_name(path, "url" if url is not None else "host", self.host)
        publish = url is not None
        super().__init__(scope, id)
        collisions.claim(
            self,
            path,
            [
                *([("connection_secret", "Secret", self.namespace, self.connection.name)] if publish else []),
                *([("service_name", "Service", self.namespace, self.service_name)] if self.service_name else []),
            ],
        )

        #: The published connection Secret (from ``url``), or None (from ``url_secret``).
        self.secret: Final[cdk8s.ApiObject | None] = (
            add_connection_secret(
                self, "Secret", self.connection, self._url, namespace=self.namespace, labels=self.labels
            )
            if publish
            else None
        )
        #: The ExternalName Service, or None without ``service_name``.
        self.service: Final[cdk8s.ApiObject | None] = (
            manifest.add_manifest(
                self,
                "Service",
                {
                    "apiVersion": "v1",
                    "kind": "Service",
                    "metadata": manifest.metadata(self.service_name, namespace=self.namespace, labels=self.labels),
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


@dataclass(frozen=True, kw_only=True)
class _Target:
    """Where the external Redis is, resolved from either ``url`` or ``url_secret``."""

    host: str
    port: int
    tls: bool
    url: str
    connection: SecretKeyRef

    @staticmethod
    def from_url(
        path: PathArg, url: str, host: object, port: object, tls: object, connection_secret: object
    ) -> _Target:
        for prop, value in (("host", host), ("port", port), ("tls", tls)):
            if value is not None:
                raise fail(path, prop, value, "is taken from 'url'", f"Drop '{prop}' or put it in the URL.")
        url_host, url_port, url_tls = redis_url(path, "url", url)
        default = SecretKeyRef(name=seed.SECRET_NAME, key=seed.SECRET_KEY_REDIS_URL)
        connection = SecretKeyRef._check(path, connection_secret or default, prop="connection_secret")
        return _Target(host=url_host, port=url_port, tls=url_tls, url=url, connection=connection)

    @staticmethod
    def from_secret(path: PathArg, secret: object, host: object, port: object, tls: object) -> _Target:
        connection = SecretKeyRef._check(path, secret, prop="url_secret")
        if host is None:
            raise fail(path, "host", host, "is required with 'url_secret'", "Pass host='my-redis.example.com'.")
        checked_host = check_host(path, "host", host)
        checked_port = check_port(path, seed.REDIS_PORT if port is None else port)
        checked_tls = False if tls is None else boolean(path, "tls", tls)
        scheme = "rediss" if checked_tls else "redis"
        netloc = f"[{checked_host}]" if ":" in checked_host else checked_host  # IPv6 in brackets
        url = f"{scheme}://{netloc}:{checked_port}"
        return _Target(host=checked_host, port=checked_port, tls=checked_tls, url=url, connection=connection)
