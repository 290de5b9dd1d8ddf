"""What a client is handed besides the URL: TLS files from a Secret or ConfigMap, and a URL with credentials.

Client-neutral: the wiring helpers mount the files read-only and name them in
environment variables (:data:`REDIS_TLS_CA_FILE_ENV` ...), which every client
(redis-py, ioredis, go-redis) can read; :func:`redis_url` writes the connection
string for a Secret, percent-encoding the credentials.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Final, Literal
from urllib.parse import quote

from agentsmith.core.rules import PathArg, dns_subdomain, fail, integer, secret_key
from agentsmith.core.rules import port as check_port
from agentsmith.core.url import host as check_host
from agentsmith.core.values import FactoryBuilt

__all__ = [
    "REDIS_CLUSTER_ENV",
    "REDIS_TLS_CA_FILE",
    "REDIS_TLS_CA_FILE_ENV",
    "REDIS_TLS_CERT_FILE",
    "REDIS_TLS_CERT_FILE_ENV",
    "REDIS_TLS_KEY_FILE",
    "REDIS_TLS_KEY_FILE_ENV",
    "RedisTLS",
    "redis_url",
]

#: The variable naming the mounted CA bundle (PEM), e.g. ``ssl_ca_certs=os.environ["REDIS_TLS_CA_FILE"]``.
REDIS_TLS_CA_FILE_ENV: Final = "REDIS_TLS_CA_FILE"
#: The variable naming the mounted client certificate (PEM), with :meth:`RedisTLS.from_secret`'s ``client_secret``.
REDIS_TLS_CERT_FILE_ENV: Final = "REDIS_TLS_CERT_FILE"
#: The variable naming the mounted client key (PEM), with ``client_secret``.
REDIS_TLS_KEY_FILE_ENV: Final = "REDIS_TLS_KEY_FILE"
#: Set to ``"true"`` for an endpoint with ``cluster=True``: the client must be cluster-aware.
REDIS_CLUSTER_ENV: Final = "REDIS_CLUSTER"

_TLS_DIR: Final = "/etc/agentsmith/redis-tls"
#: Where the CA bundle is mounted in a wired container (a read-only volume ``redis-tls-ca``).
REDIS_TLS_CA_FILE: Final = f"{_TLS_DIR}/ca/ca.crt"
#: Where the client certificate is mounted (a read-only volume ``redis-tls-client``).
REDIS_TLS_CERT_FILE: Final = f"{_TLS_DIR}/client/tls.crt"
#: Where the client key is mounted (the same volume).
REDIS_TLS_KEY_FILE: Final = f"{_TLS_DIR}/client/tls.key"

_CA_VOLUME: Final = "redis-tls-ca"
_CLIENT_VOLUME: Final = "redis-tls-client"
_FACTORIES: Final = "RedisTLS.from_secret('redis-ca') or RedisTLS.from_config_map('redis-ca')"


@dataclass(frozen=True, init=False, repr=False)
class RedisTLS(FactoryBuilt):
    """The CA bundle clients verify a TLS Redis with (``tls_ca=``), and a client certificate where one is needed.

    Build it with a factory. The wiring helpers mount the CA read-only at
    ``/etc/agentsmith/redis-tls/ca/ca.crt`` and set ``REDIS_TLS_CA_FILE`` to that
    path; with ``client_secret``, the certificate and key at
    ``/etc/agentsmith/redis-tls/client/tls.crt`` and ``tls.key``
    (``REDIS_TLS_CERT_FILE``, ``REDIS_TLS_KEY_FILE``). Nothing here creates the
    Secret or ConfigMap: it must exist in each client's namespace.

    Attributes:
        source: ``"Secret"`` or ``"ConfigMap"``: what holds the CA bundle.
        name: its name.
        key: the key holding the CA bundle (PEM).
        client_secret: a ``kubernetes.io/tls`` Secret (keys ``tls.crt``, ``tls.key``) with the client's
            certificate and key, or ``None``: no client certificate.
    """

    source: Literal["Secret", "ConfigMap"]
    name: str
    key: str
    client_secret: str | None

    _factories: ClassVar[str] = _FACTORIES

    def __repr__(self) -> str:
        """The factory call that builds this value."""
        factory = "from_secret" if self.source == "Secret" else "from_config_map"
        client = "" if self.client_secret is None else f", client_secret={self.client_secret!r}"
        return f"RedisTLS.{factory}({self.name!r}, key={self.key!r}{client})"

    @classmethod
    def from_secret(cls, name: str, key: str = "ca.crt", *, client_secret: str | None = None) -> RedisTLS:
        """The CA bundle from key ``key`` of Secret ``name`` (a cert-manager Secret holds it under ``ca.crt``).

        Args:
            name: the Secret's name.
            key: Default ``"ca.crt"``. The key holding the CA bundle (PEM).
            client_secret: Default ``None``: no client certificate. A ``kubernetes.io/tls`` Secret whose
                ``tls.crt`` and ``tls.key`` the client presents (mutual TLS).
        """
        return cls._build(source="Secret", name=name, key=key, client_secret=client_secret)

    @classmethod
    def from_config_map(cls, name: str, key: str = "ca.crt", *, client_secret: str | None = None) -> RedisTLS:
        """The CA bundle from key ``key`` of ConfigMap ``name`` (a CA certificate is public).

        Args:
            name: the ConfigMap's name.
            key: Default ``"ca.crt"``. The key holding the CA bundle (PEM).
            client_secret: Default ``None``: no client certificate. As in :meth:`from_secret`.
        """
        return cls._build(source="ConfigMap", name=name, key=key, client_secret=client_secret)

    @staticmethod
    def _check(path: PathArg, value: object, *, prop: str = "tls_ca") -> RedisTLS:
        """``tls_ca``: a RedisTLS from a factory, with valid names and key."""
        if not isinstance(value, RedisTLS):
            raise fail(path, prop, value, "must be an agentsmith.RedisTLS", f"Use {_FACTORIES}.")
        if value.source not in ("Secret", "ConfigMap"):
            raise fail(path, f"{prop}.source", value.source, "must be 'Secret' or 'ConfigMap'", f"Use {_FACTORIES}.")
        dns_subdomain(path, f"{prop}.name", value.name)
        secret_key(path, f"{prop}.key", value.key)
        if value.client_secret is not None:
            dns_subdomain(path, f"{prop}.client_secret", value.client_secret)
        return value

    def _env(self) -> list[dict[str, Any]]:
        """The variables naming the mounted files, in Kubernetes' ``EnvVar`` shape."""
        env = [{"name": REDIS_TLS_CA_FILE_ENV, "value": REDIS_TLS_CA_FILE}]
        if self.client_secret is not None:
            env += [
                {"name": REDIS_TLS_CERT_FILE_ENV, "value": REDIS_TLS_CERT_FILE},
                {"name": REDIS_TLS_KEY_FILE_ENV, "value": REDIS_TLS_KEY_FILE},
            ]
        return env

    def _volumes(self) -> list[dict[str, Any]]:
        """The pod's volumes, in Kubernetes' ``Volume`` shape: each file under its fixed name."""
        items = [{"key": self.key, "path": "ca.crt"}]
        source = (
            {"secret": {"secretName": self.name, "items": items}}
            if self.source == "Secret"
            else {"configMap": {"name": self.name, "items": items}}
        )
        volumes: list[dict[str, Any]] = [{"name": _CA_VOLUME, **source}]
        if self.client_secret is not None:
            pair = [{"key": "tls.crt", "path": "tls.crt"}, {"key": "tls.key", "path": "tls.key"}]
            volumes.append({"name": _CLIENT_VOLUME, "secret": {"secretName": self.client_secret, "items": pair}})
        return volumes

    def _mounts(self) -> list[dict[str, Any]]:
        """The container's read-only mounts, in Kubernetes' ``VolumeMount`` shape."""
        mounts = [{"name": _CA_VOLUME, "mountPath": REDIS_TLS_CA_FILE.rpartition("/")[0], "readOnly": True}]
        if self.client_secret is not None:
            mounts.append(
                {"name": _CLIENT_VOLUME, "mountPath": REDIS_TLS_CERT_FILE.rpartition("/")[0], "readOnly": True}
            )
        return mounts


