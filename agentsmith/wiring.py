"""Wire client workloads to any RedisEndpoint without repeating names.

``cdk8s_plus_27`` is imported inside the functions: it is only needed here, and
importing it costs more than a whole synth of this library's constructs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from constructs import Construct

from . import _validate
from .endpoint import RedisEndpoint

if TYPE_CHECKING:
    import cdk8s_plus_27 as kplus
    from cdk8s_plus_27 import k8s

__all__ = ["REDIS_URL_ENV", "add_redis_url", "redis_url_env"]

#: The variable the Dispatcher and the agents read (seed, "Connection String").
REDIS_URL_ENV = "REDIS_URL"


def redis_url_env(endpoint: RedisEndpoint, *, name: str = REDIS_URL_ENV) -> k8s.EnvVar:
    """An L1 ``EnvVar`` reading the URL from the endpoint's connection Secret.

    For ``k8s.KubeDeployment`` and other L1 objects::

        k8s.Container(name="dispatcher", image=..., env=[redis_url_env(redis)])
    """
    from cdk8s_plus_27 import k8s

    _validate.wiring(endpoint, name)
    return k8s.EnvVar(
        name=name,
        value_from=k8s.EnvVarSource(
            secret_key_ref=k8s.SecretKeySelector(name=endpoint.connection.name, key=endpoint.connection.key)
        ),
    )


def add_redis_url(
    scope: Construct, container: kplus.Container, endpoint: RedisEndpoint, *, name: str = REDIS_URL_ENV
) -> None:
    """Add ``REDIS_URL`` (from the endpoint's connection Secret) to a cdk8s-plus container.

    ``scope`` owns the imported Secret reference (any construct, e.g. the
    workload's chart). The reference's construct id is
    ``ConnectionSecret-<secret name>``; it is created once per scope and
    reused, so any number of containers can be wired in the same scope.
    """
    import cdk8s_plus_27 as kplus

    _validate.wiring(endpoint, name)
    secret_name = endpoint.connection.name
    reference_id = f"ConnectionSecret-{secret_name}"
    secret = scope.node.try_find_child(reference_id) or kplus.Secret.from_secret_name(scope, reference_id, secret_name)
    value = kplus.EnvValue.from_secret_value(
        kplus.SecretValue(secret=secret, key=endpoint.connection.key)  # type: ignore[arg-type]
    )
    container.env.add_variable(name, value)
