"""The bus's alerting rules: a PrometheusRule whose thresholds come from the construct's own settings.

Each alert's ``summary``, ``description`` and ``runbook`` match docs/operations.md, "The alerts", and its
``runbook_url`` links that alert's section there (:data:`RUNBOOKS`); the rules select the exporter's series by
``job`` (``<name>-metrics``) and, when known, ``namespace``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from agentsmith.base import manifest
from agentsmith.metrics.metrics import RedisMetrics

__all__ = ["ALERTS", "RUNBOOKS", "WINDOW", "prometheus_rule", "rule_groups", "runbook_url"]

#: Counter alerts look this far back: an eviction, OOM error or refused connection keeps
#: its alert firing for this long after the last one.
WINDOW: Final = "5m"
#: :data:`WINDOW` in seconds: a Redis up for less than this has just (re)started.
_WINDOW_SECONDS: Final = 300

#: Alert names (public: they appear in Alertmanager routes and silences).
REDIS_DOWN: Final = "AgentsmithRedisDown"
METRICS_ABSENT: Final = "AgentsmithRedisMetricsAbsent"
KEYS_EVICTED: Final = "AgentsmithRedisKeysEvicted"
MEMORY_HIGH: Final = "AgentsmithRedisMemoryHigh"
OOM_ERRORS: Final = "AgentsmithRedisOutOfMemoryErrors"
REJECTED_CONNECTIONS: Final = "AgentsmithRedisRejectedConnections"
REDIS_RESTARTED: Final = "AgentsmithRedisRestarted"
CLIENT_MEMORY_HIGH: Final = "AgentsmithRedisClientMemoryHigh"
ALERTS: Final = (
    REDIS_DOWN,
    METRICS_ABSENT,
    KEYS_EVICTED,
    MEMORY_HIGH,
    OOM_ERRORS,
    REJECTED_CONNECTIONS,
    REDIS_RESTARTED,
    CLIENT_MEMORY_HIGH,
)

#: Where each alert's ``runbook_url`` points: docs/operations.md on the repository's main branch (pyproject's
#: ``Source`` URL), one section per alert, whose anchor is the alert's name in lower case.
RUNBOOKS: Final = "https://github.com/agentsmith/agentsmith-infra/blob/main/docs/operations.md"


def runbook_url(alert: str) -> str:
    """``RUNBOOKS#agentsmithredisdown`` for ``AgentsmithRedisDown``: its section's heading, as GitHub anchors it."""
    return f"{RUNBOOKS}#{alert.lower()}"


@dataclass(frozen=True, kw_only=True)
class BusFacts:
    """What the rules need to know about the Redis they watch."""

    name: str
    namespace: str | None
    maxmemory: str
    maxmemory_bytes: int
    #: ``--maxmemory-clients`` in bytes, or None without the command guard (no such bound).
    client_memory_budget: int | None
    #: Redis restores its data from a volume when it restarts (``RedisPersistence.append_only``).
    persistent: bool = False


def _selector(job: str, namespace: str | None) -> str:
    matchers = [f'job="{job}"']
    if namespace is not None:
        matchers.append(f'namespace="{namespace}"')
    return ",".join(matchers)


def _new_or_increased(metric: str) -> str:
    """True when a counter grew within WINDOW, including a series that first appeared within it.

    ``increase()`` needs two samples, so the first value of a series that starts only at its
    first event (``redis_errors_total{err="OOM"}``) would be missed without the second half.
    """
    return f"increase({metric}[{WINDOW}]) > 0 or (({metric} > 0) unless ({metric} offset {WINDOW}))"


