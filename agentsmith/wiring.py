"""Wire client workloads to any RedisEndpoint, whatever cdk8s-plus line or ``k8s`` binding the app uses.

Nothing here imports either: ``redis_url_env`` (and ``redis_client_env``, ``redis_tls_volumes``,
``redis_tls_mounts``) return plain dicts in Kubernetes' shape, which every binding's L1 classes take;
``add_redis_url`` builds the Secret reference and the TLS volumes with the classes of the container's own
cdk8s-plus line.
"""

from __future__ import annotations

import importlib
import re
from types import ModuleType
from typing import Any, Protocol

from constructs import Construct

from agentsmith.client import REDIS_CLUSTER_ENV, RedisTLS
from agentsmith.core.rules import boolean, env_var_name, fail
from agentsmith.endpoint import RedisEndpoint, SecretKeyRef

__all__ = [
    "REDIS_URL_ENV",
    "PlusContainer",
    "PlusEnv",
    "add_redis_url",
    "redis_client_env",
    "redis_tls_mounts",
    "redis_tls_volumes",
    "redis_url_env",
]

#: The variable the Dispatcher and the agents read (seed, "Connection String").
REDIS_URL_ENV = "REDIS_URL"

#: The top-level module of every cdk8s-plus line: cdk8s_plus_17 ... cdk8s_plus_37 and later.
_CDK8S_PLUS = re.compile(r"cdk8s_plus_\d+")


class PlusEnv(Protocol):
    """The ``env`` of a cdk8s-plus ``Container``, of any line (``cdk8s_plus_27.Env`` ...)."""

    def add_variable(self, name: str, value: Any) -> None: ...


class PlusContainer(Protocol):
    """What ``add_redis_url`` takes: a ``Container`` of any cdk8s-plus line (structural; checked at run time too)."""

    @property
    def env(self) -> PlusEnv: ...

    def mount(self, path: str, storage: Any, *, read_only: bool | None = None) -> None: ...


def redis_url_env(endpoint: RedisEndpoint, *, name: str = REDIS_URL_ENV) -> dict[str, Any]:
    """``REDIS_URL`` for an L1 container of any binding: a fresh dict in Kubernetes' ``EnvVar`` shape (camelCase).

    ``name``: Default ``"REDIS_URL"``. Use it as ``k8s.Container(..., env=[redis_url_env(redis)])``.
    """
    _check_wiring(endpoint, name)
    return endpoint.connection._env_var(name)


def redis_client_env(endpoint: RedisEndpoint) -> list[dict[str, Any]]:
    """The variables besides ``REDIS_URL`` an L1 container needs: fresh dicts in Kubernetes' ``EnvVar`` shape.

    Empty for an endpoint without ``tls_ca`` or ``cluster`` (EphemeralRedis, your own). With ``tls_ca``:
    ``REDIS_TLS_CA_FILE`` (and ``REDIS_TLS_CERT_FILE``, ``REDIS_TLS_KEY_FILE`` with a client certificate),
    the paths where :func:`redis_tls_mounts` mounts the files; with ``cluster=True``: ``REDIS_CLUSTER=true``.
    Use it as ``env=[redis_url_env(bus), *redis_client_env(bus)]``.
    """
    return _client_env(*_check_wiring(endpoint, REDIS_URL_ENV))


def _client_env(tls: RedisTLS | None, cluster: bool) -> list[dict[str, Any]]:
    return [*(tls._env() if tls else []), *([{"name": REDIS_CLUSTER_ENV, "value": "true"}] if cluster else [])]


def redis_tls_volumes(endpoint: RedisEndpoint) -> list[dict[str, Any]]:
    """The pod volumes of the endpoint's ``tls_ca``, in Kubernetes' ``Volume`` shape; empty without it.

    ``redis-tls-ca`` (the CA bundle as ``ca.crt``, from the Secret or ConfigMap) and, with a client
    certificate, ``redis-tls-client`` (``tls.crt``, ``tls.key``). Use it as ``PodSpec(volumes=...)``.
    """
    tls, _ = _check_wiring(endpoint, REDIS_URL_ENV)
    return tls._volumes() if tls else []


def redis_tls_mounts(endpoint: RedisEndpoint) -> list[dict[str, Any]]:
    """The container's read-only mounts of :func:`redis_tls_volumes`, in ``VolumeMount`` shape; empty without TLS.

    At ``/etc/agentsmith/redis-tls/ca`` and ``/etc/agentsmith/redis-tls/client``. Use it as
    ``Container(volume_mounts=...)``.
    """
    tls, _ = _check_wiring(endpoint, REDIS_URL_ENV)
    return tls._mounts() if tls else []


