"""EphemeralRedis: an in-memory, single-replica Redis used as the message bus."""

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
from agentsmith.base.construct import checked_init, public_signature, read_only
from agentsmith.checks import collisions
from agentsmith.connection_secret import add_connection_secret
from agentsmith.core import limits, redis_props, seed
from agentsmith.core.quantity import parse_quantity
from agentsmith.core.rules import ConstructPath, PathArg, dns_label, dns_subdomain, fail
from agentsmith.core.rules import labels as check_labels
from agentsmith.core.rules import port as check_port
from agentsmith.endpoint import RedisEndpoint, SecretKeyRef
from agentsmith.errors import AgentsmithConfigError
from agentsmith.metrics import alerts, exporter
from agentsmith.metrics.metrics import RedisMetrics
from agentsmith.pod.filesystem import DEFAULT_FILESYSTEM, RedisFilesystem
from agentsmith.pod.network import DEFAULT_NETWORK, NetworkPeer, RedisNetwork
from agentsmith.pod.probes import DEFAULT_PROBES, ProbeTiming, RedisProbes
from agentsmith.pod.resources import DEFAULT_RESOURCES, Resources

__all__ = ["EphemeralRedis"]

_SECCOMP = {"type": "RuntimeDefault"}  # PSS restricted: the container runtime's default profile
_DATA_VOLUME = "data"
_DATA_PATH = "/data"  # the official image's WORKDIR
#: Rollout strategy: stop the old pod before starting the new one, so clients
#: never see two buses (RollingUpdate's surge pod would be a second, empty Redis).
_ROLLOUT_STRATEGY: Final = "Recreate"
#: The label Kubernetes (1.21+) sets on every namespace to its name: what ``client_namespaces`` select.
_NAMESPACE_NAME_LABEL: Final = "kubernetes.io/metadata.name"


