"""A consumer that never calls the collision check: the reviewer's three namespaces, one file per resource.

``EphemeralRedis`` named ``redis`` in namespaces v1, v2 and v3 would all be
written to ``Deployment.redis.k8s.yaml``. ``app.synth()`` must refuse before
it writes anything. Prints nothing; the traceback's last line is the error.
"""

from __future__ import annotations

import cdk8s

from agentsmith import EphemeralRedis

app = cdk8s.App(outdir="out", yaml_output_type=cdk8s.YamlOutputType.FILE_PER_RESOURCE)
for index in (1, 2, 3):
    chart = cdk8s.Chart(app, f"v{index}", namespace=f"v{index}", disable_resource_name_hashes=True)
    EphemeralRedis(chart, "redis")
app.synth()
