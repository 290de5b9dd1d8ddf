"""Opt-in metrics and alerts: RedisMetrics, with the exporter sidecar (``exporter``) and the alerts (``alerts``).

docs/operations.md, "Metrics and alerts", is the narrative.
"""

from agentsmith.metrics.dashboard import DEFAULT_SIDECAR_LABELS, GrafanaDashboard
from agentsmith.metrics.metrics import (
    DEFAULT_EXPORTER_IMAGE,
    DEFAULT_EXPORTER_RESOURCES,
    DEFAULT_SCRAPERS,
    RedisMetrics,
)

__all__ = [
    "DEFAULT_EXPORTER_IMAGE",
    "DEFAULT_EXPORTER_RESOURCES",
    "DEFAULT_SCRAPERS",
    "DEFAULT_SIDECAR_LABELS",
    "GrafanaDashboard",
    "RedisMetrics",
]
