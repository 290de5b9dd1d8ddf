"""EphemeralRedis: an in-memory (opt-in: append-only file on a volume), single-replica Redis used as the message bus."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

import cdk8s
from constructs import Construct

from agentsmith.access import server
from agentsmith.access.access import DEFAULT_ACCESS, DEFAULT_MAX_VALUE_SIZE, RedisAccess
from agentsmith.base import manifest
from agentsmith.base.construct import check_chart_labels, checked_init, public_signature, read_only
from agentsmith.checks import collisions
from agentsmith.connection_secret import add_connection_secret, check_one_file_per_copy
from agentsmith.core import limits, redis_props, seed
from agentsmith.core.quantity import parse_quantity
from agentsmith.core.rules import ConstructPath, PathArg, dns_label, dns_subdomain, fail
from agentsmith.core.rules import labels as check_labels
from agentsmith.core.rules import port as check_port
from agentsmith.endpoint import RedisEndpoint, SecretKeyRef
from agentsmith.errors import AgentsmithConfigError
from agentsmith.metrics import alerts, dashboard, exporter
from agentsmith.metrics.metrics import EXPORTER_PORT, RedisMetrics
from agentsmith.pod import disruption as pod_disruption
from agentsmith.pod import options as pod_options_manifest
from agentsmith.pod import placement as pod_placement
from agentsmith.pod.disruption import DEFAULT_DISRUPTION, RedisDisruption
from agentsmith.pod.filesystem import DEFAULT_FILESYSTEM, RedisFilesystem
from agentsmith.pod.network import DEFAULT_NETWORK, RedisNetwork, policy_manifest
from agentsmith.pod.network import admits as network_admits
from agentsmith.pod.options import DEFAULT_POD_OPTIONS, RedisPodOptions
from agentsmith.pod.persistence import DEFAULT_PERSISTENCE, RedisPersistence, claim_manifest, redis_args, volume_fits
from agentsmith.pod.placement import DEFAULT_PLACEMENT, RedisPlacement
from agentsmith.pod.probes import DEFAULT_PROBES, RedisProbes, probe_manifest
from agentsmith.pod.resources import DEFAULT_RESOURCES, Resources

__all__ = ["EphemeralRedis"]

_SECCOMP = {"type": "RuntimeDefault"}  # PSS restricted: the container runtime's default profile
_DATA_VOLUME = "data"
_DATA_PATH = "/data"  # the official image's WORKDIR
#: Rollout strategy: stop the old pod before starting the new one, so clients
#: never see two buses (RollingUpdate's surge pod would be a second, empty Redis). With ``persistence`` it is
#: also what releases a ReadWriteOnce claim before the new pod mounts it (a surge pod would wait for it).
_ROLLOUT_STRATEGY: Final = "Recreate"


@public_signature
@read_only
class EphemeralRedis(Construct):
    """A Redis ``Deployment`` and ``ClusterIP`` ``Service``, and the Secret clients read its URL from.

    With the defaults it writes the seed's manifests ("Phase 19 - Step 2") field for field, plus additive
    hardening: a NetworkPolicy, restricted security contexts, a command guard and client memory bounds
    (docs/security.md, "Secure by default"). One replica, ``strategy: Recreate``, no volume: the design's
    choices (docs/design.md, "Decisions from the design"); a PersistentVolumeClaim only with ``persistence``.

    Args:
        scope: the parent construct (a chart).
        id: construct id; part of the construct path, so keep it stable.
        name: Default ``"redis"`` (seed). The Deployment's, Service's, NetworkPolicy's and container's
            name, and the ``app`` selector label.
        namespace: Default ``None``: the chart's namespace. The namespace of every object.
        image: Default ``"redis:7-alpine"`` (seed). The image, with a tag and/or a digest.
        maxmemory: Default ``"256mb"`` (seed). ``--maxmemory``: at least ``"8mb"``, at most 16/29 of
            ``resources.memory_limit`` minus twice ``access.max_value_size`` (docs/operations.md, "Sizing").
        maxmemory_policy: Default ``"allkeys-lru"`` (seed). ``--maxmemory-policy``; it may evict the streams
            of jobs in flight (docs/design.md, "Eviction under memory pressure").
        port: Default ``6379`` (seed). Container, Service and target port; another adds ``--port`` and ``-p``.
        resources: Default :data:`DEFAULT_RESOURCES`: the seed's 100m/128Mi requests, 500m/512Mi limits.
        labels: Default none. Extra labels on every object; not ``app`` or ``app.kubernetes.io/name`` or
            ``app.kubernetes.io/component``, which the construct sets (nor may the chart's labels).
        run_as_user: Default ``999`` (seed). The container's UID and the pod's ``fsGroup``; not 0.
        probes: Default :data:`DEFAULT_PROBES`: the seed's timings, ``failureThreshold: 8`` on liveness.
        cluster_domain: Default ``"cluster.local"``. The DNS suffix of :attr:`fqdn`.
        network: Default :data:`DEFAULT_NETWORK`: a NetworkPolicy admitting Redis's own namespace on the
            Redis port, no egress (:attr:`network_policy`).
        filesystem: Default :data:`DEFAULT_FILESYSTEM`: a writable root (seed).
        access: Default :data:`DEFAULT_ACCESS`: no password (seed), the command guard and client bounds,
            the connection Secret published (:attr:`connection`).
        client_namespaces: Default ``()``. Other namespaces whose pods use the bus: the NetworkPolicy admits
            them and a copy of the connection Secret (URL :attr:`cluster_url`) is published in each.
        metrics: Default ``None``: no metrics. :class:`RedisMetrics` adds an exporter sidecar, a
            ``<name>-metrics`` Service, a ServiceMonitor and a PrometheusRule (and, with ``dashboard``, a
            ``<name>-dashboard`` ConfigMap).
        placement: Default :data:`DEFAULT_PLACEMENT`: any node, no toleration, the cluster's default priority.
            Node selector, tolerations, node affinity, pod anti-affinity, topology spread, priority class.
        pod_options: Default :data:`DEFAULT_POD_OPTIONS`: pull policy ``Always`` for a tag and
            ``IfNotPresent`` for a digest, no pull secrets, the namespace's default service account (token not
            mounted), no annotations. An explicit pull policy applies to the exporter too.
        disruption: Default :data:`DEFAULT_DISRUPTION`: no PodDisruptionBudget, a drain evicts the bus and its
            in-flight jobs (the design's). :meth:`RedisDisruption.wait_for_bus` adds one
            (:attr:`disruption_budget`; docs/operations.md, "Node drains").

        persistence: Default :data:`DEFAULT_PERSISTENCE`: memory only, no volume (seed).
            :meth:`RedisPersistence.append_only` adds ``--appendonly yes`` and a PersistentVolumeClaim
            ``<name>-data`` at ``/data`` (docs/operations.md, "Persistence").

    Everything else in the pod spec goes through ``add_json_patch`` on :attr:`deployment` (and the other
    objects): the escape hatch, with no check.

    Raises:
        AgentsmithConfigError: a prop is invalid; nothing has been created.
    """

    @checked_init
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str = seed.REDIS_NAME,
        namespace: str | None = None,
        image: str = seed.REDIS_IMAGE,
        maxmemory: str = seed.REDIS_MAXMEMORY,
        maxmemory_policy: str = seed.REDIS_MAXMEMORY_POLICY,
        port: int = seed.REDIS_PORT,
        resources: Resources = DEFAULT_RESOURCES,
        labels: Mapping[str, str] | None = None,
        run_as_user: int = seed.REDIS_RUN_AS_USER,
        probes: RedisProbes = DEFAULT_PROBES,
        cluster_domain: str = seed.CLUSTER_DOMAIN,
        network: RedisNetwork = DEFAULT_NETWORK,
        filesystem: RedisFilesystem = DEFAULT_FILESYSTEM,
        access: RedisAccess = DEFAULT_ACCESS,
        client_namespaces: Sequence[str] = (),
        metrics: RedisMetrics | None = None,
        placement: RedisPlacement = DEFAULT_PLACEMENT,
        pod_options: RedisPodOptions = DEFAULT_POD_OPTIONS,
        disruption: RedisDisruption = DEFAULT_DISRUPTION,
        persistence: RedisPersistence = DEFAULT_PERSISTENCE,
    ) -> None:
        path = ConstructPath(scope, id)
        # Validate the props before the construct joins the tree (a bad one leaves the tree untouched), and
        # everything before creating any API object. Fields are resolved once here and read-only (Final) after.
        self.name: Final[str] = dns_label(path, "name", name, service=True)
        self.namespace: Final[str | None] = None if namespace is None else dns_label(path, "namespace", namespace)
        self.image: Final[str] = redis_props.image(path, image)
        maxmemory_bytes = redis_props.maxmemory(path, maxmemory)
        self.maxmemory: Final[str] = maxmemory
        self.maxmemory_policy: Final[str] = redis_props.maxmemory_policy(path, maxmemory_policy)
        self.port: Final[int] = check_port(path, port)
        self.resources: Final[Resources] = Resources._check(path, resources)
        limit_bytes = int(parse_quantity(resources.memory_limit))  # valid and whole: Resources._check
        self.run_as_user: Final[int] = redis_props.run_as_user(path, run_as_user)
        self.probes: Final[RedisProbes] = RedisProbes._check(path, probes)
        self.cluster_domain: Final[str] = dns_subdomain(path, "cluster_domain", cluster_domain)
        self.network: Final[RedisNetwork] = RedisNetwork._check(path, network)
        self.filesystem: Final[RedisFilesystem] = RedisFilesystem._check(path, filesystem)
        self.access: Final[RedisAccess] = RedisAccess._check(path, access)
        self.persistence: Final[RedisPersistence] = RedisPersistence._check(path, persistence)
        volume_fits(path, persistence, maxmemory, maxmemory_bytes)
        # An AOF rewrite forks Redis and copy-on-write may duplicate every page: Redis sizes from half the limit.
        redis_limit = limit_bytes // 2 if persistence.enabled else limit_bytes
        clients = limits.least_client_budget(access.max_value_size)
        if access.max_value_size not in (None, DEFAULT_MAX_VALUE_SIZE):  # a value the user chose is named first
            output_limit = limits.output_hard_limit(limits.client_budget(maxmemory_bytes, redis_limit))
            redis_props.max_value_size_fits(path, access.max_value_size, output_limit, prop="access.max_value_size")
        redis_props.maxmemory_headroom(
            path,
            maxmemory,
            maxmemory_bytes,
            resources.memory_limit,
            limit_bytes,
            clients=clients,
            persistent=persistence.enabled,
        )
        #: Bytes all clients together may hold (``--maxmemory-clients``): what the memory limit (half of it with
        #: persistence) leaves after ``maxmemory`` and the allocator's overhead under churn (13/16 of it); 48mb
        #: by default.
        self.client_memory_budget: Final[int] = limits.client_budget(maxmemory_bytes, redis_limit)
        self.metrics: Final[RedisMetrics | None] = RedisMetrics._check(path, metrics)
        if self.metrics is not None and self.metrics.port == self.port:
            raise fail(
                path,
                "metrics.port",
                self.metrics.port,
                f"must differ from 'port' ({self.port}): both containers share the pod's network",
                f"Use {EXPORTER_PORT}, redis_exporter's default.",
            )
        self.placement: Final[RedisPlacement] = RedisPlacement._check(path, placement)
        self.pod_options: Final[RedisPodOptions] = RedisPodOptions._check(path, pod_options)
        self.disruption: Final[RedisDisruption] = RedisDisruption._check(path, disruption)
        self._server = server.resolve(
            access,
            path,
            redis_name=self.name,
            port=self.port,
            client_budget=self.client_memory_budget,
            metrics=self.metrics is not None,
            metrics_password=None if self.metrics is None else self.metrics.password,
        )
        #: Where clients read the connection string (a role's, the ``auth`` Secret's, or the published one).
        self.connection: Final[SecretKeyRef] = self._server.connection
        owned = {
            seed.SELECTOR_LABEL_KEY: self.name,
            seed.NAME_LABEL_KEY: seed.REDIS_NAME,
            seed.COMPONENT_LABEL_KEY: seed.COMPONENT_MESSAGE_BUS,
        }
        user_labels = check_labels(path, labels, reserved=owned)
        super().__init__(scope, id)
        check_chart_labels(path, scope, owned)
        #: ``{"app": name}``: the Deployment's and Service's selector (read-only).
        self.selector_labels: Final[Mapping[str, str]] = MappingProxyType({seed.SELECTOR_LABEL_KEY: self.name})
        #: The labels on every object (read-only): ``labels`` plus the construct's own keys.
        self.labels: Final[Mapping[str, str]] = MappingProxyType({**user_labels, **owned})
        self._pod_labels = {**user_labels, **self.selector_labels}
        #: The metrics Service's and monitoring objects' labels: component ``metrics``.
        self._metrics_labels = {**self.labels, seed.COMPONENT_LABEL_KEY: exporter.METRICS_COMPONENT}
        self._monitor_labels = {**({} if metrics is None else metrics.monitor_labels), **self._metrics_labels}
        create_policy = network.creates_policy
        publish = access.publish_connection_secret
        #: Other namespaces whose pods may use this bus (``client_namespaces``), read-only.
        self.client_namespaces: Final[tuple[str, ...]] = self._resolve_client_namespaces(path, client_namespaces)
        if publish and self.client_namespaces:
            check_one_file_per_copy(path, self, self.connection.name, self._home_namespace(), self.client_namespaces)
        collisions.claim(
            self,
            path,
            [
                ("name", "Deployment", self.namespace, self.name),
                ("name", "Service", self.namespace, self.name),
                *([("name", "NetworkPolicy", self.namespace, self.name)] if create_policy else []),
                *([("access.connection_secret", "Secret", self.namespace, self.connection.name)] if publish else []),
                *[
                    ("client_namespaces", "Secret", client, self.connection.name)
                    for client in (self.client_namespaces if publish else ())
                ],
                *self._metrics_claims(),
                *(
                    [("disruption", "PodDisruptionBudget", self.namespace, self.name)]
                    if disruption.creates_budget
                    else []
                ),
                *(
                    [("persistence", "PersistentVolumeClaim", self.namespace, self._claim_name)]
                    if persistence.enabled
                    else []
                ),
            ],
        )

        #: The API objects; ``add_json_patch`` on them is the escape hatch.
        self.deployment: Final[cdk8s.ApiObject] = manifest.add_manifest(self, "Deployment", self._deployment())
        self.service: Final[cdk8s.ApiObject] = manifest.add_manifest(self, "Service", self._service())
        #: The PersistentVolumeClaim ``<name>-data``, or None (``persistence=RedisPersistence.none()``).
        self.volume_claim: Final[cdk8s.ApiObject | None] = (
            manifest.add_manifest(
                self,
                "PersistentVolumeClaim",
                claim_manifest(
                    persistence,
                    metadata=manifest.metadata(self._claim_name, namespace=self.namespace, labels=self.labels),
                ),
            )
            if persistence.enabled
            else None
        )
        #: The NetworkPolicy, or None with ``network=RedisNetwork.unmanaged()``.
        self.network_policy: Final[cdk8s.ApiObject | None] = (
            manifest.add_manifest(self, "NetworkPolicy", self._network_policy()) if create_policy else None
        )
        #: The published connection Secret, or None (a password or roles, ``publish_connection_secret=False``).
        self.secret: Final[cdk8s.ApiObject | None] = (
            add_connection_secret(
                self, "Secret", self.connection, self.url, namespace=self.namespace, labels=user_labels, bus=self
            )
            if publish
            else None
        )
        #: The connection Secret's copies in ``client_namespaces``, by namespace (empty when not published).
        self.client_secrets: Final[Mapping[str, cdk8s.ApiObject]] = MappingProxyType(
            {
                client: add_connection_secret(
                    self,
                    f"Secret-{client}",
                    self.connection,
                    self.cluster_url,
                    namespace=client,
                    labels=user_labels,
                    client=True,
                    bus=self,
                )
                for client in (self.client_namespaces if publish else ())
            }
        )
        #: The PodDisruptionBudget (``<name>``), or None with the default ``RedisDisruption.evictable()``.
        self.disruption_budget: Final[cdk8s.ApiObject | None] = (
            manifest.add_manifest(
                self,
                "PodDisruptionBudget",
                pod_disruption.budget_manifest(
                    disruption, metadata=self._metadata(), pod_selector=self.selector_labels
                ),
            )
            if disruption.creates_budget
            else None
        )
        monitoring = self.metrics
        #: The ``<name>-metrics`` Service, or None without ``metrics``.
        self.metrics_service: Final[cdk8s.ApiObject | None] = (
            None
            if monitoring is None
            else manifest.add_manifest(
                self,
                "Service-metrics",
                exporter.service(
                    monitoring,
                    name=self.name,
                    namespace=self.namespace,
                    labels=self._metrics_labels,
                    selector=self.selector_labels,
                ),
            )
        )
        #: The ServiceMonitor, or None (no ``metrics``, or ``metrics.service_monitor=False``).
        self.service_monitor: Final[cdk8s.ApiObject | None] = (
            manifest.add_manifest(self, "ServiceMonitor", self._service_monitor(monitoring))
            if monitoring is not None and monitoring.service_monitor
            else None
        )
        #: The PrometheusRule, or None (no ``metrics``, or ``metrics.prometheus_rule=False``).
        self.prometheus_rule: Final[cdk8s.ApiObject | None] = (
            manifest.add_manifest(
                self,
                "PrometheusRule",
                alerts.prometheus_rule(
                    monitoring,
                    self._bus_facts(maxmemory_bytes),
                    job=exporter.metrics_service_name(self.name),
                    namespace=self.namespace,
                    labels=self._monitor_labels,
                ),
            )
            if monitoring is not None and monitoring.prometheus_rule
            else None
        )
        #: The Grafana dashboard's ConfigMap, or None (no ``metrics``, or ``metrics.dashboard`` None).
        self.dashboard: Final[cdk8s.ApiObject | None] = (
            None
            if monitoring is None or monitoring.dashboard is None
            else manifest.add_manifest(self, "ConfigMap-dashboard", self._dashboard(monitoring.dashboard))
        )

    # -- handles ---------------------------------------------------------

    @property
    def host(self) -> str:
        """The Service's short DNS name, valid inside its namespace: ``"redis"``."""
        return self.name

    @property
    def url(self) -> str:
        """The URL for clients in Redis's namespace, without credentials: ``"redis://redis:6379"``."""
        return f"redis://{self.host}:{self.port}"

    @property
    def cluster_url(self) -> str:
        """The URL for clients in any namespace, without credentials: ``"redis://redis.agentsmith.svc.cluster.local:6379"``.

        The namespace is ``namespace``, the chart's, or ``default``.
        """
        return f"redis://{self._fqdn(self._home_namespace())}:{self.port}"

    @property
    def fqdn(self) -> str:
        """The Service's cluster-wide DNS name: ``"redis.agentsmith.svc.cluster.local"``.

        Raises:
            AgentsmithConfigError: neither ``namespace`` nor the chart's namespace is set.
        """
        namespace = self.namespace or cdk8s.Chart.of(self).namespace
        if not namespace:
            raise AgentsmithConfigError(
                "'namespace' is needed for 'fqdn' (got None and the chart has no namespace). "
                "Pass namespace=... or create the chart with namespace=...",
                prop="namespace",
                value=None,
                path=self.node.path,
            )
        return self._fqdn(namespace)

    def _fqdn(self, namespace: str) -> str:
        return f"{self.name}.{namespace}.svc.{self.cluster_domain}"

    def _home_namespace(self) -> str:
        """Redis's namespace as the cluster sees it: ``namespace``, the chart's, or ``default``."""
        return self.namespace or cdk8s.Chart.of(self).namespace or "default"

    def endpoint_for(self, role: str) -> RedisEndpoint:
        """One role's endpoint (its Secret key, this Redis's host, port and url) for ``add_redis_url``.

        Raises:
            AgentsmithConfigError: there is no role named ``role``.
        """
        found = self._server.role(self.node.path, role)
        return _RoleEndpoint(host=self.host, port=self.port, url=self.url, connection=found.connection)

    def admits_namespace(self, namespace: str) -> bool | None:
        """Whether the NetworkPolicy may admit pods of ``namespace``; None when there is none (``unmanaged()``)."""
        return None if self.network_policy is None else network_admits(self.network, namespace, self.client_namespaces)

    # -- prop resolution -------------------------------------------------

    def _resolve_client_namespaces(self, path: PathArg, value: object) -> tuple[str, ...]:
        if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
            raise fail(
                path,
                "client_namespaces",
                value,
                "must be a sequence of namespace names",
                "Pass a list, e.g. client_namespaces=['jobs'].",
            )
        resolved: list[str] = []
        home = self._home_namespace() if value else ""  # a jsii round trip: only with client namespaces
        for index, item in enumerate(value):
            client = dns_label(path, f"client_namespaces[{index}]", item)
            if client == home or client in resolved:
                why = "is Redis's own namespace" if client == home else "is listed twice"
                raise fail(path, f"client_namespaces[{index}]", client, why, "List each other namespace once.")
            resolved.append(client)
        return tuple(resolved)

    def _metrics_claims(self) -> list[tuple[str, str, str | None, str]]:
        if self.metrics is None:
            return []
        claims: list[tuple[str, str, str | None, str]] = [
            ("metrics", "Service", self.namespace, exporter.metrics_service_name(self.name))
        ]
        if self.metrics.service_monitor:
            claims.append(("metrics", "ServiceMonitor", self.namespace, self.name))
        if self.metrics.prometheus_rule:
            claims.append(("metrics", "PrometheusRule", self.namespace, self.name))
        if self.metrics.dashboard is not None:
            claims.append(("metrics.dashboard", "ConfigMap", self.namespace, dashboard.config_map_name(self.name)))
        return claims

    def _dashboard(self, value: dashboard.GrafanaDashboard) -> dict[str, Any]:
        return dashboard.config_map(
            value,
            name=self.name,
            namespace=self.namespace,
            home_namespace=self._home_namespace(),
            selector_namespace=self.namespace or cdk8s.Chart.of(self).namespace,
            job=exporter.metrics_service_name(self.name),
            labels=self._metrics_labels,
        )

    def _bus_facts(self, maxmemory_bytes: int) -> alerts.BusFacts:
        return alerts.BusFacts(
            name=self.name,
            namespace=self.namespace or cdk8s.Chart.of(self).namespace,
            maxmemory=self.maxmemory,
            maxmemory_bytes=maxmemory_bytes,
            client_memory_budget=self._server.client_memory_bound,
            persistent=self.persistence.enabled,
        )

    def _service_monitor(self, metrics: RedisMetrics) -> dict[str, Any]:
        return exporter.service_monitor(
            metrics,
            name=self.name,
            namespace=self.namespace,
            labels=self._monitor_labels,
            selector={**self.selector_labels, seed.COMPONENT_LABEL_KEY: exporter.METRICS_COMPONENT},
        )

    # -- manifests (plain dicts; see agentsmith._manifest for why) ------

    @property
    def _claim_name(self) -> str:
        return f"{self.name}-data"

    def _metadata(self) -> dict[str, Any]:
        return manifest.metadata(self.name, namespace=self.namespace, labels=self.labels)

    def _args(self) -> list[str]:
        args = [
            "--maxmemory",
            self.maxmemory,
            "--maxmemory-policy",
            self.maxmemory_policy,
            "--save",
            seed.REDIS_SAVE_SCHEDULE,
        ]
        if self.port != seed.REDIS_PORT:
            args += ["--port", str(self.port)]
        args += redis_args(self.persistence, _DATA_PATH)
        return args + list(self._server.args)

    def _container(self) -> dict[str, Any]:
        resources = self.resources
        container: dict[str, Any] = {
            "name": self.name,
            "image": self.image,
            "imagePullPolicy": pod_options_manifest.pull_policy(self.image, self.pod_options.image_pull_policy),
            "args": self._args(),
            "ports": [{"name": seed.REDIS_PORT_NAME, "containerPort": self.port, "protocol": seed.REDIS_PROTOCOL}],
            "resources": {
                "requests": {"cpu": resources.cpu_request, "memory": resources.memory_request},
                "limits": {"cpu": resources.cpu_limit, "memory": resources.memory_limit},
            },
            "livenessProbe": probe_manifest(self.probes.liveness, self._server.liveness),
            "readinessProbe": probe_manifest(self.probes.readiness, self._server.readiness),
            "securityContext": {
                "allowPrivilegeEscalation": False,
                "readOnlyRootFilesystem": self.filesystem.read_only_root,
                "runAsNonRoot": True,
                "runAsUser": self.run_as_user,
                "capabilities": {"drop": ["ALL"]},
                "seccompProfile": dict(_SECCOMP),
            },
        }
        if self._server.env:
            container["env"] = [dict(entry) for entry in self._server.env]
        if self.filesystem.read_only_root or self.persistence.enabled:
            container["volumeMounts"] = [{"name": _DATA_VOLUME, "mountPath": _DATA_PATH}]
        return container

    def _pod_spec(self) -> dict[str, Any]:
        spec: dict[str, Any] = {
            "automountServiceAccountToken": False,
            "enableServiceLinks": False,
            "securityContext": {
                "runAsNonRoot": True,
                "runAsUser": self.run_as_user,
                "fsGroup": self.run_as_user,
                "seccompProfile": dict(_SECCOMP),
            },
            "containers": [self._container()],
        }
        if self.metrics is not None and self._server.exporter is not None:
            spec["containers"].append(
                exporter.container(
                    self.metrics,
                    self._server.exporter,
                    redis_port=self.port,
                    pull_policy=self.pod_options.image_pull_policy,  # one pull policy for the pod
                )
            )
        spec.update(pod_placement.pod_spec_fields(self.placement))
        spec.update(pod_options_manifest.pod_spec_fields(self.pod_options))
        if self.persistence.enabled:  # the claim replaces the read-only root's emptyDir
            spec["volumes"] = [{"name": _DATA_VOLUME, "persistentVolumeClaim": {"claimName": self._claim_name}}]
        elif self.filesystem.read_only_root:
            spec["volumes"] = [{"name": _DATA_VOLUME, "emptyDir": {"sizeLimit": self.filesystem.data_size_limit}}]
        return spec

    def _deployment(self) -> dict[str, Any]:
        return {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": self._metadata(),
            "spec": {
                "replicas": seed.REDIS_REPLICAS,
                "strategy": {"type": _ROLLOUT_STRATEGY},
                "selector": {"matchLabels": self.selector_labels},
                "template": {"metadata": self._pod_metadata(), "spec": self._pod_spec()},
            },
        }

    def _pod_metadata(self) -> dict[str, Any]:
        annotations = self.pod_options.pod_annotations
        return {"labels": self._pod_labels, **({"annotations": dict(annotations)} if annotations else {})}

    def _service(self) -> dict[str, Any]:
        annotations = self.pod_options.service_annotations
        return {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {**self._metadata(), **({"annotations": dict(annotations)} if annotations else {})},
            "spec": {
                "type": seed.SERVICE_TYPE,
                "selector": self.selector_labels,
                "ports": [
                    {
                        "name": seed.REDIS_PORT_NAME,
                        "port": self.port,
                        "targetPort": self.port,
                        "protocol": seed.REDIS_PROTOCOL,
                    }
                ],
            },
        }

    def _network_policy(self) -> dict[str, Any]:
        return policy_manifest(
            self.network,
            metadata=self._metadata(),
            pod_selector=self.selector_labels,
            port=self.port,
            client_namespaces=self.client_namespaces,
            metrics=None if self.metrics is None else (exporter.peers(self.metrics), self.metrics.port),
        )


@dataclass(frozen=True, kw_only=True)
class _RoleEndpoint:
    """One role's view of an EphemeralRedis (see :meth:`EphemeralRedis.endpoint_for`)."""

    host: str
    port: int
    url: str
    connection: SecretKeyRef
