"""End to end: real redis-server, Debian's redis_exporter and a real Prometheus with the synthesised rules.

For each access mode, ``EphemeralRedis(metrics=RedisMetrics(...))`` is synthesised; redis-server runs the Redis
container's args (Secrets expanded), Debian's ``prometheus-redis-exporter`` runs the exporter container's args and
environment (only the address and listen port point at the test's loopback ports), and Debian's Prometheus scrapes
it every second on 127.0.0.1 with the PrometheusRule's groups as its rule file. The bus is filled past maxmemory:
``AgentsmithRedisKeysEvicted`` must reach ``firing`` in ``/api/v1/alerts``; Redis is stopped:
``AgentsmithRedisDown`` must fire. Every process is stopped at the end; every wait is bounded.

Each mode also synthesises the Grafana dashboard (``RedisMetrics(dashboard=GrafanaDashboard())``): once the
alerts fire, every panel's query (Grafana's ``$__rate_interval`` as ``1m``) must parse and return at least
one series from this Prometheus, so a metric the exporter renamed or dropped fails here. ``-s`` prints each
query with the series it returned per mode.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cdk8s
import pytest
import yaml
from _support import in_memory_app, require_redis_server, require_tool

from agentsmith import (
    EphemeralRedis,
    GrafanaDashboard,
    RedisAccess,
    RedisAuth,
    RedisMetrics,
    RedisRole,
    Resources,
    SecretKeyRef,
)
from agentsmith.metrics.dashboard import RATE_WINDOW
from testkit.manifests import containers
from testkit.redis_runtime import (
    LOOPBACK,
    background_process,
    container_env,
    free_port,
    raw_command,
    refused,
    run_as,
    run_container,
    wait_until,
)

pytestmark = pytest.mark.runtime

#: A small bus so that filling it takes a moment: maxmemory 8mb (the floor) under a 32Mi limit.
SMALL: dict[str, Any] = {"maxmemory": "8mb", "resources": Resources(memory_request="32Mi", memory_limit="32Mi")}
#: Rules that fire after 2 s instead of 1 m, so the test stays short; everything else is the default.
METRICS = RedisMetrics(alert_after="2s")
METRICS_PASSWORD = SecretKeyRef(name="redis-metrics", key="redis-password")
ROLES = [RedisRole.dispatcher(secret_name="redis-dispatcher"), RedisRole.agent(secret_name="redis-agent")]
PASSWORDS = {"auth": "auth-pw-1", "dispatcher": "dispatcher-pw-1", "agent": "agent-pw-1", "metrics": "metrics-pw-1"}


@dataclass(frozen=True)
class Mode:
    props: dict[str, Any]
    secrets: dict[tuple[str, str], str] = field(default_factory=dict)
    #: Who fills the bus (and checks the start): (username, password).
    writer: tuple[str | None, str | None] = (None, None)
    #: Who the exporter logs in as, with a password it accepts (None: the default user).
    exporter: tuple[str, str] | None = None


MODES = {
    "guard": Mode(props={"metrics": METRICS}, exporter=("metrics", "any password: nopass")),
    "guard-own-password": Mode(
        props={"metrics": RedisMetrics(alert_after="2s", password=METRICS_PASSWORD)},
        secrets={("redis-metrics", "redis-password"): PASSWORDS["metrics"]},
        exporter=("metrics", PASSWORDS["metrics"]),
    ),
    "auth": Mode(
        props={"access": RedisAccess.password(RedisAuth(secret_name="redis-auth")), "metrics": METRICS},
        secrets={("redis-auth", "redis-password"): PASSWORDS["auth"]},
        writer=(None, PASSWORDS["auth"]),
        exporter=("metrics", PASSWORDS["auth"]),
    ),
    "roles": Mode(
        props={
            "access": RedisAccess.roles(ROLES),
            "metrics": RedisMetrics(alert_after="2s", password=METRICS_PASSWORD),
        },
        secrets={
            ("redis-dispatcher", "redis-password"): PASSWORDS["dispatcher"],
            ("redis-agent", "redis-password"): PASSWORDS["agent"],
            ("redis-metrics", "redis-password"): PASSWORDS["metrics"],
        },
        writer=("dispatcher", PASSWORDS["dispatcher"]),
        exporter=("metrics", PASSWORDS["metrics"]),
    ),
    "seed-exact": Mode(props={"access": RedisAccess.seed_exact(), "metrics": METRICS}),
}
#: Bounded waits, in seconds.
START_TIMEOUT = 30.0
ALERT_TIMEOUT = 60.0


def synthesise(props: dict[str, Any]) -> dict[str, dict[str, Any]]:
    chart = cdk8s.Chart(in_memory_app(), "e2e", namespace="agentsmith", disable_resource_name_hashes=True)
    metrics = dataclasses.replace(props["metrics"], dashboard=GrafanaDashboard())
    EphemeralRedis(chart, "redis", **SMALL, **{**props, "metrics": metrics})
    objects = {o["kind"]: o for o in cdk8s.Testing.synth(chart) if o["metadata"]["name"].startswith("redis")}
    by_name = {c["name"]: c for c in containers(objects["Deployment"])}
    return {
        "redis": by_name["redis"],
        "exporter": by_name["redis-exporter"],
        "rule": objects["PrometheusRule"],
        "dashboard": objects["ConfigMap"],
    }


#: Grafana's rate window, as the test's Prometheus (1 s scrapes) is asked for it.
RATE_INTERVAL = "1m"


def dashboard_queries(config_map: dict[str, Any]) -> dict[str, str]:
    """``panel title/refId`` -> PromQL of every panel target, ``$__rate_interval`` as :data:`RATE_INTERVAL`."""
    (text,) = config_map["data"].values()
    panels = json.loads(text)["panels"]
    return {
        f"{panel['title']}/{target['refId']}": target["expr"].replace(RATE_WINDOW, RATE_INTERVAL)
        for panel in panels
        for target in panel["targets"]
    }


def series_count(prometheus: int, promql: str) -> int | str:
    """How many series ``promql`` returns now, or Prometheus's error (a query that does not parse)."""
    url = f"http://{LOOPBACK}:{prometheus}/api/v1/query?query=" + urllib.parse.quote(promql)
    try:
        body = json.loads(http_get(url))
    except urllib.error.HTTPError as error:
        return f"{error.code}: {json.loads(error.read().decode()).get('error')}"
    return len(body["data"]["result"])


