"""A consumer with a clash of its own: two same-name ConfigMaps in two charts, and an EphemeralRedis in a third.

The library's app-wide check stays in its lane: it refuses only clashes that
involve an agentsmith object, so this app synthesises as plain cdk8s would
(both ConfigMaps written, one file per chart). Prints the files written.
"""

from __future__ import annotations

import os

import cdk8s

from agentsmith import EphemeralRedis

app = cdk8s.App(outdir="out")
for chart_id in ("one", "two"):
    chart = cdk8s.Chart(app, chart_id, namespace="jobs", disable_resource_name_hashes=True)
    metadata = cdk8s.ApiObjectMetadata(name="settings")
    cdk8s.ApiObject(chart, "settings", api_version="v1", kind="ConfigMap", metadata=metadata)
EphemeralRedis(cdk8s.Chart(app, "bus", namespace="jobs", disable_resource_name_hashes=True), "redis")
app.synth()
print(*sorted(os.listdir("out")))