@public_signature
@read_only
class EphemeralRedis(Construct):
    """A Redis ``Deployment`` plus a ``ClusterIP`` ``Service``, with no storage.

    With the defaults it synthesises the seed's two manifests ("Phase 19 -
    Step 2") field for field, plus additive hardening (below) and the Secret
    clients read the connection string from. Redis runs purely in memory
    (``--save ""``): jobs last minutes, and if Redis restarts their in-flight
    messages are lost, which the design accepts. There is never a
    PersistentVolume, a PersistentVolumeClaim or a volumeClaimTemplate.

    There is deliberately no ``replicas`` prop: Redis cannot take writes on
    several replicas without Redis Cluster or Sentinel, so one replica is the
    design. For high availability use ``ExternalRedis`` with a managed Redis.

    Rollouts use ``strategy: Recreate`` (the seed sets none, and Kubernetes'
    default RollingUpdate would start a second, empty Redis behind the same
    Service while the old one still serves: two buses, and a job's dispatcher
    and agent could end up on different ones without any error). With Recreate
    the old pod stops before the new one starts: clients see connection errors
    for the gap and in-flight jobs are lost, as on any Redis restart (which the
    design accepts). Bitnami's standalone Redis avoids the overlap the same way
    with a StatefulSet.

    Eviction under memory pressure does not know which job streams are in
    flight. With the seed's ``allkeys-lru`` a stream whose consumer waits in
    ``XREADGROUP ... BLOCK`` is an idle key like any other and may be evicted
    before newer data: its consumer gets ``UNBLOCKED``, its consumer group is
    gone, and the next ``XADD`` recreates the stream without the group
    (``NOGROUP`` on every later read). docs/design.md, "Eviction under memory pressure", has the
    measured behaviour of each policy (``tests/test_runtime_eviction.py``) and
    the opt-ins that keep in-flight jobs: ``noeviction``, or ``volatile-lru``
    when clients set a TTL only on finished jobs.

    Hardening added to the seed by default (no seed value changes):

    * container: ``capabilities.drop: [ALL]`` and
      ``seccompProfile: RuntimeDefault`` (Pod Security Standards "restricted");
    * pod: ``securityContext`` with ``runAsNonRoot``, ``runAsUser`` and
      ``fsGroup`` equal to ``run_as_user`` (so files on mounted volumes, such
      as the opt-in ``/data`` emptyDir, are group-owned by Redis's own UID
      whatever the image's group is), and ``seccompProfile: RuntimeDefault``;
      ``automountServiceAccountToken: false`` (Redis never calls the API
      server); ``enableServiceLinks: false`` (no ``*_SERVICE_HOST`` variables
      leaking other services into the environment);
    * ``imagePullPolicy``: ``Always`` for a tag (tags move), ``IfNotPresent``
      for a digest-pinned image (digests do not);
    * a NetworkPolicy: ingress only on the Redis port, only from
      ``network.allow_from`` (default: pods in the same namespace), and no
      egress (Redis needs none);
    * without a password (``access=RedisAccess.open()``, the default): ``--protected-mode no``
      after the seed's six args (and after ``--port``). Upstream Redis refuses
      every client that is not on its own loopback while the default user has
      no password ("protected mode"); other pods are never on the pod's
      loopback. The seed works only because the official image patches that
      default off when it is built; the arg makes the manifest work with any
      Redis 7 image (a distribution's build, a mirror built from source, a
      hardened base). In this mode the NetworkPolicy and the command guard are
      the protection. With a password or roles the arg is left out: protected
      mode does not apply once the default user has a password or is off;
    * a command guard (every ``access`` but :meth:`RedisAccess.seed_exact`
      and ``RedisAccess.password(..., command_guard=False)``): one ACL line for the default user,
      after those args, that keeps every client away from admin, dangerous
      and scripting commands and from memory amplifiers (SETRANGE, COPY,
      the ``*STORE`` commands, ...); the seed's URL and probe still work;
    * with the guard, client memory bounds last (``agentsmith._limits``):
      ``--proto-max-bulk-len`` (``access.max_value_size``, 8mb) and twice it
      as ``--client-query-buffer-limit``, ``--maxmemory-clients`` of
      :attr:`client_memory_budget` (``resources.memory_limit`` minus
      ``maxmemory`` and 13/16 of it for the allocator: 48mb by default) and
      ``--client-output-buffer-limit`` for normal and pub/sub clients (hard:
      half the budget, soft: an eighth for 60 s; default 24mb and 6mb). One
      client cannot OOM-kill Redis through its buffers; see docs/security.md, "Memory
      abuse by clients" (and "Hostile clients" for what Redis keeps outside
      them, such as client names);
    * with the guard: ``--maxclients`` from ``access.max_clients`` (last); with a
      password, a readiness probe that passes only on ``PONG`` and a liveness
      probe that restarts only a Redis that does not answer
      (``agentsmith._probe_command``). Without a password both probes stay the
      seed's ``redis-cli ping``, which passes while Redis refuses every client
      (``maxclients`` full): ``RedisAccess.open(strict_readiness=True)`` opts in to ``PONG`` only;
    * ``failureThreshold: 8`` on the liveness probe (from
      :data:`DEFAULT_LIVENESS`; the seed sets none): a block shorter than
      105 s does not restart Redis.

    Args:
        scope: the parent construct (a chart).
        id: construct id; part of the construct path, keep it stable.
        name: name of the Deployment, Service, NetworkPolicy and container, and
            the value of the ``app`` selector label. Default ``"redis"`` (seed).
            Two instances with different names in one namespace never select
            each other's pods.
        namespace: namespace of every object. Default ``None``: the chart's
            namespace (the seed's ``agentsmith`` when the chart sets it).
        image: container image, with a tag and/or a digest. Default
            ``"redis:7-alpine"`` (seed).
        maxmemory: Redis ``--maxmemory`` in Redis's size syntax (``k`` = 1000,
            ``kb`` = 1024). Default ``"256mb"`` (seed). Must be at most 16/29
            of ``resources.memory_limit`` minus twice ``access.max_value_size``
            (under eviction churn the allocator holds up to 13/16 of
            ``maxmemory`` beyond it, measured; docs/design.md) and at least
            ``"8mb"`` (below that Redis with 100 clients connected fails
            every write with OOM; docs/security.md, "Input rules").
        maxmemory_policy: Redis ``--maxmemory-policy``. Default
            ``"allkeys-lru"`` (seed): under pressure Redis evicts keys it
            samples as least recently used, which can be the streams of
            in-flight jobs whose consumers are blocked waiting (see above).
            ``"noeviction"`` keeps every key and refuses writes with ``OOM``
            errors instead; ``"volatile-lru"`` evicts only keys with a TTL.
        port: container port, Service port and target port. Default ``6379``
            (seed). Another value adds ``--port`` to the args and ``-p`` to the
            probes so that Redis and its probes follow it.
        resources: requests and limits. Default :data:`DEFAULT_RESOURCES`
            (100m/128Mi requested as in the seed, 500m/512Mi limit: the seed's
            384Mi does not hold 256mb under eviction churn).
        labels: extra labels on every object and the pod template (the
            connection Secret gets only these). Default:
            none. They may not set the construct's own keys (``app``,
            ``app.kubernetes.io/name``, ``app.kubernetes.io/component``), and
            neither may the chart's labels (cdk8s puts them on every object):
            a chart label with one of those keys and another value is an
            ``AgentsmithConfigError`` (with the same value it is allowed).
        run_as_user: container UID (and pod ``fsGroup``). Default ``999``
            (seed: the ``redis`` user of the official image). Must not be 0.
        probes: the two probes' timings (:class:`RedisProbes`). Default
            :data:`DEFAULT_PROBES` (seed: liveness 10 s delay, every 15 s, 3 s
            timeout, plus ``failureThreshold: 8``, so a block under 105 s never
            restarts Redis; readiness 5 s delay, every 10 s, 3 s timeout). What
            they run follows from ``access``.
        cluster_domain: DNS suffix used by :attr:`fqdn`. Default ``"cluster.local"``.
        network: who may reach Redis (:class:`RedisNetwork`). Default
            :data:`DEFAULT_NETWORK`, ``RedisNetwork.policy()``: a NetworkPolicy
            (the :attr:`network_policy` handle) admitting every pod in Redis's
            namespace (``allow_from=SAME_NAMESPACE``) on the Redis port, and no
            egress. ``RedisNetwork.unmanaged()`` creates none: only where
            another policy layer (a service mesh) does this.
        filesystem: the root filesystem (:class:`RedisFilesystem`). Default
            :data:`DEFAULT_FILESYSTEM`, ``RedisFilesystem.writable()``: the
            seed's ``readOnlyRootFilesystem: false``.
            ``RedisFilesystem.read_only(data_size_limit="64Mi")`` opts in to a
            read-only root with an ``emptyDir`` at ``/data`` (Redis's working
            directory; with ``--save ""`` Redis writes nothing there in normal
            operation).
        access: who may log in and what they may run (:class:`RedisAccess`,
            built by its factories). Default :data:`DEFAULT_ACCESS`,
            ``RedisAccess.open()``: no password (seed), the command guard (the
            default user may run every command except ``@admin``,
            ``@dangerous`` and ``@scripting`` ones, the memory amplifiers,
            WATCH and the whole-list scans LPOS, LREM, LINSERT, LSET; INFO
            stays allowed), client memory and connections bounded (see
            docs/security.md, "Least privilege on the bus"), and the connection
            Secret published: :attr:`connection` is
            ``agentsmith-secrets``/``redis-url`` (seed) when ``name`` is
            ``"redis"``, ``<name>-connection``/``redis-url`` otherwise, so two
            instances never write the same Secret. The seed's six args come
            first, unchanged. ``RedisAccess.seed_exact()`` restores the seed's
            exact args; ``RedisAccess.password(RedisAuth(...))`` and
            ``RedisAccess.roles([...])`` opt in to passwords from Secrets you
            create (nothing is then published: clients read the URL from your
            Secret).
        client_namespaces: other namespaces whose workloads use this bus.
            Default ``()``: clients run in Redis's own namespace. For each
            namespace listed, the NetworkPolicy admits every pod of that
            namespace (``namespaceSelector`` on the
            ``kubernetes.io/metadata.name`` label Kubernetes sets), and, when
            this construct publishes the connection Secret, a copy of it is
            published there (same name and key; the URL is :attr:`cluster_url`,
            since the short name resolves only in Redis's namespace), so
            ``add_redis_url`` and ``redis_url_env`` work from a workload in
            that namespace. With a password or roles create the Secret there
            yourself. Without it, a workload of the app in another namespace
            that reads the connection Secret is refused at synth. With one
            file per resource (``YamlOutputType.FILE_PER_RESOURCE`` or
            ``FOLDER_PER_CHART_FILE_PER_RESOURCE``) the copies would share the
            Secret's file, so it is refused unless nothing is published
            (``publish_connection_secret=False`` on the access).
        metrics: opt in to metrics and alerts (:class:`RedisMetrics`): a
            redis_exporter container in the pod, a ``<name>-metrics`` Service,
            a NetworkPolicy rule for the scrapers, a ServiceMonitor and a
            PrometheusRule whose thresholds come from this Redis's
            ``maxmemory`` and client memory budget. Default ``None``: none of
            these (the seed's manifests). With the command guard the exporter
            logs in as its own read-only ACL user ``metrics`` (see
            :class:`RedisMetrics`); without it as the default user.

    Raises:
        AgentsmithConfigError: a prop is invalid; no API object has been created.
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
        clients = limits.least_client_budget(access.max_value_size)
        if access.max_value_size not in (None, DEFAULT_MAX_VALUE_SIZE):  # a value the user chose is named first
            output_limit = limits.output_hard_limit(limits.client_budget(maxmemory_bytes, limit_bytes))
            redis_props.max_value_size_fits(path, access.max_value_size, output_limit, prop="access.max_value_size")
        redis_props.maxmemory_headroom(
            path, maxmemory, maxmemory_bytes, resources.memory_limit, limit_bytes, clients=clients
        )
        #: Bytes all clients together may hold (``--maxmemory-clients``): what the memory limit leaves after
        #: ``maxmemory`` and the allocator's overhead under churn (13/16 of it); 48mb by default.
        self.client_memory_budget: Final[int] = limits.client_budget(maxmemory_bytes, limit_bytes)
        self.metrics: Final[RedisMetrics | None] = RedisMetrics._check(path, metrics, redis_port=self.port)
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
        user_labels = check_labels(path, labels, reserved=self._owned_label_keys())
        super().__init__(scope, id)
        self._check_chart_labels(path, scope)
        #: ``{"app": name}``: the Deployment's and Service's selector (read-only).
        self.selector_labels: Final[Mapping[str, str]] = MappingProxyType({seed.SELECTOR_LABEL_KEY: self.name})
        #: The labels on every object (read-only): ``labels`` plus the construct's own keys.
        self.labels: Final[Mapping[str, str]] = MappingProxyType(
            {
                **user_labels,
                **self.selector_labels,
                seed.NAME_LABEL_KEY: seed.REDIS_NAME,
                seed.COMPONENT_LABEL_KEY: seed.COMPONENT_MESSAGE_BUS,
            }
        )
        self._pod_labels = {**user_labels, **self.selector_labels}
        #: The metrics Service's and monitoring objects' labels: component ``metrics``.
        self._metrics_labels = {**self.labels, seed.COMPONENT_LABEL_KEY: exporter.METRICS_COMPONENT}
        self._monitor_labels = {**({} if metrics is None else metrics.monitor_labels), **self._metrics_labels}
        create_policy = network.creates_policy
        publish = access.publish_connection_secret
        #: Other namespaces whose pods may use this bus (``client_namespaces``), read-only.
        self.client_namespaces: Final[tuple[str, ...]] = self._resolve_client_namespaces(path, client_namespaces)
        if publish and self.client_namespaces:
            self._check_one_file_per_secret(path)
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
            ],
        )

        #: The API objects; ``add_json_patch`` on them is the escape hatch.
        self.deployment: Final[cdk8s.ApiObject] = manifest.add_manifest(self, "Deployment", self._deployment())
        self.service: Final[cdk8s.ApiObject] = manifest.add_manifest(self, "Service", self._service())
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

    # -- handles ---------------------------------------------------------

    @property
    def host(self) -> str:
        """The Service's short DNS name, valid inside its namespace: ``"redis"``."""
        return self.name

    @property
    def url(self) -> str:
        """Connection string for clients in the same namespace: ``"redis://redis:6379"``.

        It holds no credentials; with a password, clients read the full URL from
        :attr:`connection`.
        """
        return f"redis://{self.host}:{self.port}"

    @property
    def cluster_url(self) -> str:
        """Connection string for clients in any namespace: ``"redis://redis.agentsmith.svc.cluster.local:6379"``.

        Redis's namespace is ``namespace``, the chart's, or ``default``. It holds
        no credentials; the copies of the connection Secret in
        ``client_namespaces`` hold it.
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
        """The endpoint of one role's clients, for ``add_redis_url`` and ``redis_url_env``.

        Its ``connection`` is the role's Secret key; host, port and url are this Redis's.

        Raises:
            AgentsmithConfigError: there is no role named ``role``.
        """
        found = self._server.role(self.node.path, role)
        return _RoleEndpoint(host=self.host, port=self.port, url=self.url, connection=found.connection)

    def admits_namespace(self, namespace: str) -> bool | None:
        """Whether the NetworkPolicy may admit pods of ``namespace``; None without one (``RedisNetwork.unmanaged()``).

        A peer whose ``namespace_selector`` has no ``kubernetes.io/metadata.name`` may match any namespace, so it may.
        """
        if self.network_policy is None:
            return None
        if namespace in self.client_namespaces:
            return True
        for peer in self.network.allow_from or ():
            selector = peer.namespace_selector
            if selector is not None and selector.get(_NAMESPACE_NAME_LABEL, namespace) == namespace:
                return True
        return False

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

    def _check_chart_labels(self, path: PathArg, scope: Construct) -> None:
        """The chart's labels may not give the construct's own keys another value, on any of its objects."""
        chart_labels = collisions.chart_labels(scope)
        if not chart_labels:
            return
        owned = {
            seed.SELECTOR_LABEL_KEY: self.name,
            seed.NAME_LABEL_KEY: seed.REDIS_NAME,
            seed.COMPONENT_LABEL_KEY: seed.COMPONENT_MESSAGE_BUS,
        }
        for key, value in owned.items():
            if key in chart_labels and chart_labels[key] != value:
                raise fail(
                    path,
                    "scope",
                    {key: chart_labels[key]},
                    f"is a chart whose labels set {key!r}, which this construct sets to {value!r} on its "
                    "Deployment, Service and NetworkPolicy (selector and identity labels)",
                    f"Put the bus in a chart without {key!r} in its labels, or remove that chart label.",
                )

    def _check_one_file_per_secret(self, path: PathArg) -> None:
        """The copies in ``client_namespaces`` share the Secret's name: one file per resource cannot hold them."""
        root = self.node.root
        output = root.yaml_output_type if isinstance(root, cdk8s.App) else None
        per_resource = (cdk8s.YamlOutputType.FILE_PER_RESOURCE, cdk8s.YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE)
        if output in per_resource:
            name, first = self.connection.name, self.client_namespaces[0]
            raise fail(
                path,
                "client_namespaces",
                list(self.client_namespaces),
                f"would publish Secret {name!r} in {self._home_namespace()!r} and in {first!r}, and with "
                f"YamlOutputType.{output.name} cdk8s writes both to one file (Secret.{name}.k8s.yaml, no namespace)",
                "Use YamlOutputType.FILE_PER_CHART (the default), or pass "
                "access=RedisAccess.open(publish_connection_secret=False) and "
                f"publish the Secret in {first!r} yourself: RedisConnectionSecret(<a chart in {first!r}>, "
                "'redis-url', url=redis.cluster_url).",
            )

    @staticmethod
    def _owned_label_keys() -> tuple[str, ...]:
        return (seed.SELECTOR_LABEL_KEY, seed.NAME_LABEL_KEY, seed.COMPONENT_LABEL_KEY)

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
        return claims

    def _bus_facts(self, maxmemory_bytes: int) -> alerts.BusFacts:
        return alerts.BusFacts(
            name=self.name,
            namespace=self.namespace or cdk8s.Chart.of(self).namespace,
            maxmemory=self.maxmemory,
            maxmemory_bytes=maxmemory_bytes,
            client_memory_budget=self._server.client_memory_bound,
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
        return args + list(self._server.args)

    def _probe(self, timing: ProbeTiming, command: list[str]) -> dict[str, Any]:
        probe: dict[str, Any] = {
            "exec": {"command": command},
            "initialDelaySeconds": timing.initial_delay_seconds,
            "periodSeconds": timing.period_seconds,
            "timeoutSeconds": timing.timeout_seconds,
        }
        if timing.failure_threshold is not None:
            probe["failureThreshold"] = timing.failure_threshold
        return probe

    def _container(self) -> dict[str, Any]:
        resources = self.resources
        container: dict[str, Any] = {
            "name": self.name,
            "image": self.image,
            # Tags move, digests do not.
            "imagePullPolicy": "IfNotPresent" if "@" in self.image else "Always",
            "args": self._args(),
            "ports": [{"name": seed.REDIS_PORT_NAME, "containerPort": self.port, "protocol": seed.REDIS_PROTOCOL}],
            "resources": {
                "requests": {"cpu": resources.cpu_request, "memory": resources.memory_request},
                "limits": {"cpu": resources.cpu_limit, "memory": resources.memory_limit},
            },
            "livenessProbe": self._probe(self.probes.liveness, list(self._server.liveness)),
            "readinessProbe": self._probe(self.probes.readiness, list(self._server.readiness)),
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
        if self.filesystem.read_only_root:
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
            spec["containers"].append(exporter.container(self.metrics, self._server.exporter, redis_port=self.port))
        if self.filesystem.read_only_root:
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
                "template": {"metadata": {"labels": self._pod_labels}, "spec": self._pod_spec()},
            },
        }

    def _service(self) -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": self._metadata(),
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
        clients = [NetworkPeer(namespace_selector={_NAMESPACE_NAME_LABEL: c}) for c in self.client_namespaces]
        peers = [peer._policy_entry() for peer in (*(self.network.allow_from or ()), *clients)]
        return {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": self._metadata(),
            "spec": {
                "podSelector": {"matchLabels": self.selector_labels},
                # Egress listed with no rules: Redis needs no outbound traffic at all.
                "policyTypes": ["Ingress", "Egress"],
                "ingress": [
                    {"from": peers, "ports": [{"port": self.port, "protocol": seed.REDIS_PROTOCOL}]},
                    *self._metrics_ingress(),
                ],
                "egress": [],
            },
        }

    def _metrics_ingress(self) -> list[dict[str, Any]]:
        # Scrapers reach the exporter's port only; the Redis rule above does not admit them.
        if self.metrics is None:
            return []
        return [{"from": exporter.peers(self.metrics), "ports": [{"port": self.metrics.port, "protocol": "TCP"}]}]


@dataclass(frozen=True, kw_only=True)
class _RoleEndpoint:
    """One role's view of an EphemeralRedis (see :meth:`EphemeralRedis.endpoint_for`)."""

    host: str
    port: int
    url: str
    connection: SecretKeyRef
