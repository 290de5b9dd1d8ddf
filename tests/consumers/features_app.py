"""The props and helpers added since the first release, used as an app outside this repository uses them.

The first argument is the binding the app writes its worker with: ``imports.k8s`` (its own generated
``imports/``, L1 helpers) or a cdk8s-plus module (``cdk8s_plus_27``, ...; ``add_redis_url``). Builds a bus
with persistence, placement, pod options, a PodDisruptionBudget and a dashboard, a managed Redis over TLS
with a private CA, a client certificate and Cluster, a worker wired to it, and tries bad input for each
new prop. Prints one JSON line: the binding, a connection URL from ``redis_url``, and each bad input's
error (type and prop).
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Callable

import cdk8s

from agentsmith import (
    AgentsmithConfigError,
    EphemeralRedis,
    ExternalRedis,
    GrafanaDashboard,
    RedisDisruption,
    RedisMetrics,
    RedisPersistence,
    RedisPlacement,
    RedisPodOptions,
    RedisTLS,
    Resources,
    Toleration,
    TopologySpread,
    add_redis_url,
    redis_client_env,
    redis_tls_mounts,
    redis_tls_volumes,
    redis_url,
    redis_url_env,
)

binding = sys.argv[1]
app = cdk8s.App(outdir="out", yaml_output_type=cdk8s.YamlOutputType.FILE_PER_RESOURCE)
chart = cdk8s.Chart(app, "app", namespace="jobs", disable_resource_name_hashes=True)
EphemeralRedis(
    chart,
    "bus",
    name="bus",
    resources=Resources(memory_limit="1Gi"),
    persistence=RedisPersistence.append_only(size="2Gi", storage_class="fast-ssd"),
    placement=RedisPlacement(
        node_selector={"pool": "bus"},
        tolerations=[Toleration(key="dedicated", value="bus", effect="NoSchedule")],
        topology_spread=[TopologySpread(topology_key="topology.kubernetes.io/zone", match_labels={"app": "bus"})],
        priority_class_name="bus-critical",
    ),
    pod_options=RedisPodOptions(image_pull_policy="IfNotPresent", image_pull_secrets=["registry"]),
    disruption=RedisDisruption.wait_for_bus(),
    metrics=RedisMetrics(dashboard=GrafanaDashboard()),
)
managed = ExternalRedis(
    chart,
    "managed",
    url="rediss://cache.example.com:6380",
    tls_ca=RedisTLS.from_secret("managed-ca", client_secret="managed-client"),
    cluster=True,
)
if binding == "imports.k8s":
    from imports import k8s

    labels = {"app": "worker"}
    container = k8s.Container(
        name="worker",
        image="w:1",
        env=[redis_url_env(managed), *redis_client_env(managed)],
        volume_mounts=redis_tls_mounts(managed),
    )
    k8s.KubeDeployment(
        chart,
        "worker",
        metadata=k8s.ObjectMeta(name="worker"),
        spec=k8s.DeploymentSpec(
            selector=k8s.LabelSelector(match_labels=labels),
            template=k8s.PodTemplateSpec(
                metadata=k8s.ObjectMeta(labels=labels),
                spec=k8s.PodSpec(containers=[container], volumes=redis_tls_volumes(managed)),
            ),
        ),
    )
else:
    kplus = importlib.import_module(binding)
    worker = kplus.Deployment(chart, "worker", metadata=cdk8s.ApiObjectMetadata(name="worker"))
    add_redis_url(chart, worker.add_container(name="worker", image="w:1"), managed)

bad: dict[str, Callable[[cdk8s.Chart], object]] = {
    "persistence in 512Mi": lambda c: EphemeralRedis(c, "r", persistence=RedisPersistence.append_only()),
    "persistence fsync": lambda c: EphemeralRedis(
        c, "r", persistence=RedisPersistence.append_only(fsync="sometimes"), resources=Resources(memory_limit="1Gi")
    ),
    "toleration seconds": lambda c: EphemeralRedis(
        c, "r", placement=RedisPlacement(tolerations=[Toleration(key="a", effect="NoSchedule", toleration_seconds=5)])
    ),
    "priority class": lambda c: EphemeralRedis(c, "r", placement=RedisPlacement(priority_class_name="system-x")),
    "pull policy": lambda c: EphemeralRedis(c, "r", pod_options=RedisPodOptions(image_pull_policy="always")),
    "dashboard": lambda c: EphemeralRedis(c, "r", metrics=RedisMetrics(dashboard=True)),  # type: ignore[arg-type]
    "tls_ca over redis://": lambda c: ExternalRedis(
        c, "e", url="redis://cache.example.com", tls_ca=RedisTLS.from_config_map("ca")
    ),
    "cluster": lambda c: ExternalRedis(c, "e", url="rediss://cache.example.com", cluster="yes"),  # type: ignore[call-overload]
    "redis_url host": lambda c: redis_url("redis://cache.example.com", password="pw"),
}
errors: dict[str, str] = {}
for name, build in bad.items():
    scratch = cdk8s.Chart(cdk8s.App(), "scratch", namespace="jobs")
    try:
        build(scratch)
        errors[name] = "accepted"
    except AgentsmithConfigError as error:
        errors[name] = f"AgentsmithConfigError {error.prop}"
    except Exception as error:  # anything else is a bug the test names
        errors[name] = f"{type(error).__name__}: {error}"
app.synth()
url = redis_url("cache.example.com", port=6380, username="agent", password="a/b+c=d@e:f%g", tls=True)
print(json.dumps({"binding": binding, "url": url, "errors": errors}))