def rule_groups(metrics: RedisMetrics, bus: BusFacts, *, job: str) -> list[dict[str, Any]]:
    """The ``groups`` of the rule file (the PrometheusRule's ``spec.groups``, as ``promtool`` reads them)."""
    sel = _selector(job, bus.namespace)
    where = f"{bus.namespace}/{bus.name}" if bus.namespace else bus.name
    memory_bytes = int(bus.maxmemory_bytes * metrics.memory_threshold)
    percent = f"{metrics.memory_threshold:.0%}"
    rules: list[dict[str, Any]] = [
        _alert(
            REDIS_DOWN,
            f"redis_up{{{sel}}} == 0",
            after=metrics.alert_after,
            severity="critical",
            summary=f"Redis {where} is down or the exporter cannot log in",
            description="redis_up is 0: the exporter runs but Redis does not answer it.",
            runbook=(
                "Jobs cannot be dispatched or reported. Check the Redis pod (kubectl get pods -l app="
                f"{bus.name}; kubectl describe pod) for restarts or OOMKilled: a restart loses every in-flight "
                "job. If Redis runs, read the exporter's log (container redis-exporter): WRONGPASS or NOPERM "
                "means its password or ACL user is wrong (the Secret changed without a Redis restart)."
            ),
        ),
        _alert(
            METRICS_ABSENT,
            # absent() of a comparison would lose the labels: scrapes failing, or no target at all
            f"sum by (job, namespace) (up{{{sel}}}) == 0 or absent(up{{{sel}}})",
            after=metrics.alert_after,
            severity="warning",
            summary=f"No metrics from Redis {where}",
            description="Prometheus has no successful scrape of the exporter: every other bus alert is blind.",
            runbook=(
                "Check that the pod is Running and Ready, that the ServiceMonitor is selected by your "
                "Prometheus (its labels), and that the NetworkPolicy admits the scraper (metrics.scrape_from: "
                "the scraper's namespace and pod labels)."
            ),
        ),
        _alert(
            KEYS_EVICTED,
            _new_or_increased(f"redis_evicted_keys_total{{{sel}}}"),
            after="0s",
            severity="critical",
            summary=f"Redis {where} evicted keys: in-flight jobs may be lost",
            description=(
                f"Redis reached maxmemory ({bus.maxmemory}) and evicted keys in the last {WINDOW}. A stream "
                "whose consumer waits in XREADGROUP may be gone (UNBLOCKED, then NOGROUP)."
            ),
            runbook=(
                "Find the jobs that failed with NOGROUP or lost their stream and resubmit them. Then make room: "
                "delete finished jobs' streams, set TTLs, raise maxmemory with resources.memory_limit, or use "
                "maxmemory_policy='noeviction' (writes then fail with OOM instead of losing keys)."
            ),
        ),
        _alert(
            MEMORY_HIGH,
            f"redis_memory_used_bytes{{{sel}}} > {memory_bytes}",
            after=metrics.alert_after,
            severity="warning",
            summary=f"Redis {where} uses over {percent} of maxmemory ({bus.maxmemory})",
            description=f"used_memory is above {memory_bytes} bytes: eviction (or OOM errors) come next.",
            runbook=(
                "Look for keys that should be gone (redis-cli --bigkeys as an admin; streams of finished jobs "
                "without XTRIM/DEL). Raise maxmemory and resources.memory_limit together if the load is real."
            ),
        ),
        _alert(
            OOM_ERRORS,
            _new_or_increased(f'redis_errors_total{{{sel},err="OOM"}}'),
            after="0s",
            severity="critical",
            summary=f"Redis {where} refused writes with OOM",
            description=f"Writes failed with OOM in the last {WINDOW}: the messages they carried were not stored.",
            runbook=(
                "Clients got 'OOM command not allowed when used memory > maxmemory'. Free memory (delete "
                "finished jobs' keys) or raise maxmemory; retry the failed jobs."
            ),
        ),
        _alert(
            REJECTED_CONNECTIONS,
            f"increase(redis_rejected_connections_total{{{sel}}}[{WINDOW}]) > 0",
            after="0s",
            severity="warning",
            summary=f"Redis {where} rejected connections (maxclients)",
            description=f"Connections were refused in the last {WINDOW}: clients could not reach the bus.",
            runbook=(
                "Count clients (redis_connected_clients) and look for a client that leaks connections; raise "
                "maxclients (and the container's open-file limit) only for a real load."
            ),
        ),
    ]
    if not bus.persistent:  # a bus that restores its jobs from its volume loses none on a restart
        rules.append(
            _alert(
                REDIS_RESTARTED,
                f"redis_uptime_in_seconds{{{sel}}} < {_WINDOW_SECONDS}",
                after="0s",
                severity="warning",
                summary=f"Redis {where} (re)started: the jobs in flight before it were lost",
                description=(
                    f"Redis has been up for less than {WINDOW}. An in-memory bus keeps nothing across a restart: "
                    "every job in flight when it stopped (a node drain, an OOM kill, a rollout) is gone."
                ),
                runbook=(
                    "Resubmit the jobs that were in flight when Redis stopped. Find why it stopped (kubectl get "
                    "events; kubectl describe pod: Evicted by a drain, OOMKilled, a rollout). To make drains wait for "
                    "the bus, use disruption=RedisDisruption.wait_for_bus(). The first start fires this alert too."
                ),
            )
        )
    if bus.client_memory_budget is not None:
        client_bytes = int(bus.client_memory_budget * metrics.client_memory_threshold)
        rules.append(
            _alert(
                CLIENT_MEMORY_HIGH,
                f"redis_mem_clients_normal{{{sel}}} > {client_bytes}",
                after=metrics.alert_after,
                severity="warning",
                summary=(
                    f"Redis {where} client buffers use over {metrics.client_memory_threshold:.0%} of maxmemory-clients"
                ),
                description=(
                    f"Clients hold more than {client_bytes} bytes of buffers: at {bus.client_memory_budget} bytes "
                    "Redis disconnects the biggest clients."
                ),
                runbook=(
                    "A client is not reading its replies or pub/sub messages, or sends huge commands: find it "
                    "with CLIENT LIST as an admin (tot-mem, omem, qbuf) and fix or stop it."
                ),
            )
        )
    return [{"name": f"agentsmith-redis-{bus.name}", "rules": rules}]


def _alert(
    name: str, expr: str, *, after: str, severity: str, summary: str, description: str, runbook: str
) -> dict[str, Any]:
    return {
        "alert": name,
        "expr": expr,
        "for": after,
        "labels": {"severity": severity},
        # runbook_url: the link kube-prometheus' and most routers' templates show; runbook: the same steps inline,
        # for a notification read where the docs are out of reach, and for routes written for it.
        "annotations": {
            "summary": summary,
            "description": description,
            "runbook": runbook,
            "runbook_url": runbook_url(name),
        },
    }


def prometheus_rule(
    metrics: RedisMetrics, bus: BusFacts, *, job: str, namespace: str | None, labels: Mapping[str, str]
) -> dict[str, Any]:
    """The PrometheusRule (prometheus-operator ``monitoring.coreos.com/v1``)."""
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": manifest.metadata(bus.name, namespace=namespace, labels=labels),
        "spec": {"groups": rule_groups(metrics, bus, job=job)},
    }
