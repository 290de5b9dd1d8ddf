"""Pod tier with metrics: the Redis pod of ``EphemeralRedis(metrics=RedisMetrics())`` under ``podman kube play``.

The synthesised Deployment then has two containers, ``redis`` and
``redis-exporter``. Both run on local stand-ins (tools/podman/build-standin.sh:
Debian's redis-server, and Debian's prometheus-redis-exporter in an image laid
out like ``oliver006/redis_exporter``'s: ``/redis_exporter`` as entrypoint, user
59000), so the manifest's ``args`` and ``env`` reach the exporter unchanged. The
test copy differs only as ``_podman.py`` lists; both container ports are
published on 127.0.0.1, the exporter's so that the test scrapes ``/metrics``
from outside the pod's network namespace, as Prometheus does.

Each mode in :data:`MODES` is one access mode with metrics on; the exporter logs
in as ``_exporter.py``'s table says. Every check runs for every mode:
``redis_up 1`` and no scrape error, no command refused to the exporter
(``INFO errorstats``, ``INFO commandstats`` and ``redis_errors_total``), ``/health``
200 within the kubelet's readiness limit, the exporter's securityContext in
effect (UID 59000, read-only root filesystem), its cgroup memory limit and use.
The last check per mode sends one command the access mode refuses, to show the
NOPERM check can fail. One more pod (guard mode) stops Redis: the exporter then
serves ``redis_up 0`` and ``/health`` still answers 200. Printed figures
(``-rP``): time from ``kube play`` to the first scrape with ``redis_up 1``, the
exporter's memory, ``redis_up``, refused commands. Clean-up by name after each
mode, also after a failure; images stay cached.

podman 4.3 turns the ``httpGet`` liveness probe into the healthcheck
``curl -f http://localhost:0/health`` (the named port ``metrics`` becomes 0), which
could not pass anyway (no curl in the image, as in the official one) and is never
scheduled here (no systemd); the tests GET ``/health`` themselves on the published
port, as the kubelet GETs the pod's IP.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import redis
from _podman import (
    Pod,
    Sidecar,
    build_standin,
    cgroup_dir,
    cgroup_limits,
    cgroup_memory_peak_and_oom_kills,
    played_copy,
    podman,
    read_int,
    require_podman,
    resolve_env,
    secret_values,
    synth_deployment,
    write_manifest,
)
from _support import require_tool
from test_pod import FAILURE_THRESHOLD

from agentsmith import RedisAccess, RedisAuth, RedisMetrics, RedisRole, SecretKeyRef
from agentsmith.core.quantity import parse_quantity, parse_redis_memory
from testkit.manifests import containers
from testkit.redis_runtime import client, free_port

pytestmark = [pytest.mark.runtime, pytest.mark.pod]

EXPORTER = "redis-exporter"
_RUN = os.getpid()  # podman secrets are global: a per-run name keeps parallel runs apart


@dataclass(frozen=True)
class ExporterMode:
    """``EphemeralRedis`` props with metrics on, and a command that mode refuses to the exporter's login."""

    id: str
    props: Mapping[str, Any] = field(default_factory=dict)
    #: A harmless command the mode refuses (NOPERM), sent as the exporter logs in; None: nothing is refused.
    refused: tuple[str, ...] | None = None
    #: The Redis stand-in: "official" for the seed's exact args, which leave protected mode to the image.
    flavour: str = "upstream"


MODES = [
    # Command guard, no password: the exporter logs in as ACL user `metrics` (nopass, like the default user).
    ExporterMode("guard", {"metrics": RedisMetrics()}, refused=("GET", "job:1")),  # `metrics` has -@all and no keys
    # auth: the exporter logs in as ACL user `metrics` with the auth Secret's password.
    ExporterMode(
        "auth",
        {
            "metrics": RedisMetrics(),
            "access": RedisAccess.password(RedisAuth(secret_name=f"agentsmith-pod-test-exporter-auth-{_RUN}")),
        },
        refused=("GET", "job:1"),  # `metrics` has -@all and no keys
    ),
    # roles: `metrics` has its own password (required with roles).
    ExporterMode(
        "roles",
        {
            "metrics": RedisMetrics(
                password=SecretKeyRef(name=f"agentsmith-pod-test-exporter-metrics-{_RUN}", key="redis-password")
            ),
            "access": RedisAccess.roles(
                (RedisRole.dispatcher(secret_name=f"agentsmith-pod-test-exporter-dispatcher-{_RUN}"),)
            ),
        },
        refused=("GET", "job:1"),
    ),
    # The seed's exact args: the default user may run everything. Other pods reach it only on an
    # image that turns protected mode off itself (tests/test_pod.py), so the official flavour.
    ExporterMode(
        "no-guard-official-image", {"metrics": RedisMetrics(), "access": RedisAccess.seed_exact()}, flavour="official"
    ),
]


