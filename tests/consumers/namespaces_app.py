"""A consumer whose worker runs in namespace ``jobs`` and its bus in ``agentsmith``, on a cdk8s-plus line.

``python namespaces_app.py cdk8s_plus_27 refused``: no opt-in; ``app.synth()``
must fail with one line naming both namespaces and the fix, and write nothing.
``python namespaces_app.py cdk8s_plus_27 client_namespaces``: the bus serves
``jobs`` (``client_namespaces=["jobs"]``); the app synthesises and prints one
JSON line.
"""

from __future__ import annotations

import importlib
import json
import sys

import cdk8s

from agentsmith import EphemeralRedis, add_redis_url, redis_url_env

kplus = importlib.import_module(sys.argv[1])
opt_in = sys.argv[2] == "client_namespaces"
app = cdk8s.App(outdir="out", yaml_output_type=cdk8s.YamlOutputType.FILE_PER_CHART)
bus_chart = cdk8s.Chart(app, "bus", namespace="agentsmith", disable_resource_name_hashes=True)
jobs = cdk8s.Chart(app, "jobs", namespace="jobs", disable_resource_name_hashes=True)
bus = EphemeralRedis(bus_chart, "redis", client_namespaces=["jobs"] if opt_in else ())
worker = kplus.Deployment(jobs, "worker", metadata=cdk8s.ApiObjectMetadata(name="worker"))
add_redis_url(jobs, worker.add_container(name="worker", image="worker:1"), bus)
k8s = kplus.k8s
labels = {"app": "l1-worker"}
k8s.KubeDeployment(
    jobs,
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
print(json.dumps({"kplus": kplus.__name__, "client_namespaces": list(bus.client_namespaces)}))
