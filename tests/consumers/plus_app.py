"""A consumer on a cdk8s-plus line given as the first argument (``cdk8s_plus_27``, ``cdk8s_plus_37``, ...).

Wires a cdk8s-plus ``worker`` with ``add_redis_url`` and an L1 ``l1-worker``
of the same line's ``k8s`` with ``redis_url_env``. Prints one JSON line
describing what ran.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import sys

import cdk8s

from agentsmith import EphemeralRedis, add_redis_url, redis_url_env

kplus = importlib.import_module(sys.argv[1])
app = cdk8s.App(outdir="out", yaml_output_type=cdk8s.YamlOutputType.FILE_PER_RESOURCE)
chart = cdk8s.Chart(app, "app", namespace="jobs", disable_resource_name_hashes=True)
bus = EphemeralRedis(chart, "bus", name="bus")
for name in ("worker", "dispatcher"):
    deployment = kplus.Deployment(chart, name, metadata=cdk8s.ApiObjectMetadata(name=name))
    add_redis_url(chart, deployment.add_container(name=name, image=f"{name}:1"), bus)
k8s = kplus.k8s
labels = {"app": "l1-worker"}
k8s.KubeDeployment(
    chart,
    "l1-worker",
    metadata=k8s.ObjectMeta(name="l1-worker"),
    spec=k8s.DeploymentSpec(
        selector=k8s.LabelSelector(match_labels=labels),
        template=k8s.PodTemplateSpec(
            metadata=k8s.ObjectMeta(labels=labels),
            spec=k8s.PodSpec(containers=[k8s.Container(name="l1-worker", image="w:1", env=[redis_url_env(bus)])]),
        ),
    ),
)
app.synth()
print(
    json.dumps(
        {
            "kplus": kplus.__name__,
            "optimize": sys.flags.optimize,
            "plus": sorted(
                name
                for name in (dist.metadata["Name"] for dist in importlib.metadata.distributions())
                if name.lower().startswith("cdk8s-plus")
            ),
        }
    )
)