def parse_metrics(text: str) -> dict[str, float]:
    """Prometheus text format: ``name{labels}`` -> value (comments skipped)."""
    samples: dict[str, float] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            samples[name] = float(value)
    return samples


def http_get(port: int, path: str) -> tuple[int, str]:
    """GET ``http://127.0.0.1:<port><path>``: (status, body); status 0 when nothing answers."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            return int(response.status), response.read().decode()
    except urllib.error.HTTPError as error:
        return int(error.code), ""
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0, ""


@dataclass
class PlayedExporter:
    """A running mode: the synthesised containers and the pod playing its test copy."""

    mode: ExporterMode
    redis_spec: dict[str, Any]
    exporter_spec: dict[str, Any]
    server: Pod
    exporter: Pod
    exporter_env: dict[str, str]
    exporter_image: str
    #: Seconds from `podman kube play` (called) to the first scrape with redis_up 1.
    first_scrape: float = 0.0

    def arg(self, flag: str) -> str | None:
        for arg in self.exporter_spec["args"]:
            if arg.startswith(f"{flag}="):
                return str(arg.split("=", 1)[1])
        return None

    def scrape(self) -> dict[str, float]:
        status, body = http_get(self.exporter.host_port, "/metrics")
        assert status == 200, f"/metrics answered {status}; exporter log:\n{self.exporter.logs()}"
        return parse_metrics(body)

    def as_exporter(self) -> redis.Redis:
        """A client on the published Redis port that logs in as the exporter does."""
        return client(
            self.server.host_port, username=self.arg("--redis.user"), password=self.exporter_env.get("REDIS_PASSWORD")
        )


@contextmanager
def played(mode: ExporterMode, folder: Path) -> Iterator[PlayedExporter]:
    """Play the mode's Deployment with both stand-ins; always removed by name afterwards."""
    deployment = synth_deployment(mode.props, folder / "cdk8s.out")
    redis_spec, exporter_spec = containers(deployment)
    assert (redis_spec["name"], exporter_spec["name"]) == ("redis", EXPORTER)
    values = secret_values([redis_spec, exporter_spec], mode.props)
    redis_env, exporter_env = resolve_env(redis_spec, values), resolve_env(exporter_spec, values)
    exporter_image = build_standin("exporter")
    run_id = f"exporter-{mode.id}-{_RUN}"
    redis_port, exporter_port = free_port(), free_port()
    copy = played_copy(
        deployment,
        image=build_standin(mode.flavour),
        host_port=redis_port,
        run_id=run_id,
        env=redis_env,
        sidecars={EXPORTER: Sidecar(exporter_image, exporter_port, exporter_env)},
    )
    pod_name = f"{copy['metadata']['name']}-pod-0"
    redis_pod = Pod(write_manifest(folder / f"{run_id}.yaml", [copy]), pod_name, f"{pod_name}-redis", redis_port)
    exporter_pod = Pod(redis_pod.manifest, pod_name, f"{pod_name}-{EXPORTER}", exporter_port)
    running = PlayedExporter(mode, redis_spec, exporter_spec, redis_pod, exporter_pod, exporter_env, exporter_image)
    try:
        called = time.monotonic()
        redis_pod.play(values)
        # The kubelet marks the container unready after initialDelaySeconds + failureThreshold periods.
        readiness = exporter_spec["readinessProbe"]
        deadline = called + readiness["initialDelaySeconds"] + FAILURE_THRESHOLD * readiness["periodSeconds"]
        while True:
            status, body = http_get(exporter_port, "/metrics")
            if status == 200 and parse_metrics(body).get("redis_up") == 1:
                running.first_scrape = time.monotonic() - called
                break
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"[{mode.id}] no scrape with redis_up 1 by the readiness limit (last: HTTP {status});"
                    f" exporter log:\n{exporter_pod.logs()}\nredis log:\n{redis_pod.logs()}"
                )
            time.sleep(0.2)
        yield running
    finally:
        redis_pod.down()


