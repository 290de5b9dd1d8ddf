"""A classic ``cdk8s init python-app`` consumer: its own generated ``imports/k8s`` and an L1 Deployment.

The worker gets ``REDIS_URL`` through ``redis_url_env``. Run from the app's
folder (``imports/`` beside this file); prints one JSON line describing what ran.
"""

from __future__ import annotations

import importlib.metadata
import json
import sys

import cdk8s

from agentsmith import EphemeralRedis, redis_url_env
from imports import k8s

app = cdk8s.App(outdir="out", yaml_output_type=cdk8s.YamlOutputType.FILE_PER_RESOURCE)
chart = cdk8s.Chart(app, "app", namespace="jobs", disable_resource_name_hashes=True)
bus = EphemeralRedis(chart, "bus", name="bus")
labels = {"app": "worker"}
k8s.KubeDeployment(
    chart,
    "worker",
    metadata=k8s.ObjectMeta(name="worker"),
    spec=k8s.DeploymentSpec(
        selector=k8s.LabelSelector(match_labels=labels),
        template=k8s.PodTemplateSpec(
            metadata=k8s.ObjectMeta(labels=labels),
            spec=k8s.PodSpec(containers=[k8s.Container(name="worker", image="w:1", env=[redis_url_env(bus)])]),
        ),
    ),
)
app.synth()
print(
    json.dumps(
        {
            "k8s": k8s.__name__,
            "optimize": sys.flags.optimize,
            "plus": sorted(
                name
                for name in (dist.metadata["Name"] for dist in importlib.metadata.distributions())
                if name.lower().startswith("cdk8s-plus")
            ),
        }
    )
)
