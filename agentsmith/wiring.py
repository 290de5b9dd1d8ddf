"""Wire client workloads to any RedisEndpoint, whatever cdk8s-plus line or ``k8s`` binding the app uses.

Nothing here imports either: ``redis_url_env`` returns a plain dict in Kubernetes' shape, which every
binding's L1 ``Container`` takes; ``add_redis_url`` builds the Secret reference with the classes of the
container's own cdk8s-plus line.
"""

from __future__ import annotations

import importlib
import re
from types import ModuleType
from typing import Any, Protocol

from constructs import Construct

from agentsmith.core.rules import env_var_name, fail
from agentsmith.endpoint import RedisEndpoint, SecretKeyRef

__all__ = ["REDIS_URL_ENV", "PlusContainer", "PlusEnv", "add_redis_url", "redis_url_env"]

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


def redis_url_env(endpoint: RedisEndpoint, *, name: str = REDIS_URL_ENV) -> dict[str, Any]:
    """``REDIS_URL`` for an L1 container of any binding: a fresh dict in Kubernetes' ``EnvVar`` shape (camelCase).

    ``name``: Default ``"REDIS_URL"``. Use it as ``k8s.Container(..., env=[redis_url_env(redis)])``.
    """
    _check_wiring(endpoint, name)
    return endpoint.connection._env_var(name)


def add_redis_url(
    scope: Construct, container: PlusContainer, endpoint: RedisEndpoint, *, name: str = REDIS_URL_ENV
) -> None:
    """Add ``REDIS_URL``, from the endpoint's connection Secret, to a cdk8s-plus ``container`` of any line.

    ``scope`` owns the Secret reference (id ``ConnectionSecret-<secret name>``, made once per scope).
    ``name``: Default ``"REDIS_URL"``.

    Raises:
        AgentsmithConfigError: ``container`` is not a cdk8s-plus container (use ``redis_url_env``); nothing changed.
    """
    _check_wiring(endpoint, name)
    kplus = _cdk8s_plus_of(container)
    if not isinstance(scope, Construct):
        raise fail(None, "scope", scope, "must be a construct", "Pass the chart that holds the workload.")
    secret_name = endpoint.connection.name
    reference_id = f"ConnectionSecret-{secret_name}"
    secret = scope.node.try_find_child(reference_id) or kplus.Secret.from_secret_name(scope, reference_id, secret_name)
    value = kplus.EnvValue.from_secret_value(kplus.SecretValue(secret=secret, key=endpoint.connection.key))
    container.env.add_variable(name, value)


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


def _check_wiring(endpoint: object, name: object) -> None:
    """The arguments of ``redis_url_env``/``add_redis_url``: a RedisEndpoint and an env var name."""
    if not isinstance(endpoint, RedisEndpoint) or not isinstance(getattr(endpoint, "connection", None), SecretKeyRef):
        raise fail(
            None,
            "endpoint",
            "<redacted>" if isinstance(endpoint, str) and "@" in endpoint else endpoint,
            "must be a RedisEndpoint (EphemeralRedis, ExternalRedis or your own), not a " + type(endpoint).__name__,
            "Pass the construct itself, e.g. redis_url_env(redis) with redis = EphemeralRedis(...).",
        )
    SecretKeyRef._check(None, endpoint.connection, prop="endpoint.connection")  # your own endpoint's, too
    env_var_name(None, "name", name)