@pytest.fixture(scope="module", params=MODES, ids=lambda mode: mode.id)
def exporter_pod(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlayedExporter]:
    """One pod per mode, shared by that mode's checks (the refused-command control comes last)."""
    require_podman()
    require_tool("prometheus-redis-exporter", "apt-get install prometheus-redis-exporter (or `bash tools/setup.sh`)")
    mode: ExporterMode = request.param
    with played(mode, tmp_path_factory.mktemp(f"pod-exporter-{mode.id}")) as running:
        yield running


def refused_commands(connection: redis.Redis) -> dict[str, int]:
    """``INFO commandstats`` rejected_calls (ACL refusals among them) and ``INFO errorstats`` NOPERM, non-zero only."""
    found = {
        f"cmdstat_{name}": int(stats.get("rejected_calls", 0))
        for name, stats in (
            (key.removeprefix("cmdstat_"), value) for key, value in connection.info("commandstats").items()
        )
        if int(stats.get("rejected_calls", 0))
    }
    noperm = connection.info("errorstats").get("errorstat_NOPERM", {}).get("count", 0)
    if int(noperm):
        found["errorstat_NOPERM"] = int(noperm)
    return found


def wait_for_scrapes(pod: PlayedExporter, count: int) -> dict[str, float]:
    """Scrape ``count`` times (each scrape runs every command the exporter sends); the last scrape's samples."""
    samples: dict[str, float] = {}
    for _ in range(count):
        samples = pod.scrape()
    return samples


# --------------------------------------------------------------------------- tests


def test_both_containers_run_the_synthesised_args(exporter_pod: PlayedExporter) -> None:
    pod = exporter_pod.exporter
    assert podman("pod", "inspect", pod.pod_name, "--format", "{{.State}}").strip() == "Running"
    for container in (exporter_pod.server, pod):
        assert container.inspect("{{.State.Status}} {{.RestartCount}}") == "running 0", container.logs()
    assert pod.inspect("{{.ImageName}}") == exporter_pod.exporter_image
    # The image's entrypoint is the exporter: the manifest's args are its arguments, unchanged.
    assert pod.inspect_json("{{json .Config.Entrypoint}}") in (["/redis_exporter"], "/redis_exporter")
    assert pod.inspect_json("{{json .Config.Cmd}}") == exporter_pod.exporter_spec["args"]
    assert (
        exporter_pod.arg("--redis.addr") == f"redis://127.0.0.1:{exporter_pod.redis_spec['ports'][0]['containerPort']}"
    )
    # Both ports published on the host's loopback only.
    published = podman("port", pod.container).split("\n")
    expected = {
        f"{exporter_pod.redis_spec['ports'][0]['containerPort']}/tcp -> 127.0.0.1:{exporter_pod.server.host_port}",
        f"{exporter_pod.exporter_spec['ports'][0]['containerPort']}/tcp -> 127.0.0.1:{pod.host_port}",
    }
    assert {line.strip() for line in published if line.strip()} == expected
    print(
        f"[{exporter_pod.mode.id}] {EXPORTER} args {exporter_pod.exporter_spec['args']}, "
        f"env {sorted(exporter_pod.exporter_env)}"
    )


def test_scrape_reports_redis_up(exporter_pod: PlayedExporter) -> None:
    samples = exporter_pod.scrape()
    assert samples.get("redis_up") == 1, {k: v for k, v in samples.items() if k.startswith("redis_exporter")}
    errors = {k: v for k, v in samples.items() if k.startswith("redis_exporter_last_scrape_error") and v != 0}
    assert errors == {}, "the exporter's last scrape had an error"
    # A Redis figure that can only come from a logged-in INFO: the manifest's maxmemory.
    args = exporter_pod.redis_spec["args"]
    maxmemory = samples.get("redis_memory_max_bytes")
    assert maxmemory is not None and maxmemory == parse_redis_memory(args[args.index("--maxmemory") + 1])
    print(
        f"[{exporter_pod.mode.id}] first scrape with redis_up 1 after {exporter_pod.first_scrape:.1f} s "
        f"(from `podman kube play`); redis_up {samples['redis_up']:.0f}, "
        f"redis_memory_max_bytes {maxmemory:.0f}, {len(samples)} samples"
    )


