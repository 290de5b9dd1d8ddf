"""EphemeralRedis: an in-memory, single-replica Redis used as the message bus."""

from __future__ import annotations

from collections.abc import Mapping

import cdk8s
from cdk8s_plus_27 import k8s
from constructs import Construct

from . import _seed, _validate
from .errors import AgentsmithConfigError
from .probes import DEFAULT_LIVENESS, DEFAULT_READINESS, ProbeTiming
from .resources import DEFAULT_RESOURCES, Resources

__all__ = ["EphemeralRedis"]


class EphemeralRedis(Construct):
    """A Redis ``Deployment`` plus a ``ClusterIP`` ``Service``, with no storage.

    With the defaults it synthesises exactly the seed's two manifests
    ("Phase 19 - Step 2"). Redis runs purely in memory (``--save ""``): jobs
    last minutes, and if Redis restarts their in-flight messages are lost,
    which the design accepts. There is never a PersistentVolume, a
    PersistentVolumeClaim or a volumeClaimTemplate.

    There is deliberately no ``replicas`` prop: Redis cannot take writes on
    several replicas without Redis Cluster or Sentinel, so one replica is the
    design. For high availability use an external managed Redis instead.

    Args:
        scope: the parent construct (a chart).
        id: construct id; part of the construct path, keep it stable.
        name: name of the Deployment, Service and container, and the value of
            the ``app`` selector label. Default ``"redis"`` (seed). Two
            instances with different names in one namespace never select each
            other's pods.
        namespace: namespace of both objects. Default ``None``: the chart's
            namespace (the seed's ``agentsmith`` when the chart sets it).
        image: container image. Default ``"redis:7-alpine"`` (seed).
        maxmemory: Redis ``--maxmemory`` in Redis's size syntax (``k`` = 1000,
            ``kb`` = 1024). Default ``"256mb"`` (seed). Must be at most 3/4 of
            ``resources.memory_limit``.
        maxmemory_policy: Redis ``--maxmemory-policy``. Default
            ``"allkeys-lru"`` (seed): under pressure the least recently used
            keys, i.e. idle job streams, are evicted first.
        port: container port, Service port and target port. Default ``6379``
            (seed). Another value adds ``--port`` to the args and ``-p`` to the
            probes so that Redis and its probes follow it.
        resources: requests and limits. Default :data:`DEFAULT_RESOURCES`
            (seed: 100m/128Mi requested, 500m/384Mi limit).
        labels: extra labels on the Deployment, the pod template and the
            Service. Default: none. They may not set the construct's own keys
            (``app``, ``app.kubernetes.io/name``, ``app.kubernetes.io/component``).
        run_as_user: container UID. Default ``999`` (seed: the ``redis`` user
            of the official image). Must not be 0.
        liveness: liveness probe timing. Default :data:`DEFAULT_LIVENESS`
            (seed: 10 s delay, every 15 s, 3 s timeout).
        readiness: readiness probe timing. Default :data:`DEFAULT_READINESS`
            (seed: 5 s delay, every 10 s, 3 s timeout).
        cluster_domain: DNS suffix used by :attr:`fqdn`. Default ``"cluster.local"``.

    Raises:
        AgentsmithConfigError: a prop is invalid; nothing has been created.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str = _seed.REDIS_NAME,
        namespace: str | None = None,
        image: str = _seed.REDIS_IMAGE,
        maxmemory: str = _seed.REDIS_MAXMEMORY,
        maxmemory_policy: str = _seed.REDIS_MAXMEMORY_POLICY,
        port: int = _seed.REDIS_PORT,
        resources: Resources = DEFAULT_RESOURCES,
        labels: Mapping[str, str] | None = None,
        run_as_user: int = _seed.REDIS_RUN_AS_USER,
        liveness: ProbeTiming = DEFAULT_LIVENESS,
        readiness: ProbeTiming = DEFAULT_READINESS,
        cluster_domain: str = _seed.CLUSTER_DOMAIN,
    ) -> None:
        super().__init__(scope, id)
        path = self.node.path
        # Validate everything before creating any API object.
        self.name: str = _validate.dns_label(path, "name", name, service=True)
        self.namespace: str | None = (
            None if namespace is None else _validate.dns_label(path, "namespace", namespace)
        )
        self.image: str = _validate.image(path, image)
        maxmemory_bytes = _validate.maxmemory(path, maxmemory)
        self.maxmemory: str = maxmemory
        self.maxmemory_policy: str = _validate.maxmemory_policy(path, maxmemory_policy)
        self.port: int = _validate.port(path, port)
        self.resources: Resources = _validate.resources(path, resources)
        _validate.maxmemory_headroom(path, maxmemory, maxmemory_bytes, resources.memory_limit)
        self.run_as_user: int = _validate.run_as_user(path, run_as_user)
        self.liveness: ProbeTiming = _validate.probe(path, "liveness", liveness)
        self.readiness: ProbeTiming = _validate.probe(path, "readiness", readiness)
        self.cluster_domain: str = cluster_domain
        self.selector_labels: dict[str, str] = {_seed.SELECTOR_LABEL_KEY: self.name}
        self.labels: dict[str, str] = {
            **_validate.labels(path, labels, reserved=self._owned_label_keys()),
            **self.selector_labels,
            _seed.NAME_LABEL_KEY: _seed.REDIS_NAME,
            _seed.COMPONENT_LABEL_KEY: _seed.COMPONENT_MESSAGE_BUS,
        }
        self._user_labels = dict(labels or {})

        self.deployment = k8s.KubeDeployment(
            self,
            "Deployment",
            metadata=self._metadata(),
            spec=self._deployment_spec(),
        )
        self.service = k8s.KubeService(
            self,
            "Service",
            metadata=self._metadata(),
            spec=k8s.ServiceSpec(
                type=_seed.SERVICE_TYPE,
                selector=self.selector_labels,
                ports=[
                    k8s.ServicePort(
                        name=_seed.REDIS_PORT_NAME,
                        port=self.port,
                        target_port=k8s.IntOrString.from_number(self.port),
                        protocol=_seed.REDIS_PROTOCOL,
                    )
                ],
            ),
        )

    # -- handles ---------------------------------------------------------

    @property
    def host(self) -> str:
        """The Service's short DNS name, valid inside its namespace: ``"redis"``."""
        return self.name

    @property
    def url(self) -> str:
        """Connection string for clients in the same namespace: ``"redis://redis:6379"``."""
        return f"redis://{self.host}:{self.port}"

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
        return f"{self.name}.{namespace}.svc.{self.cluster_domain}"

    # -- manifest pieces -------------------------------------------------

    @staticmethod
    def _owned_label_keys() -> tuple[str, ...]:
        return (_seed.SELECTOR_LABEL_KEY, _seed.NAME_LABEL_KEY, _seed.COMPONENT_LABEL_KEY)

    def _metadata(self) -> k8s.ObjectMeta:
        return k8s.ObjectMeta(name=self.name, namespace=self.namespace, labels=self.labels)

    def _args(self) -> list[str]:
        args = [
            "--maxmemory",
            self.maxmemory,
            "--maxmemory-policy",
            self.maxmemory_policy,
            "--save",
            _seed.REDIS_SAVE_SCHEDULE,
        ]
        if self.port != _seed.REDIS_PORT:
            args += ["--port", str(self.port)]
        return args

    def _probe_command(self) -> list[str]:
        client, *rest = _seed.PROBE_COMMAND
        if self.port != _seed.REDIS_PORT:
            return [client, "-p", str(self.port), *rest]
        return [client, *rest]

    def _probe(self, timing: ProbeTiming) -> k8s.Probe:
        return k8s.Probe(
            exec=k8s.ExecAction(command=self._probe_command()),
            initial_delay_seconds=timing.initial_delay_seconds,
            period_seconds=timing.period_seconds,
            timeout_seconds=timing.timeout_seconds,
        )

    def _container(self) -> k8s.Container:
        quantity = k8s.Quantity.from_string
        return k8s.Container(
            name=self.name,
            image=self.image,
            args=self._args(),
            ports=[
                k8s.ContainerPort(
                    name=_seed.REDIS_PORT_NAME,
                    container_port=self.port,
                    protocol=_seed.REDIS_PROTOCOL,
                )
            ],
            resources=k8s.ResourceRequirements(
                requests={
                    "cpu": quantity(self.resources.cpu_request),
                    "memory": quantity(self.resources.memory_request),
                },
                limits={
                    "cpu": quantity(self.resources.cpu_limit),
                    "memory": quantity(self.resources.memory_limit),
                },
            ),
            liveness_probe=self._probe(self.liveness),
            readiness_probe=self._probe(self.readiness),
            security_context=k8s.SecurityContext(
                allow_privilege_escalation=False,
                read_only_root_filesystem=False,
                run_as_non_root=True,
                run_as_user=self.run_as_user,
            ),
        )

    def _deployment_spec(self) -> k8s.DeploymentSpec:
        return k8s.DeploymentSpec(
            replicas=_seed.REDIS_REPLICAS,
            selector=k8s.LabelSelector(match_labels=self.selector_labels),
            template=k8s.PodTemplateSpec(
                metadata=k8s.ObjectMeta(labels={**self._user_labels, **self.selector_labels}),
                spec=k8s.PodSpec(containers=[self._container()]),
            ),
        )
