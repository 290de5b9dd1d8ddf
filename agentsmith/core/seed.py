"""Every literal the design seed fixes, in one place.

The seed is "Phase 19 - Step 2: Redis Deployment + Service"
(``shared/seed/000_7557595a55f133eb.txt``; the tests read the copy in
``tests/data/seed/``). Constructs read their defaults from here and tests
compare the synthesised manifests against these names, so a value the seed
sets is written exactly once in the code base.
"""

from __future__ import annotations

from typing import Final

NAMESPACE: Final = "agentsmith"

REDIS_NAME: Final = "redis"
REDIS_IMAGE: Final = "redis:7-alpine"
REDIS_PORT: Final = 6379
REDIS_PORT_NAME: Final = "redis"
REDIS_PROTOCOL: Final = "TCP"
REDIS_MAXMEMORY: Final = "256mb"
REDIS_MAXMEMORY_POLICY: Final = "allkeys-lru"
#: ``--save ""``: an empty schedule turns RDB snapshots off (in-memory only).
REDIS_SAVE_SCHEDULE: Final = ""
REDIS_REPLICAS: Final = 1
#: UID of the ``redis`` user in the official image.
REDIS_RUN_AS_USER: Final = 999

CPU_REQUEST: Final = "100m"
MEMORY_REQUEST: Final = "128Mi"
CPU_LIMIT: Final = "500m"
MEMORY_LIMIT: Final = "384Mi"

PROBE_COMMAND: Final = ("redis-cli", "ping")
LIVENESS_INITIAL_DELAY_SECONDS: Final = 10
LIVENESS_PERIOD_SECONDS: Final = 15
LIVENESS_TIMEOUT_SECONDS: Final = 3
READINESS_INITIAL_DELAY_SECONDS: Final = 5
READINESS_PERIOD_SECONDS: Final = 10
READINESS_TIMEOUT_SECONDS: Final = 3

#: Label keys and values on the Deployment and Service metadata.
SELECTOR_LABEL_KEY: Final = "app"
NAME_LABEL_KEY: Final = "app.kubernetes.io/name"
COMPONENT_LABEL_KEY: Final = "app.kubernetes.io/component"
COMPONENT_MESSAGE_BUS: Final = "message-bus"

SERVICE_TYPE: Final = "ClusterIP"
CLUSTER_DOMAIN: Final = "cluster.local"

#: Where clients read the connection string (seed, "Connection String").
SECRET_NAME: Final = "agentsmith-secrets"
SECRET_KEY_REDIS_URL: Final = "redis-url"