def test_no_command_refused_to_the_exporter(exporter_pod: PlayedExporter) -> None:
    # Until the control test, only the exporter, the probes and this test's INFO talk to Redis:
    # any refusal in Redis's counters is the exporter's.
    samples = wait_for_scrapes(exporter_pod, 3)
    with exporter_pod.as_exporter() as connection:
        refused = refused_commands(connection)
    exporter_errors = {k: v for k, v in samples.items() if k.startswith("redis_errors_total") and v != 0}
    log = exporter_pod.exporter.logs()
    assert refused == {}, f"Redis refused commands: {refused}; exporter log:\n{log}"
    assert not any("NOPERM" in key for key in exporter_errors), exporter_errors
    assert "NOPERM" not in log, log
    print(
        f"[{exporter_pod.mode.id}] after 3 scrapes: refused commands none (INFO commandstats rejected_calls, "
        f"errorstats NOPERM 0); redis_errors_total {exporter_errors or 'none'}"
    )


def test_health_answers_200(exporter_pod: PlayedExporter) -> None:
    probe = exporter_pod.exporter_spec["readinessProbe"]["httpGet"]
    assert (probe["port"], exporter_pod.exporter_spec["ports"][0]["name"]) == ("metrics", "metrics")
    status, body = http_get(exporter_pod.exporter.host_port, probe["path"])
    assert status == 200, (status, body)
    print(f"[{exporter_pod.mode.id}] GET {probe['path']} -> {status} {body.strip()!r}")


def test_exporter_security_context_in_effect(exporter_pod: PlayedExporter) -> None:
    security = exporter_pod.exporter_spec["securityContext"]
    pod = exporter_pod.exporter
    pid = pod.host_pid()
    # The image has no shell: read PID 1's files from the host (rootful podman).
    status_text = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    status = {key: value.strip() for key, value in (line.split(":", 1) for line in status_text.splitlines())}
    assert status["Name"] == "redis_exporter"
    uid = str(security["runAsUser"])
    assert uid == "59000" and status["Uid"].split() == [uid] * 4
    for caps in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
        assert int(status[caps], 16) == 0, f"{caps} {status[caps]}"
    assert security["allowPrivilegeEscalation"] is False and status["NoNewPrivs"] == "1"
    assert status["Seccomp"] == "2"
    assert security["readOnlyRootFilesystem"] is True
    assert pod.inspect("{{.HostConfig.ReadonlyRootfs}}") == "true"
    root = [line.split() for line in Path(f"/proc/{pid}/mounts").read_text(encoding="utf-8").splitlines()]
    root_options = [fields[3].split(",") for fields in root if fields[1] == "/"][-1]
    assert "ro" in root_options, root_options
    print(
        f"[{exporter_pod.mode.id}] {EXPORTER} /proc/{pid}/status: Uid {status['Uid']}, CapEff {status['CapEff']}, "
        f"NoNewPrivs {status['NoNewPrivs']}, Seccomp {status['Seccomp']}; root mount {','.join(root_options[:2])}"
    )


def test_exporter_memory_within_its_limit(exporter_pod: PlayedExporter) -> None:
    limits = exporter_pod.exporter_spec["resources"]["limits"]
    pid = exporter_pod.exporter.host_pid()
    found = cgroup_limits(pid)
    assert found["memory_limit"] == parse_quantity(limits["memory"])
    assert found["cpu_quota"] == parse_quantity(limits["cpu"]) * found["cpu_period"]
    wait_for_scrapes(exporter_pod, 3)
    memory = cgroup_dir(pid, "memory")
    current_file = memory / "memory.usage_in_bytes"
    current = read_int(current_file if current_file.exists() else memory / "memory.current")
    peak, oom_kills = cgroup_memory_peak_and_oom_kills(pid)
    rss = int(
        next(
            line.split()[1]
            for line in Path(f"/proc/{pid}/status").read_text().splitlines()
            if line.startswith("VmRSS:")
        )
    )
    stats = podman("stats", "--no-stream", "--format", "{{.MemUsage}}", exporter_pod.exporter.container).strip()
    assert oom_kills == 0 and peak < found["memory_limit"]
    print(
        f"[{exporter_pod.mode.id}] {EXPORTER} memory after 3+ scrapes: cgroup {current / 2**20:.1f} MiB "
        f"(peak {peak / 2**20:.1f} MiB) of {found['memory_limit'] / 2**20:.0f} MiB, VmRSS {rss / 1024:.1f} MiB, "
        f"podman stats {stats!r}; oom_kill {oom_kills}"
    )


