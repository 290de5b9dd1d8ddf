"""A client app that reuses agentsmith's message bus from its own cdk8s app.

It deploys a ``worker`` Deployment whose container reads ``REDIS_URL`` from the
bus's connection Secret. The bus is an in-cluster ``EphemeralRedis`` by
default; set ``REDIS_EXTERNAL_URL`` (or edit ``EXTERNAL_URL``) to use a managed
Redis through ``ExternalRedis`` instead; nothing else changes.

    pip install -r requirements.txt    # agentsmith-infra, cdk8s-plus-27, pytest, syrupy (README.md: from a wheel)
    python main.py                     # or: cdk8s synth
    python -m pytest                   # the snapshot tests in test_main.py
"""

from __future__ import annotations

import os

import cdk8s
import cdk8s_plus_27 as kplus
from constructs import Construct

from agentsmith import EphemeralRedis, ExternalRedis, RedisEndpoint, add_redis_url

#: None: run Redis in the cluster. A URL such as "rediss://cache.example.com:6380": use it.
EXTERNAL_URL: str | None = os.environ.get("REDIS_EXTERNAL_URL") or None


class WorkerChart(cdk8s.Chart):
    """The message bus plus one worker wired to it."""

    def __init__(self, scope: Construct, id: str, *, external_url: str | None = None) -> None:
        super().__init__(scope, id, namespace="agentsmith", disable_resource_name_hashes=True)
        self.bus: RedisEndpoint = (
            ExternalRedis(self, "bus", url=external_url) if external_url else EphemeralRedis(self, "bus")
        )
        worker = kplus.Deployment(self, "worker", metadata=cdk8s.ApiObjectMetadata(name="worker"), replicas=1)
        container = worker.add_container(
            name="worker",
            image="ghcr.io/example/agentsmith-worker:1.0",
            security_context=kplus.ContainerSecurityContextProps(user=1000, group=1000),
        )
        add_redis_url(self, container, self.bus)


if __name__ == "__main__":
    app = cdk8s.App(yaml_output_type=cdk8s.YamlOutputType.FILE_PER_RESOURCE)
    WorkerChart(app, "worker", external_url=EXTERNAL_URL)
    app.synth()