def panel_problems(prometheus: int, queries: dict[str, str]) -> tuple[dict[str, int | str], list[str]]:
    """Each query's series count, and one line per query that does not parse or returns no series."""
    counts = {name: series_count(prometheus, promql) for name, promql in queries.items()}
    problems = [
        f"{name}: {queries[name]} -> {count if isinstance(count, str) else 'no series'}"
        for name, count in counts.items()
        if isinstance(count, str) or count == 0
    ]
    return counts, problems


def http_get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        body: bytes = response.read()
        return body.decode()


def answers(url: str) -> bool:
    try:
        http_get(url)
    except OSError:
        return False
    return True


def exporter_command(exporter: dict[str, Any], *, redis_port: int, listen: int) -> list[str]:
    """The container's args with only the address and the listen port moved to the test's loopback ports."""
    binary = require_tool(
        "prometheus-redis-exporter", "apt-get install prometheus-redis-exporter (tools/setup.sh installs it)"
    )
    args = []
    for arg in exporter["args"]:
        if arg.startswith("--redis.addr="):
            assert arg == "--redis.addr=redis://127.0.0.1:6379", arg  # the pod's loopback, Redis's port
            arg = f"--redis.addr=redis://{LOOPBACK}:{redis_port}"
        elif arg.startswith("--web.listen-address="):
            assert arg == "--web.listen-address=:9121", arg
            arg = f"--web.listen-address={LOOPBACK}:{listen}"
        args.append(arg)
    uid = exporter["securityContext"]["runAsUser"]
    prefix = run_as(uid, setpriv=shutil.which("setpriv") or "setpriv", no_new_privs=True) if os.geteuid() == 0 else []
    return [*prefix, binary, *args]


