"""EphemeralRedis: an in-memory, single-replica Redis used as the message bus."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import cdk8s
from cdk8s_plus_27 import k8s
from constructs import Construct

from . import _seed, _validate
from .auth import RedisAuth
from .connection_secret import RedisConnectionSecret
from .endpoint import SecretKeyRef
from .errors import AgentsmithConfigError
from .network import SAME_NAMESPACE, NetworkPeer
from .probes import DEFAULT_LIVENESS, DEFAULT_READINESS, ProbeTiming
from .resources import DEFAULT_RESOURCES, Resources

__all__ = ["EphemeralRedis"]

_DATA_VOLUME = "data"
_DATA_PATH = "/data"  # the official image's WORKDIR
_PASSWORD_ENV = "REDIS_PASSWORD"
_REDISCLI_AUTH_ENV = "REDISCLI_AUTH"  # redis-cli reads the password from here


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

    Hardening added to the seed by default (no seed value changes):

    * container: ``capabilities.drop: [ALL]`` and ``seccompProfile:
      RuntimeDefault`` (Pod Security Standards "restricted");
    * pod: ``securityContext`` with ``runAsNonRoot``, ``runAsUser`` and
      ``fsGroup`` equal to ``run_as_user``, and ``seccompProfile: RuntimeDefault``;
      ``automountServiceAccountToken: false`` (Redis never calls the API
      server); ``enableServiceLinks: false`` (no ``*_SERVICE_HOST`` variables
      leaking other services into the environment);
    * ``imagePullPolicy``: ``Always`` for a tag (tags move), ``IfNotPresent``
      for a digest-pinned image (digests do not);
    * a NetworkPolicy: ingress only on the Redis port, only from ``allow_from``
      (default: pods in the same namespace), and no egress (Redis needs none).

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
        labels: extra labels on every object and the pod template. Default:
            none. They may not set the construct's own keys (``app``,
            ``app.kubernetes.io/name``, ``app.kubernetes.io/component``).
        run_as_user: container UID (and pod ``fsGroup``). Default ``999``
            (seed: the ``redis`` user of the official image). Must not be 0.
        liveness: liveness probe timing. Default :data:`DEFAULT_LIVENESS`
            (seed: 10 s delay, every 15 s, 3 s timeout).
        readiness: readiness probe timing. Default :data:`DEFAULT_READINESS`
            (seed: 5 s delay, every 10 s, 3 s timeout).
        cluster_domain: DNS suffix used by :attr:`fqdn`. Default ``"cluster.local"``.
        allow_from: who may connect, as NetworkPolicy peers. Default
            :data:`SAME_NAMESPACE` (every pod in Redis's namespace).
        network_policy: create the NetworkPolicy. Default ``True``; turn it
            off only where another policy layer (a service mesh) does this.
        read_only_root_filesystem: opt in to a read-only root filesystem, with
            an ``emptyDir`` at ``/data`` (Redis's working directory). Default
            ``False``: the seed sets ``readOnlyRootFilesystem: false``.
        data_size_limit: ``sizeLimit`` of that ``emptyDir``. Default ``"64Mi"``;
            with ``--save ""`` Redis writes nothing there in normal operation.
        auth: opt in to a password from an existing Secret (:class:`RedisAuth`).
            Default ``None``: no password, as in the seed.
        connection_secret: the Secret key where this construct publishes
            :attr:`url` for clients. Default ``None`` means
            ``agentsmith-secrets``/``redis-url`` (seed) when ``name`` is
            ``"redis"``, and ``<name>-connection``/``redis-url`` otherwise, so
            that two instances never write the same Secret. Not published with
            ``auth`` (the URL then contains the password and lives in your Secret).
        publish_connection_secret: create that Secret. Default ``True``.

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
        allow_from: Sequence[NetworkPeer] = SAME_NAMESPACE,
        network_policy: bool = True,
        read_only_root_filesystem: bool = False,
        data_size_limit: str = "64Mi",
        auth: RedisAuth | None = None,
        connection_secret: SecretKeyRef | None = None,
        publish_connection_secret: bool = True,
    ) -> None:
        super().__init__(scope, id)
        path = self.node.path
        # Validate everything before creating any API object.
        self.name: str = _validate.dns_label(path, "name", name, service=True)
        self.namespace: str | None = None if namespace is None else _validate.dns_label(path, "namespace", namespace)
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
        self.cluster_domain: str = _validate.dns_subdomain(path, "cluster_domain", cluster_domain)
        self.allow_from: tuple[NetworkPeer, ...] = self._check_peers(path, allow_from)
        self.read_only_root_filesystem: bool = _validate.boolean(
            path, "read_only_root_filesystem", read_only_root_filesystem
        )
        self.data_size_limit: str = data_size_limit
        if self.read_only_root_filesystem:
            _validate.quantity(path, "data_size_limit", data_size_limit, example="64Mi")
        self.auth: RedisAuth | None = self._check_auth(path, auth)
        self.connection: SecretKeyRef = self._resolve_connection(path, connection_secret)
        user_labels = _validate.labels(path, labels, reserved=self._owned_label_keys())
        self.selector_labels: dict[str, str] = {_seed.SELECTOR_LABEL_KEY: self.name}
        self.labels: dict[str, str] = {
            **user_labels,
            **self.selector_labels,
            _seed.NAME_LABEL_KEY: _seed.REDIS_NAME,
            _seed.COMPONENT_LABEL_KEY: _seed.COMPONENT_MESSAGE_BUS,
        }
        self._pod_labels = {**user_labels, **self.selector_labels}

        self.deployment = k8s.KubeDeployment(
            self, "Deployment", metadata=self._metadata(), spec=self._deployment_spec()
        )
        self.service = k8s.KubeService(self, "Service", metadata=self._metadata(), spec=self._service_spec())
        self.network_policy: k8s.KubeNetworkPolicy | None = (
            k8s.KubeNetworkPolicy(self, "NetworkPolicy", metadata=self._metadata(), spec=self._policy_spec())
            if _validate.boolean(path, "network_policy", network_policy)
            else None
        )
        self.connection_secret: RedisConnectionSecret | None = (
            RedisConnectionSecret(
                self,
                "Connection",
                url=self.url,
                name=self.connection.name,
                key=self.connection.key,
                namespace=self.namespace,
            )
            if _validate.boolean(path, "publish_connection_secret", publish_connection_secret) and auth is None
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

        It holds no credentials; with ``auth``, clients read the full URL from
        :attr:`connection`.
        """
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

    # -- prop resolution -------------------------------------------------

    @staticmethod
    def _owned_label_keys() -> tuple[str, ...]:
        return (_seed.SELECTOR_LABEL_KEY, _seed.NAME_LABEL_KEY, _seed.COMPONENT_LABEL_KEY)

    @staticmethod
    def _check_peers(path: str, peers: object) -> tuple[NetworkPeer, ...]:
        if isinstance(peers, (str, bytes)) or not isinstance(peers, Sequence):
            raise _validate.fail(path, "allow_from", peers, "must be a sequence of NetworkPeer", "Pass a tuple.")
        for index, peer in enumerate(peers):
            if not isinstance(peer, NetworkPeer):
                raise _validate.fail(
                    path, f"allow_from[{index}]", peer, "must be an agentsmith.NetworkPeer", "Pass NetworkPeer(...)."
                )
            _validate.selector(path, f"allow_from[{index}].pod_selector", peer.pod_selector)
            if peer.namespace_selector is not None:
                _validate.selector(path, f"allow_from[{index}].namespace_selector", peer.namespace_selector)
        return tuple(peers)

    @staticmethod
    def _check_auth(path: str, auth: object) -> RedisAuth | None:
        if auth is None:
            return None
        if not isinstance(auth, RedisAuth):
            raise _validate.fail(
                path, "auth", auth, "must be an agentsmith.RedisAuth", "Pass RedisAuth(secret_name=...)."
            )
        _validate.dns_subdomain(path, "auth.secret_name", auth.secret_name)
        _validate.secret_key(path, "auth.password_key", auth.password_key)
        _validate.secret_key(path, "auth.url_key", auth.url_key)
        return auth

    def _resolve_connection(self, path: str, ref: object) -> SecretKeyRef:
        if self.auth is not None:
            if ref is not None:
                raise _validate.fail(
                    path,
                    "connection_secret",
                    ref,
                    "cannot be combined with 'auth'",
                    "Clients read the URL from 'auth.url_key'; drop 'connection_secret'.",
                )
            return SecretKeyRef(name=self.auth.secret_name, key=self.auth.url_key)
        if ref is None:
            if self.name == _seed.REDIS_NAME:
                return SecretKeyRef(name=_seed.SECRET_NAME, key=_seed.SECRET_KEY_REDIS_URL)
            derived = _validate.dns_subdomain(path, "connection_secret.name", f"{self.name}-connection")
            return SecretKeyRef(name=derived, key=_seed.SECRET_KEY_REDIS_URL)
        if not isinstance(ref, SecretKeyRef):
            raise _validate.fail(
                path, "connection_secret", ref, "must be an agentsmith.SecretKeyRef", "Pass SecretKeyRef(name=, key=)."
            )
        _validate.dns_subdomain(path, "connection_secret.name", ref.name)
        _validate.secret_key(path, "connection_secret.key", ref.key)
        return ref

    # -- manifest pieces -------------------------------------------------

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
        if self.auth is not None:
            args += ["--requirepass", f"$({_PASSWORD_ENV})"]
        return args

    def _env(self) -> list[k8s.EnvVar] | None:
        if self.auth is None:
            return None
        password = k8s.EnvVarSource(
            secret_key_ref=k8s.SecretKeySelector(name=self.auth.secret_name, key=self.auth.password_key)
        )
        return [
            k8s.EnvVar(name=_PASSWORD_ENV, value_from=password),
            k8s.EnvVar(name=_REDISCLI_AUTH_ENV, value=f"$({_PASSWORD_ENV})"),
        ]

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

    def _image_pull_policy(self) -> str:
        return "IfNotPresent" if "@" in self.image else "Always"

    def _container(self) -> k8s.Container:
        quantity = k8s.Quantity.from_string
        return k8s.Container(
            name=self.name,
            image=self.image,
            image_pull_policy=self._image_pull_policy(),
            args=self._args(),
            env=self._env(),
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
                read_only_root_filesystem=self.read_only_root_filesystem,
                run_as_non_root=True,
                run_as_user=self.run_as_user,
                capabilities=k8s.Capabilities(drop=["ALL"]),
                seccomp_profile=k8s.SeccompProfile(type="RuntimeDefault"),
            ),
            volume_mounts=(
                [k8s.VolumeMount(name=_DATA_VOLUME, mount_path=_DATA_PATH)] if self.read_only_root_filesystem else None
            ),
        )

    def _pod_spec(self) -> k8s.PodSpec:
        return k8s.PodSpec(
            automount_service_account_token=False,
            enable_service_links=False,
            security_context=k8s.PodSecurityContext(
                run_as_non_root=True,
                run_as_user=self.run_as_user,
                fs_group=self.run_as_user,
                seccomp_profile=k8s.SeccompProfile(type="RuntimeDefault"),
            ),
            containers=[self._container()],
            volumes=(
                [
                    k8s.Volume(
                        name=_DATA_VOLUME,
                        empty_dir=k8s.EmptyDirVolumeSource(size_limit=k8s.Quantity.from_string(self.data_size_limit)),
                    )
                ]
                if self.read_only_root_filesystem
                else None
            ),
        )

    def _deployment_spec(self) -> k8s.DeploymentSpec:
        return k8s.DeploymentSpec(
            replicas=_seed.REDIS_REPLICAS,
            selector=k8s.LabelSelector(match_labels=self.selector_labels),
            template=k8s.PodTemplateSpec(metadata=k8s.ObjectMeta(labels=self._pod_labels), spec=self._pod_spec()),
        )

    def _service_spec(self) -> k8s.ServiceSpec:
        return k8s.ServiceSpec(
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
        )

    def _policy_spec(self) -> k8s.NetworkPolicySpec:
        peers = [
            k8s.NetworkPolicyPeer(
                pod_selector=k8s.LabelSelector(match_labels=dict(peer.pod_selector)),
                namespace_selector=(
                    None
                    if peer.namespace_selector is None
                    else k8s.LabelSelector(match_labels=dict(peer.namespace_selector))
                ),
            )
            for peer in self.allow_from
        ]
        return k8s.NetworkPolicySpec(
            pod_selector=k8s.LabelSelector(match_labels=self.selector_labels),
            policy_types=["Ingress", "Egress"],
            ingress=[
                k8s.NetworkPolicyIngressRule(
                    from_=peers,
                    ports=[
                        k8s.NetworkPolicyPort(
                            port=k8s.IntOrString.from_number(self.port), protocol=_seed.REDIS_PROTOCOL
                        )
                    ],
                )
            ],
            egress=[],
        )