def test_nopermission_check_sees_a_refused_command(exporter_pod: PlayedExporter) -> None:
    """Last for each mode: a command the mode refuses shows in errorstats and redis_errors_total."""
    command = exporter_pod.mode.refused
    if command is None:
        with exporter_pod.as_exporter() as connection:
            assert connection.execute_command("KEYS", "*") == [], "command_guard=False refuses nothing"
        return
    with exporter_pod.as_exporter() as connection:
        with pytest.raises(redis.exceptions.NoPermissionError):
            connection.execute_command(*command)
        refused = refused_commands(connection)
    samples = exporter_pod.scrape()
    assert refused.get("errorstat_NOPERM") == 1 and refused.get(f"cmdstat_{command[0].lower()}") == 1, refused
    assert samples.get('redis_errors_total{err="NOPERM"}') == 1, {
        k: v for k, v in samples.items() if k.startswith("redis_errors")
    }
    print(f"[{exporter_pod.mode.id}] control: {' '.join(command)} as the exporter's user -> NOPERM, seen as {refused}")


def test_exporter_standin_is_laid_out_like_the_official_image() -> None:
    """tools/podman/build-standin.sh's header: /redis_exporter as entrypoint, user 59000, port 9121."""
    require_podman()
    require_tool("prometheus-redis-exporter", "apt-get install prometheus-redis-exporter (or `bash tools/setup.sh`)")
    image = build_standin("exporter")
    config = json.loads(podman("image", "inspect", image, "--format", "{{json .Config}}"))
    assert (config["Entrypoint"], config["User"], sorted(config["ExposedPorts"])) == (
        ["/redis_exporter"],
        "59000:59000",
        ["9121/tcp"],
    )
    assert config.get("Cmd") in (None, []), "no CMD: the manifest's args are the exporter's arguments"
    name = f"agentsmith-exporter-standin-{_RUN}"
    try:
        podman("run", "--name", name, "--network", "none", image, "--version")
        exit_code = podman("inspect", name, "--format", "{{.State.ExitCode}}").strip()
        version = podman("logs", name)
    finally:
        podman("rm", "--force", "--ignore", name, check=False)
    assert exit_code == "0" and "Redis Metrics Exporter 1." in version, version
    wanted = containers(synth_deployment({"metrics": RedisMetrics()}, Path("unused")))
    manifest_image = wanted[1]["image"]
    assert manifest_image.split(":v", 1)[1].split(".")[0] == "1", manifest_image
    found = version.split("Redis Metrics Exporter", 1)[1].split()[0]
    print(f"exporter stand-in {image}: redis_exporter {found} (manifest {manifest_image}), user 59000")


def test_redis_stopped_shows_as_redis_up_0_and_the_exporter_stays_ready(tmp_path: Path) -> None:
    """The down alert's signal in the pod: Redis stopped, the exporter serves ``redis_up 0`` and ``/health`` 200.

    (Readiness on ``/health`` keeps the pod's state to Redis's own probes; see ``_exporter.py``.)
    """
    require_podman()
    require_tool("prometheus-redis-exporter", "apt-get install prometheus-redis-exporter (or `bash tools/setup.sh`)")
    with played(MODES[0], tmp_path) as running:
        before = running.scrape()
        podman("stop", "--time", "10", running.server.container)
        assert running.server.inspect("{{.State.Status}}") == "exited"
        after = running.scrape()
        status, _ = http_get(running.exporter.host_port, "/health")
        state = running.exporter.inspect("{{.State.Status}} {{.RestartCount}}")
    assert (before.get("redis_up"), after.get("redis_up"), status, state) == (1, 0, 200, "running 0")
    print(f"Redis stopped: redis_up {before['redis_up']:.0f} -> {after['redis_up']:.0f}, /health {status}, {state}")