def prometheus_config(folder: Path, rule: dict[str, Any], *, target: int) -> Path:
    (folder / "rules.yaml").write_text(yaml.safe_dump(rule["spec"]), encoding="utf-8")
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s", "scrape_timeout": "1s"},
        "rule_files": [str(folder / "rules.yaml")],
        "scrape_configs": [
            {
                # prometheus-operator names the job after the Service and adds the namespace label.
                "job_name": "redis-metrics",
                "static_configs": [{"targets": [f"{LOOPBACK}:{target}"], "labels": {"namespace": "agentsmith"}}],
            }
        ],
    }
    path = folder / "prometheus.yml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def alert_state(prometheus: int, name: str) -> str:
    alerts = json.loads(http_get(f"http://{LOOPBACK}:{prometheus}/api/v1/alerts"))["data"]["alerts"]
    states = [a["state"] for a in alerts if a["labels"]["alertname"] == name]
    return "firing" if "firing" in states else (states[0] if states else "inactive")


def query(prometheus: int, promql: str) -> list[dict[str, Any]]:
    url = f"http://{LOOPBACK}:{prometheus}/api/v1/query?query=" + urllib.parse.quote(promql)
    result: list[dict[str, Any]] = json.loads(http_get(url))["data"]["result"]
    return result


def wait_for_alert(prometheus: int, name: str, *, since: float) -> float:
    """Seconds from ``since`` (``time.monotonic()``) until ``name`` fires; ``TimeoutError`` after ALERT_TIMEOUT."""
    wait_until(lambda: alert_state(prometheus, name) == "firing", timeout=ALERT_TIMEOUT, what=f"{name} firing")
    return time.monotonic() - since


def fill(port: int, writer: tuple[str | None, str | None], *, total: int) -> int:
    """Write ``total`` bytes of job data in 64 KiB values; returns the keys written."""
    import redis

    username, password = writer
    value = b"x" * 65536
    with redis.Redis(host=LOOPBACK, port=port, username=username, password=password, socket_timeout=10) as client:
        pipe = client.pipeline(transaction=False)
        keys = total // len(value)
        for index in range(keys):
            pipe.set(f"job:{index}:payload", value)
        pipe.execute()
    return keys


@pytest.fixture(scope="module")
def report(request: pytest.FixtureRequest) -> Iterator[dict[str, dict[str, Any]]]:
    """Figures per mode, printed past pytest's output capture when the module ends (for the closing note)."""
    figures: dict[str, dict[str, Any]] = {}
    yield figures
    columns = list(dict.fromkeys(key for row in figures.values() for key in row))
    lines = [
        "",
        "metrics end to end (Debian redis_exporter + Prometheus, scrape and evaluation every 1 s, for: 2s):",
        "| mode | " + " | ".join(columns) + " |",
        "| --- " * (len(columns) + 1) + "|",
        *(f"| {mode} | " + " | ".join(str(row.get(c, "-")) for c in columns) + " |" for mode, row in figures.items()),
    ]
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled() if capture is not None else nullcontext():
        print("\n".join(lines), flush=True)


@pytest.fixture(scope="module")
def dashboard_report(request: pytest.FixtureRequest) -> Iterator[dict[str, dict[str, int | str]]]:
    """Series per dashboard query and mode, printed past pytest's capture when the module ends."""
    counts: dict[str, dict[str, int | str]] = {}  # mode -> query -> series
    queries: dict[str, str] = {}
    yield counts
    for mode in counts.values():
        queries.update((name, "") for name in mode)
    modes = list(counts)
    lines = [
        "",
        f"dashboard queries against Prometheus + redis_exporter ($__rate_interval = {RATE_INTERVAL}): series returned",
        "| panel/target | query | " + " | ".join(modes) + " |",
        "| --- " * (len(modes) + 2) + "|",
    ]
    exprs = {name: expr for mode in counts for name, expr in DASHBOARD_EXPRS.get(mode, {}).items()}
    for name in queries:
        row = " | ".join(str(counts[mode].get(name, "-")) for mode in modes)
        lines.append(f"| {name} | `{exprs.get(name, '')}` | {row} |")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled() if capture is not None else nullcontext():
        print("\n".join(lines), flush=True)