def add_redis_url(
    scope: Construct, container: PlusContainer, endpoint: RedisEndpoint, *, name: str = REDIS_URL_ENV
) -> None:
    """Add ``REDIS_URL``, from the endpoint's connection Secret, to a cdk8s-plus ``container`` of any line.

    With the endpoint's ``tls_ca`` it also mounts the CA bundle (and client certificate) read-only and adds
    the variables naming them; with ``cluster=True``, ``REDIS_CLUSTER=true`` (:func:`redis_client_env`).
    The volumes join the container's pod. ``scope`` owns the Secret reference (id
    ``ConnectionSecret-<secret name>``) and the volumes (``RedisTlsCa-...``), each made once per scope.
    ``name``: Default ``"REDIS_URL"``.

    Raises:
        AgentsmithConfigError: ``container`` is not a cdk8s-plus container (use ``redis_url_env``); nothing changed.
    """
    tls, cluster = _check_wiring(endpoint, name)
    kplus = _cdk8s_plus_of(container)
    if not isinstance(scope, Construct):
        raise fail(None, "scope", scope, "must be a construct", "Pass the chart that holds the workload.")
    secret_name = endpoint.connection.name
    reference_id = f"ConnectionSecret-{secret_name}"
    secret = scope.node.try_find_child(reference_id) or kplus.Secret.from_secret_name(scope, reference_id, secret_name)
    value = kplus.EnvValue.from_secret_value(kplus.SecretValue(secret=secret, key=endpoint.connection.key))
    container.env.add_variable(name, value)
    if tls is not None:
        for volume, mount in zip(tls._volumes(), tls._mounts(), strict=True):
            container.mount(mount["mountPath"], _plus_volume(kplus, scope, volume), read_only=True)
    for variable in _client_env(tls, cluster):
        container.env.add_variable(variable["name"], kplus.EnvValue.from_value(variable["value"]))


def _plus_volume(kplus: ModuleType, scope: Construct, volume: dict[str, Any]) -> Any:
    """The cdk8s-plus ``Volume`` of a ``Volume``-shaped dict of :class:`RedisTLS`, made once per scope."""
    if "configMap" in volume:
        kind, source_name = "ConfigMap", volume["configMap"]["name"]
        items = volume["configMap"]["items"]
    else:
        kind, source_name = "Secret", volume["secret"]["secretName"]
        items = volume["secret"]["items"]
    paths = "-".join(f"{item['key']}={item['path']}" for item in items)
    volume_id = f"RedisTls-{volume['name']}-{kind}-{source_name}-{paths}"
    found = scope.node.try_find_child(volume_id)
    if found is not None:
        return found
    mapping = {item["key"]: kplus.PathMapping(path=item["path"]) for item in items}
    if kind == "ConfigMap":
        source = kplus.ConfigMap.from_config_map_name(scope, f"{volume_id}-source", source_name)
        return kplus.Volume.from_config_map(scope, volume_id, source, name=volume["name"], items=mapping)
    source = kplus.Secret.from_secret_name(scope, f"{volume_id}-source", source_name)
    return kplus.Volume.from_secret(scope, volume_id, source, name=volume["name"], items=mapping)


def _line_of(cls: type) -> str | None:
    """The cdk8s-plus module (``cdk8s_plus_37``) that ``cls`` or one of its bases comes from."""
    for base in cls.__mro__:
        top = base.__module__.partition(".")[0]
        if _CDK8S_PLUS.fullmatch(top):
            return top
    return None


def _cdk8s_plus_of(container: object) -> ModuleType:
    """The cdk8s-plus module whose ``Container`` class ``container`` is an instance of."""
    line = _line_of(type(container))
    try:
        module = importlib.import_module(line) if line else None  # already imported: the container exists
    except ImportError:
        module = None
    if module is None or not isinstance(container, getattr(module, "Container", ())):
        raise fail(
            None,
            "container",
            container,
            "must be a cdk8s-plus Container (cdk8s_plus_27 or later), e.g. deployment.add_container(...)",
            "For an L1 k8s.Container pass env=[redis_url_env(endpoint)] instead.",
        )
    return module


def _check_wiring(endpoint: object, name: object) -> tuple[RedisTLS | None, bool]:
    """The arguments of the wiring helpers: a RedisEndpoint and an env var name; returns the endpoint's optional
    ``tls_ca`` and ``cluster`` (endpoints written before them have none)."""
    if not isinstance(endpoint, RedisEndpoint) or not isinstance(getattr(endpoint, "connection", None), SecretKeyRef):
        raise fail(
            None,
            "endpoint",
            "<redacted>" if isinstance(endpoint, str) and "@" in endpoint else endpoint,
            "must be a RedisEndpoint (EphemeralRedis, ExternalRedis or your own), not a " + type(endpoint).__name__,
            "Pass the construct itself, e.g. redis_url_env(redis) with redis = EphemeralRedis(...).",
        )
    SecretKeyRef._check(None, endpoint.connection, prop="endpoint.connection")  # your own endpoint's, too
    tls = getattr(endpoint, "tls_ca", None)
    if tls is not None:
        RedisTLS._check(None, tls, prop="endpoint.tls_ca")
    cluster = boolean(None, "endpoint.cluster", getattr(endpoint, "cluster", False))
    env_var_name(None, "name", name)
    return tls, cluster
