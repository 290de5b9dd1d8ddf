"""The redis_exporter sidecar of ``EphemeralRedis(metrics=...)``: its login, container, Service and ServiceMonitor.

Who the exporter logs in as, by access mode (``EphemeralRedis`` docstring):

============================  =====================  ==============================================
mode                          exporter logs in as    Redis args added
============================  =====================  ==============================================
no guard (``seed_exact``)     default user           none (the seed's args stay exact)
guard, no password            ``metrics``            ``--user metrics on nopass`` (no password, like
                                                     the default user)
guard + ``metrics.password``  ``metrics``            ``--user metrics`` (its own password)
``password(auth)``            ``metrics``            ``--user metrics``, the ``auth`` password
                                                     unless ``metrics.password`` is given
``roles([...])``              ``metrics``            ``--user metrics``, ``metrics.password``
                                                     (required)
============================  =====================  ==============================================

The ``metrics`` user has no keys and no channels: it cannot read or write a job,
and neither can anyone who reaches the exporter's ``/scrape?target=...&check-keys=...``
(the exporter's multi-target endpoint runs with the exporter's login). Under the
guard the default user's rules never change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from . import _acl, _manifest
from ._rules import PathArg, fail
from .auth import RedisAuth
from .endpoint import SecretKeyRef
from .metrics import RedisMetrics
from .roles import RedisRole

__all__ = [
    "EXPORTER_COMMANDS",
    "EXPORTER_CONTAINER",
    "METRICS_COMPONENT",
    "METRICS_PORT_NAME",
    "METRICS_USER",
    "ExporterLogin",
    "container",
    "login",
    "metrics_service_name",
    "peers",
    "service",
    "service_monitor",
]

#: The exporter's ACL user (with the command guard). Not a role name.
METRICS_USER: Final = "metrics"
EXPORTER_CONTAINER: Final = "redis-exporter"
METRICS_PORT_NAME: Final = "metrics"
#: ``app.kubernetes.io/component`` of the metrics Service: the ServiceMonitor selects it.
METRICS_COMPONENT: Final = "metrics"
#: What redis_exporter runs on each scrape besides INFO/PING (all read-only): CONFIG GET * (maxmemory,
#: maxclients), LATENCY LATEST/HISTOGRAM, SLOWLOG GET/LEN, and CLIENT SETNAME for its own name.
EXPORTER_COMMANDS: Final = (
    "-@all",
    "+ping",
    "+info",
    "+client|setname",
    "+config|get",
    "+latency|latest",
    "+latency|histogram",
    "+slowlog|get",
    "+slowlog|len",
)
#: redis_exporter reads its password from this variable.
_EXPORTER_PASSWORD_ENV: Final = "REDIS_PASSWORD"
#: The exporter sends AUTH only with a non-empty password; a ``nopass`` user accepts any, so this is no secret.
_NOPASS: Final = "nopass"
#: In the Redis container: the metrics user's own password (``metrics.password``).
METRICS_PASSWORD_ENV: Final = _acl.METRICS_PASSWORD_ENV
#: The exporter's image runs as this UID (oliver006/redis_exporter's Dockerfile: USER 59000:59000).
_EXPORTER_UID: Final = 59000
_HEALTH_PATH: Final = "/health"
_SECCOMP: Final = {"type": "RuntimeDefault"}


@dataclass(frozen=True)
class ExporterLogin:
    """How the exporter logs in (see the module docstring).

    Attributes:
        user: ``--redis.user`` (None: the default user, and no ``metrics`` user).
        password: the Secret key the exporter reads its password from (None:
            none, or ``nopass`` for a ``metrics`` user without a password).
        redis_env: the Redis container's variable holding the metrics user's
            password, for ``>$(...)`` in its ``--user`` line (None: ``nopass``).
    """

    user: str | None
    password: SecretKeyRef | None
    redis_env: str | None

    @property
    def own_secret(self) -> bool:
        """The Redis container needs ``redis_env`` from ``password`` (the metrics user's own password)."""
        return self.redis_env == METRICS_PASSWORD_ENV


def login(
    path: PathArg,
    metrics: RedisMetrics,
    *,
    auth: RedisAuth | None,
    roles: tuple[RedisRole, ...] | None,
    command_guard: bool,
) -> ExporterLogin:
    """Resolve the exporter's login for one access mode; raise when ``metrics.password`` does not fit it."""
    own = metrics.password
    if not command_guard:
        if own is not None:
            raise fail(
                path,
                "metrics.password",
                own,
                "needs the command guard: without it (RedisAccess.seed_exact(), RedisAccess.password(..., "
                "command_guard=False)) Redis has only the default user",
                "Drop 'metrics.password' (the exporter then logs in as the default user).",
            )
        auth_ref = None if auth is None else SecretKeyRef(name=auth.secret_name, key=auth.password_key)
        return ExporterLogin(user=None, password=auth_ref, redis_env=None)
    if roles is not None:
        if own is None:
            raise fail(
                path,
                "metrics.password",
                None,
                "is required with RedisAccess.roles(...): the exporter logs in as its own ACL user 'metrics'",
                "Pass RedisMetrics(password=SecretKeyRef(name='redis-metrics', key='redis-password')).",
            )
        for index, role in enumerate(roles):
            if role.name == METRICS_USER:
                raise fail(
                    path,
                    f"access.roles[{index}].name",
                    role.name,
                    f"cannot be {METRICS_USER!r} with metrics=RedisMetrics(...): the exporter's ACL user has that name",
                    "Rename the role.",
                )
    if own is not None:
        return ExporterLogin(user=METRICS_USER, password=own, redis_env=METRICS_PASSWORD_ENV)
    if auth is not None:
        ref = SecretKeyRef(name=auth.secret_name, key=auth.password_key)
        return ExporterLogin(user=METRICS_USER, password=ref, redis_env=_acl.PASSWORD_ENV)
    # No password anywhere: a user without one, as the default user is; it can do less than that user.
    return ExporterLogin(user=METRICS_USER, password=None, redis_env=None)


def acl_user(password_env: str | None) -> list[str]:
    """The exporter's ``--user`` directive: read-only server commands, no keys, no channels."""
    password = _NOPASS if password_env is None else f">$({password_env})"
    return ["--user", METRICS_USER, "on", password, "resetkeys", "resetchannels", *EXPORTER_COMMANDS]


def metrics_service_name(name: str) -> str:
    """``"redis-metrics"`` for the Redis named ``"redis"``."""
    return f"{name}-metrics"


def _pull_policy(image: str) -> str:
    return "IfNotPresent" if "@" in image else "Always"


def _http_probe(*, initial_delay: int, period: int) -> dict[str, Any]:
    # /health answers 200 while the exporter serves, whatever Redis's state: Redis down shows as
    # redis_up 0 (an alert), not as an unready pod that would take the bus out of its Service.
    return {
        "httpGet": {"path": _HEALTH_PATH, "port": METRICS_PORT_NAME},
        "initialDelaySeconds": initial_delay,
        "periodSeconds": period,
        "timeoutSeconds": 3,
    }


def container(metrics: RedisMetrics, exporter_login: ExporterLogin, *, redis_port: int) -> dict[str, Any]:
    """The ``redis-exporter`` container: scrapes Redis on the pod's loopback, serves ``/metrics``."""
    args = [f"--redis.addr=redis://127.0.0.1:{redis_port}", f"--web.listen-address=:{metrics.port}"]
    if exporter_login.user is not None:
        args.append(f"--redis.user={exporter_login.user}")
    resources = metrics.resources
    spec: dict[str, Any] = {
        "name": EXPORTER_CONTAINER,
        "image": metrics.image,
        "imagePullPolicy": _pull_policy(metrics.image),
        "args": args,
        "ports": [{"name": METRICS_PORT_NAME, "containerPort": metrics.port, "protocol": "TCP"}],
        "resources": {
            "requests": {"cpu": resources.cpu_request, "memory": resources.memory_request},
            "limits": {"cpu": resources.cpu_limit, "memory": resources.memory_limit},
        },
        "readinessProbe": _http_probe(initial_delay=5, period=10),
        "livenessProbe": _http_probe(initial_delay=10, period=30),
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,  # the exporter writes no files
            "runAsNonRoot": True,
            "runAsUser": _EXPORTER_UID,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": dict(_SECCOMP),
        },
    }
    if exporter_login.password is not None:
        spec["env"] = [exporter_login.password._env_var(_EXPORTER_PASSWORD_ENV)]
    elif exporter_login.user is not None:
        spec["env"] = [{"name": _EXPORTER_PASSWORD_ENV, "value": _NOPASS}]
    return spec