#: The queries each mode ran (for the printed table).
DASHBOARD_EXPRS: dict[str, dict[str, str]] = {}


@pytest.mark.parametrize("mode_name", list(MODES))
def test_alerts_fire_end_to_end(
    mode_name: str,
    tmp_path: Path,
    report: dict[str, dict[str, Any]],
    dashboard_report: dict[str, dict[str, int | str]],
) -> None:
    mode = MODES[mode_name]
    redis_server = require_redis_server("redis:7-alpine")
    prometheus_binary = require_tool("prometheus", "apt-get install prometheus (tools/setup.sh installs it)")
    manifests = synthesise(mode.props)
    figures: dict[str, Any] = report.setdefault(mode_name, {})
    username, password = mode.writer
    with ExitStack() as stack:
        server, _ = stack.enter_context(
            run_container(
                manifests["redis"],
                mode.secrets,
                log_path=tmp_path / "redis.log",
                redis_server=redis_server,
                username=username,
                password=password,
            )
        )
        # GIVEN the exporter with the synthesised args and environment (Secrets expanded as the kubelet does)
        listen = free_port()
        exporter_env = {"PATH": os.environ["PATH"], **container_env(manifests["exporter"], mode.secrets)}
        stack.enter_context(
            background_process(
                exporter_command(manifests["exporter"], redis_port=server.port, listen=listen),
                log=tmp_path / "exporter.log",
                env=exporter_env,
            )
        )
        wait_until(lambda: answers(f"http://{LOOPBACK}:{listen}/health"), timeout=START_TIMEOUT, what="exporter")
        # AND Prometheus scraping it with the synthesised rules
        web = free_port()
        config = prometheus_config(tmp_path, manifests["rule"], target=listen)
        started = time.monotonic()
        stack.enter_context(
            background_process(
                [
                    prometheus_binary,
                    f"--config.file={config}",
                    f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                    f"--web.listen-address={LOOPBACK}:{web}",
                ],
                log=tmp_path / "prometheus.log",
            )
        )
        wait_until(
            lambda: (
                answers(f"http://{LOOPBACK}:{web}/-/ready") and [r["value"][1] for r in query(web, "redis_up")] == ["1"]
            ),
            timeout=START_TIMEOUT,
            what="Prometheus to scrape redis_up 1",
        )
        figures["first scrape (s)"] = round(time.monotonic() - started, 1)

        # THEN the exporter is logged in, and nothing it runs is refused: the error counts (which our own
        # redis-py connections raised with CLIENT SETINFO, unknown to Redis 7.0) do not move across scrapes
        first = http_get(f"http://{LOOPBACK}:{listen}/metrics").splitlines()
        assert "redis_up 1" in first
        scrapes = int(float(query(web, 'count_over_time(redis_up{job="redis-metrics"}[1m])')[0]["value"][1]))
        wait_until(
            lambda: (
                int(float(query(web, 'count_over_time(redis_up{job="redis-metrics"}[1m])')[0]["value"][1]))
                >= scrapes + 3
            ),
            timeout=START_TIMEOUT,
            what="three more scrapes",
        )
        later = http_get(f"http://{LOOPBACK}:{listen}/metrics").splitlines()
        errors = [line for line in later if line.startswith("redis_errors_total")]
        assert errors == [line for line in first if line.startswith("redis_errors_total")]
        assert not any('err="NOPERM"' in line for line in errors), errors
        figures["redis_up"] = 1
        figures["NOPERM (exporter)"] = sum('err="NOPERM"' in line for line in errors)
        # AND its own user reads server state only: no job keys, no writes
        if mode.exporter is not None:
            user, secret = mode.exporter
            for command in (["GET", "job:1:payload"], ["SET", "job:1:payload", "x"], ["KEYS", "*"]):
                reply = raw_command(server.port, command, user=user, password=secret)
                assert refused(reply), (command, reply)
            assert raw_command(server.port, ["CONFIG", "GET", "maxmemory"], user=user, password=secret) == "*2"

        # AND the restart alert fires: this Redis has been up for seconds (every in-flight job of a bus that
        # just started, after a drain or an OOM kill, was lost)
        uptime = float(query(web, 'redis_uptime_in_seconds{job="redis-metrics"}')[0]["value"][1])
        assert uptime < 300, uptime
        figures["Restarted firing (s after start)"] = round(
            wait_for_alert(web, "AgentsmithRedisRestarted", since=time.monotonic() - uptime), 1
        )

        # WHEN the bus is filled to twice maxmemory (allkeys-lru, the seed's policy)
        assert alert_state(web, "AgentsmithRedisKeysEvicted") == "inactive"
        keys = fill(server.port, mode.writer, total=16 * 2**20)
        filled = time.monotonic()
        # THEN the eviction alert fires
        figures["keys written"] = keys
        figures["KeysEvicted firing (s after fill)"] = round(
            wait_for_alert(web, "AgentsmithRedisKeysEvicted", since=filled), 1
        )
        evicted = query(web, 'redis_evicted_keys_total{job="redis-metrics"}')
        figures["evicted keys"] = int(float(evicted[0]["value"][1]))
        assert figures["evicted keys"] > 0
        figures["MemoryHigh firing (s after fill)"] = round(
            wait_for_alert(web, "AgentsmithRedisMemoryHigh", since=filled), 1
        )

        # AND every query of the dashboard parses and returns at least one series (ALERTS: the firing alerts)
        queries = dashboard_queries(manifests["dashboard"])
        DASHBOARD_EXPRS[mode_name] = queries
        counts, problems = panel_problems(web, queries)
        dashboard_report[mode_name] = counts
        assert problems == [], problems
        figures["dashboard queries with series"] = f"{len(counts) - len(problems)}/{len(counts)}"
        # AND the check sees a renamed metric and a query that does not parse
        renamed = {"renamed": queries["Memory used against maxmemory/A"].replace("_used_bytes", "_used_bytez")}
        broken = {"broken": "rate(redis_commands_processed_total[1m]"}
        assert panel_problems(web, renamed)[1] == [f"renamed: {renamed['renamed']} -> no series"]
        (unparsed,) = panel_problems(web, broken)[1]
        assert unparsed.startswith("broken: rate(redis_commands_processed_total[1m] -> 400: "), unparsed

        # AND a scraper that asks the exporter's multi-target endpoint for job keys gets none under the guard
        # (the exporter's own login has no keys); with the seed's exact args it is the default user and can
        probe = urllib.parse.urlencode({"target": f"redis://{LOOPBACK}:{server.port}", "check-keys": "job:*"})
        leaked = [line for line in http_get(f"http://{LOOPBACK}:{listen}/scrape?{probe}").splitlines()]
        key_series = [line for line in leaked if line.startswith("redis_key_size")]
        figures["keys via /scrape"] = len(key_series)
        assert (key_series != []) is (mode_name == "seed-exact"), key_series[:3]

        # WHEN Redis stops
        server.stop()
        stopped = time.monotonic()
        # THEN the down alert fires (the exporter still answers: redis_up 0)
        figures["RedisDown firing (s after stop)"] = round(wait_for_alert(web, "AgentsmithRedisDown", since=stopped), 1)
        assert alert_state(web, "AgentsmithRedisMetricsAbsent") == "inactive"