def redis_url(
    host: str,
    port: int = 6379,
    *,
    password: str | None = None,
    username: str | None = None,
    tls: bool = False,
    db: int | None = None,
) -> str:
    """A connection string for a Secret, its credentials percent-encoded: ``redis://:p%2Fw@redis:6379``.

    A password holds any character (``/``, ``+``, ``=``, ``@``, ``:``, ``%`` ...): each byte outside
    letters, digits and ``-._~`` is percent-encoded (``urllib.parse.quote(safe="")``), which redis-py,
    ioredis and go-redis decode. Never pass the result as ``url=`` (it would land in ``dist/``): put it in
    a Secret, e.g. ``kubectl create secret generic redis-auth --from-literal=redis-url="$(python -c ...)"``.

    Args:
        host: a DNS name, IPv4 or IPv6 address (bracketed in the URL).
        port: Default ``6379``.
        password: Default ``None``: no credentials. The password (``requirepass``, an ACL user's or an
            AUTH token).
        username: Default ``None``: the ``default`` user. An ACL user; needs ``password``.
        tls: Default ``False``. ``True`` writes ``rediss://``.
        db: Default ``None``: no path (database 0). A database number.

    Raises:
        AgentsmithConfigError: an invalid host, port or db, an empty password or username, or a username
            without a password. The password is never shown.
    """
    if isinstance(host, str) and "://" in host:
        raise fail(None, "host", host, "must be a host, not a URL", "Pass the host alone, e.g. 'redis'.")
    checked_host = check_host(None, "host", host)
    checked_port = check_port(None, port)
    if not isinstance(tls, bool):
        raise fail(None, "tls", tls, "must be True or False", "Use tls=True for rediss://.")
    userinfo = ""
    if password is not None:
        if not isinstance(password, str) or not password:
            shown = "<redacted>" if password else password
            raise fail(None, "password", shown, "must be a non-empty string", "Pass the password as a str.")
        if username is not None and (not isinstance(username, str) or not username):
            raise fail(None, "username", username, "must be a non-empty string", "Pass the ACL user's name, or None.")
        userinfo = f"{quote(username or '', safe='')}:{quote(password, safe='')}@"
    elif username is not None:
        raise fail(None, "username", username, "needs a password", "Pass password=... with the ACL user's password.")
    netloc = f"[{checked_host}]" if ":" in checked_host else checked_host
    path = "" if db is None else "/" + str(integer(None, "db", db, minimum=0, maximum=2**31 - 1, fix="Use e.g. db=0."))
    return f"{'rediss' if tls else 'redis'}://{userinfo}{netloc}:{checked_port}{path}"