def peers(metrics: RedisMetrics) -> list[dict[str, Any]]:
    """The NetworkPolicy ``from`` entries of ``metrics.scrape_from``."""
    return [peer._policy_entry() for peer in metrics.scrape_from]


def service(
    metrics: RedisMetrics, *, name: str, namespace: str | None, labels: Mapping[str, str], selector: Mapping[str, str]
) -> dict[str, Any]:
    """The ``<name>-metrics`` ClusterIP Service: one port, ``metrics``."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _manifest.metadata(metrics_service_name(name), namespace=namespace, labels=labels),
        "spec": {
            "type": "ClusterIP",
            "selector": dict(selector),
            "ports": [
                {"name": METRICS_PORT_NAME, "port": metrics.port, "targetPort": METRICS_PORT_NAME, "protocol": "TCP"}
            ],
        },
    }


def service_monitor(
    metrics: RedisMetrics, *, name: str, namespace: str | None, labels: Mapping[str, str], selector: Mapping[str, str]
) -> dict[str, Any]:
    """A ServiceMonitor for the metrics Service (prometheus-operator ``monitoring.coreos.com/v1``)."""
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": _manifest.metadata(name, namespace=namespace, labels=labels),
        "spec": {
            "selector": {"matchLabels": dict(selector)},
            "endpoints": [{"port": METRICS_PORT_NAME, "path": "/metrics", "interval": metrics.scrape_interval}],
        },
    }
