"""Pod tier: the synthesised Redis Deployment runs under ``podman kube play`` (runc).

The seed's Definition of Done: the pod reaches ``Running`` and ``redis-cli ping``
returns ``PONG`` from inside the cluster. Without a cluster, podman plays the
synthesised Deployment in a real OCI runtime, on a local stand-in image
(tools/podman/build-standin.sh) because no registry can be reached. Only the
test copy of the manifest changes, and only as ``_podman.py`` lists (image,
``imagePullPolicy: Never``, a ``hostPort`` on 127.0.0.1, a per-run name, the
kubelet's ``$(VAR)`` expansion).

Each mode in :data:`MODES` is a set of ``EphemeralRedis`` props; every check
runs for every mode. Clean-up is by name after each mode and each extra pod
(``podman kube down``, ``podman pod rm --force``), also after a failure.
Under ``CI=true`` a missing podman/runc/catatonit fails with an install hint.
Run only this tier: ``pytest -m pod -rP`` (``-rP`` shows the printed figures).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import redis
from _podman import (
    FLAVOURS,
    Pod,
    build_standin,
    cgroup_limits,
    cgroup_memory_peak_and_oom_kills,
    played_copy,
    podman,
    require_podman,
    resolve_env,
    secret_values,
    synth_deployment,
    write_manifest,
)

from agentsmith import (
    MatchExpression,
    NodeAffinityTerm,
    PodAntiAffinityTerm,
    RedisAccess,
    RedisAuth,
    RedisDisruption,
    RedisFilesystem,
    RedisPlacement,
    RedisPodOptions,
    RedisRole,
    Toleration,
    TopologySpread,
)
from agentsmith.core.quantity import parse_quantity, parse_redis_memory
from testkit.manifests import containers, the_container
from testkit.redis_runtime import client, free_port
from testkit.redis_runtime import k8s_expand as expand

pytestmark = [pytest.mark.runtime, pytest.mark.pod]

#: Kubernetes' default failureThreshold: the kubelet restarts (liveness) or keeps
#: the pod unready (readiness) only after this many failed probes in a row.
FAILURE_THRESHOLD = 3
VALUE_SIZE = 100 * 1024
BATCH = 32


@dataclass(frozen=True)
class PodMode:
    """One way to configure ``EphemeralRedis``, played on one stand-in flavour.

    Other issues' modes (command guard, ACL roles) are added to :data:`MODES`.
    Secrets the container references are created with random values; the
    client outside the pod authenticates as the probes do (``REDISCLI_AUTH``).
    """

    id: str
    props: Mapping[str, Any] = field(default_factory=dict)
    #: "upstream": protected-mode yes compiled in; "official": the official image's patch (no).
    flavour: str = "upstream"


#: Every field of RedisPlacement and RedisPodOptions (tests/pod/test_placement.py sets the same), pull policy Never.
PLACEMENT_PROPS: dict[str, Any] = {
    "placement": RedisPlacement(
        node_selector={"kubernetes.io/os": "linux"},
        tolerations=(Toleration(key="dedicated", value="bus", effect="NoSchedule"),),
        node_affinity=(NodeAffinityTerm(match=(MatchExpression(key="kubernetes.io/os", operator="Exists"),)),),
        pod_anti_affinity=(PodAntiAffinityTerm(match_labels={"app.kubernetes.io/name": "postgres"}, weight=50),),
        topology_spread=(
            TopologySpread(topology_key="kubernetes.io/hostname", match_labels={"app": "redis"}, max_skew=1),
        ),
        priority_class_name="system-cluster-critical",
    ),
    "pod_options": RedisPodOptions(
        image_pull_policy="Never",
        image_pull_secrets=("agentsmith-pod-test-no-such-secret",),
        service_account_name="redis",
        pod_annotations={"example.com/owner": "platform"},
    ),
    "disruption": RedisDisruption.wait_for_bus(),
}

MODES = [
    PodMode("seed"),
    PodMode("seed-official-image", flavour="official"),
    PodMode("read-only-root", {"filesystem": RedisFilesystem.read_only()}),
    PodMode("port-6380", {"port": 6380}),  # --port, probes with -p, then --protected-mode no
    # podman secrets are global: a per-run name keeps parallel runs apart.
    PodMode("auth", {"access": RedisAccess.password(RedisAuth(secret_name=f"agentsmith-pod-test-auth-{os.getpid()}"))}),
    # The seed's exact args (RedisAccess.seed_exact()): other pods reach it only on an image that
    # turns protected mode off itself (test_the_seed_args_alone_depend_on_the_official_image_patch).
    PodMode("seed-no-guard-official-image", {"access": RedisAccess.seed_exact()}, flavour="official"),
    # ACL roles, default user off; the probes (and the client outside) log in as the first role.
    PodMode(
        "roles",
        {
            "access": RedisAccess.roles(
                (
                    RedisRole.dispatcher(secret_name=f"agentsmith-pod-test-dispatcher-{os.getpid()}"),
                    RedisRole.agent(secret_name=f"agentsmith-pod-test-agent-{os.getpid()}"),
                )
            )
        },
    ),
    # Every placement and pod option set, pull policy Never by the prop (the local image only): podman does not
    # schedule, so the placement fields are only carried; the pod must still play and pass every check.
    PodMode("placement-pull-never", PLACEMENT_PROPS),
]


@dataclass
class Played:
    """A running mode: the synthesised (unchanged) container and the pod playing its test copy."""

    mode: PodMode
    container: dict[str, Any]
    pod: Pod
    #: The container's environment as the kubelet resolves it (the test's Secret values).
    env: dict[str, str]
    image: str

    @property
    def password(self) -> str | None:
        """What the probes authenticate with (``REDISCLI_AUTH``), or None."""
        return self.env.get("REDISCLI_AUTH")

    @property
    def username(self) -> str | None:
        """The ACL user the probes log in as (the first role), or None (the default user)."""
        access = self.mode.props.get("access")
        roles = access.acl_roles if isinstance(access, RedisAccess) else None
        return roles[0].name if roles else None

    def ping_command(self) -> list[str]:
        """``redis-cli [-p PORT] [--user ROLE] ping``: what the probes ask, printing the reply."""
        port = self.container["ports"][0]["containerPort"]
        user = ["--user", self.username] if self.username else []
        return ["redis-cli", *(["-p", str(port)] if port != 6379 else []), *user, "ping"]

    def client(self) -> redis.Redis:
        return client(self.pod.host_port, username=self.username, password=self.password)


def probe_passes(command: list[str], result: Any) -> bool:
    """The kubelet's rule (exit code 0); the seed's bare ``redis-cli ping`` must also print PONG."""
    if command[0] == "sh":  # the honest probes: readiness exits 0 only on PONG
        return bool(result.returncode == 0)
    return bool(result.returncode == 0 and result.stdout.strip() == "PONG")


@contextmanager
def played(mode: PodMode, deployment: Mapping[str, Any], folder: Path) -> Iterator[Played]:
    """Play ``deployment``'s test copy for ``mode``; always removed by name afterwards."""
    container = the_container(deployment)
    values = secret_values([container], mode.props)
    env = resolve_env(container, values)
    image = build_standin(mode.flavour)
    host_port = free_port()
    run_id = f"{mode.id}-{os.getpid()}"
    copy = played_copy(deployment, image=image, host_port=host_port, run_id=run_id, env=env)
    pod_name = f"{copy['metadata']['name']}-pod-0"  # podman's name for a Deployment's pod
    pod = Pod(
        manifest=write_manifest(folder / f"{run_id}.yaml", [copy]),
        pod_name=pod_name,
        container=f"{pod_name}-{container['name']}",
        host_port=host_port,
    )
    try:
        pod.play(values)
        yield Played(mode, container, pod, env, image)
    finally:
        pod.down()


@pytest.fixture(scope="module", params=MODES, ids=lambda mode: mode.id)
def mode_pod(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Played]:
    """One pod per mode, shared by that mode's checks (the stop test comes last)."""
    require_podman()
    mode: PodMode = request.param
    folder = tmp_path_factory.mktemp(f"pod-{mode.id}")
    with played(mode, synth_deployment(mode.props, folder / "cdk8s.out"), folder) as running:
        yield running


def wait_for(check: Callable[[], bool], *, deadline: float, what: str, logs: Callable[[], str]) -> float:
    """Poll ``check()`` until true and return when (time.monotonic()); fail after ``deadline``."""
    while True:
        if check():
            return time.monotonic()
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not healthy by the kubelet's limit; container log:\n{logs()}")
        time.sleep(0.2)


# --------------------------------------------------------------------------- tests


def test_seed_mode_plays_the_shipped_manifest(manifests: dict[tuple[str, str], dict[str, Any]], tmp_path: Path) -> None:
    # The tier synthesises each mode itself; the seed mode is exactly what dist/ ships.
    assert synth_deployment(MODES[0].props, tmp_path / "out") == manifests[("Deployment", "redis")]


def test_pod_runs_the_synthesised_container(mode_pod: Played) -> None:
    pod = mode_pod.pod
    assert podman("pod", "inspect", pod.pod_name, "--format", "{{.State}}").strip() == "Running"
    assert pod.inspect("{{.State.Status}} {{.RestartCount}}") == "running 0", pod.logs()
    assert pod.inspect("{{.ImageName}}") == mode_pod.image
    # The args redis-server got are the manifest's, after the kubelet's $(VAR) expansion.
    expected = [expand(arg, mode_pod.env) for arg in mode_pod.container["args"]]
    assert pod.inspect_json("{{json .Config.Cmd}}") == expected


def test_probes_report_healthy_within_the_seed_timings(mode_pod: Played) -> None:
    pod, spec = mode_pod.pod, mode_pod.container
    liveness, readiness = spec["livenessProbe"], spec["readinessProbe"]
    # podman turns the liveness probe into the healthcheck, with the manifest's timings.
    healthcheck = pod.inspect(
        "{{.Config.Healthcheck.StartPeriod}} {{.Config.Healthcheck.Interval}} {{.Config.Healthcheck.Timeout}}"
    )
    assert healthcheck == " ".join(
        f"{liveness[key]}s" for key in ("initialDelaySeconds", "periodSeconds", "timeoutSeconds")
    )

    # Without systemd podman cannot schedule its healthcheck timer here, so the test runs it.
    def liveness_ok() -> bool:
        return pod.healthcheck(timeout=liveness["timeoutSeconds"])

    # podman maps only the liveness probe; the readiness probe runs as the kubelet runs it.
    def readiness_ok() -> bool:
        result = pod.exec(*readiness["exec"]["command"], timeout=readiness["timeoutSeconds"])
        return probe_passes(readiness["exec"]["command"], result)

    timings = {}
    for name, probe, check in (("readiness", readiness, readiness_ok), ("liveness", liveness, liveness_ok)):
        # The kubelet gives up after initialDelaySeconds + failureThreshold periods.
        limit = probe["initialDelaySeconds"] + FAILURE_THRESHOLD * probe["periodSeconds"]
        healthy_at = wait_for(check, deadline=pod.started + limit, what=name, logs=pod.logs)
        timings[name] = round(healthy_at - pod.started, 1)
    assert pod.inspect("{{.State.Health.Status}}") == "healthy"
    print(
        f"[{mode_pod.mode.id}] probes healthy after (s): {timings}; initialDelaySeconds "
        f"readiness={readiness['initialDelaySeconds']} liveness={liveness['initialDelaySeconds']}"
    )


def test_pong_inside_the_pod(mode_pod: Played) -> None:
    # redis-cli as the probes call it (with -p when the port moves), on the pod's loopback.
    probe = mode_pod.container["readinessProbe"]["exec"]["command"]
    result = mode_pod.pod.exec(*probe, timeout=10)
    assert probe_passes(probe, result), (result.returncode, result.stdout, result.stderr)
    # The reply itself, asked as the probe asks (same port, user and REDISCLI_AUTH).
    command = mode_pod.ping_command()
    reply = mode_pod.pod.exec(*command, timeout=10)
    assert (reply.returncode, reply.stdout.strip()) == (0, "PONG"), reply.stderr
    print(
        f"[{mode_pod.mode.id}] podman exec {mode_pod.pod.container} {' '.join(command)} -> {reply.stdout.strip()}; "
        f"probe {probe} exit {result.returncode}"
    )


def test_password_probes_fail_on_a_wrong_password_in_the_pod(mode_pod: Played) -> None:
    """The honest probe of the password modes exits non-zero on WRONGPASS (the seed's has no password)."""
    probe = mode_pod.container["readinessProbe"]["exec"]["command"]
    if mode_pod.password is None:
        liveness = mode_pod.container["livenessProbe"]["exec"]["command"]
        assert liveness[0] == "redis-cli", "a mode without a password keeps the seed's liveness probe"
        return
    wrong = mode_pod.pod.exec("sh", "-c", 'REDISCLI_AUTH=wrong exec "$@"', "probe", *probe, timeout=10)
    assert wrong.returncode != 0, (wrong.stdout, wrong.stderr)
    right = mode_pod.pod.exec(*probe, timeout=10)
    assert right.returncode == 0, (right.stdout, right.stderr)
    print(f"[{mode_pod.mode.id}] probe with a wrong REDISCLI_AUTH: exit {wrong.returncode}; with the Secret's: exit 0")


def test_pong_from_outside_the_pod_network_namespace(mode_pod: Played) -> None:
    # The only published port: the Redis port, on the host's loopback.
    published = podman("port", mode_pod.pod.container).split()
    assert published == [
        f"{mode_pod.container['ports'][0]['containerPort']}/tcp",
        "->",
        f"127.0.0.1:{mode_pod.pod.host_port}",
    ]
    with mode_pod.client() as connection:
        assert connection.ping() is True
        peer = connection.client_info()["addr"]
    # The pod sees the client as a non-loopback peer, as it sees another pod.
    assert not peer.startswith(("127.", "[::1]", "::1")), f"the pod saw a loopback client: {peer}"
    if mode_pod.password is not None:
        with client(mode_pod.pod.host_port) as anonymous, pytest.raises(redis.AuthenticationError):
            anonymous.ping()
    print(f"[{mode_pod.mode.id}] PONG via 127.0.0.1:{mode_pod.pod.host_port}; the pod saw the client at {peer}")


def test_security_context_in_effect(mode_pod: Played) -> None:
    security = mode_pod.container["securityContext"]
    status = mode_pod.pod.proc_status()
    assert status["Name"] == "redis-server", "PID 1 of the container should be redis-server (exec'd)"
    uid = str(security["runAsUser"])
    assert status["Uid"].split() == [uid] * 4
    assert security["capabilities"] == {"drop": ["ALL"]}
    for caps in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
        assert int(status[caps], 16) == 0, f"{caps} {status[caps]}"
    assert security["allowPrivilegeEscalation"] is False and status["NoNewPrivs"] == "1"
    assert security["seccompProfile"] == {"type": "RuntimeDefault"} and status["Seccomp"] == "2"  # 2: filter
    read_only = mode_pod.pod.inspect("{{.HostConfig.ReadonlyRootfs}}")
    assert read_only == str(security["readOnlyRootFilesystem"]).lower()
    root_options = mode_pod.pod.mount_options("/")
    assert ("ro" in root_options) is security["readOnlyRootFilesystem"], root_options
    print(
        f"[{mode_pod.mode.id}] /proc/1/status: Uid {status['Uid']}, CapEff {status['CapEff']}, "
        f"CapBnd {status['CapBnd']}, NoNewPrivs {status['NoNewPrivs']}, Seccomp {status['Seccomp']}; "
        f"read-only root {read_only}"
    )


def test_cgroup_limits_hold_the_manifest_limits(mode_pod: Played) -> None:
    limits = mode_pod.container["resources"]["limits"]
    found = cgroup_limits(mode_pod.pod.host_pid())
    assert found["memory_limit"] == parse_quantity(limits["memory"])
    assert found["cpu_quota"] == parse_quantity(limits["cpu"]) * found["cpu_period"]
    print(f"[{mode_pod.mode.id}] cgroup: {found} (limits {limits})")


def test_writes_of_twice_maxmemory_evict_without_oom_kill(mode_pod: Played) -> None:
    args = mode_pod.container["args"]
    maxmemory = parse_redis_memory(args[args.index("--maxmemory") + 1])
    pid = mode_pod.pod.host_pid()
    value = b"x" * VALUE_SIZE
    errors: list[Exception] = []
    with mode_pod.client() as connection:
        for batch in range(-(-2 * maxmemory // (VALUE_SIZE * BATCH))):  # bounded: 2x maxmemory
            with connection.pipeline(transaction=False) as pipe:
                for n in range(BATCH):
                    pipe.set(f"pressure:{batch}:{n}", value)
                errors += [r for r in pipe.execute(raise_on_error=False) if isinstance(r, Exception)]
        evicted = int(connection.info("stats")["evicted_keys"])
        used = int(connection.info("memory")["used_memory"])
    peak, oom_kills = cgroup_memory_peak_and_oom_kills(pid)
    limit = int(parse_quantity(mode_pod.container["resources"]["limits"]["memory"]))
    state = mode_pod.pod.inspect("{{.State.Status}} {{.State.OOMKilled}} {{.RestartCount}}")
    assert errors == [], f"{len(errors)} error replies, first {errors[0]!r}"
    assert evicted > 0, "2x maxmemory of writes should evict keys"
    assert used <= maxmemory
    assert (state, oom_kills, mode_pod.pod.host_pid()) == ("running false 0", 0, pid), "OOM kill or restart"
    assert peak < limit
    print(
        f"[{mode_pod.mode.id}] wrote {2 * maxmemory} bytes: evicted_keys={evicted} used_memory={used} "
        f"cgroup peak={peak} ({peak / 2**20:.0f} MiB of {limit / 2**20:.0f} MiB) oom_kill={oom_kills} state={state}"
    )


def test_no_files_in_data_after_stop(mode_pod: Played) -> None:
    """Last for each mode: it stops the container. A plain stop is SIGTERM, which makes Redis save if configured."""
    pod = mode_pod.pod
    with mode_pod.client() as connection:
        connection.xadd("job:1:events", {"event": "done"})
    podman("stop", "--time", "10", pod.container)
    assert pod.inspect("{{.State.Status}} {{.State.ExitCode}} {{.RestartCount}}") == "exited 0 0", pod.logs()
    mounts = {m["Destination"]: m for m in pod.inspect_json("{{json .Mounts}}")}
    if "/data" in mounts:  # the emptyDir of read-only-root mode
        data = Path(mounts["/data"]["Source"])
        files = sorted(os.listdir(data))
    else:
        root = Path(podman("mount", pod.container).strip())
        try:
            files = sorted(os.listdir(root / "data"))
        finally:
            podman("unmount", pod.container, check=False)
    assert files == [], f"/data should stay empty (no dump.rdb): {files}"
    print(f"[{mode_pod.mode.id}] after stop: exit 0, /data {'(emptyDir) ' if '/data' in mounts else ''}empty")


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_the_seed_args_alone_depend_on_the_official_image_patch(flavour: str, tmp_path: Path) -> None:
    """The finding: without ``--protected-mode no``, upstream's default refuses every other pod."""
    require_podman()
    deployment = synth_deployment({}, tmp_path / "out")
    container = containers(deployment)[0]
    assert container["args"][6:8] == ["--protected-mode", "no"]
    container["args"] = container["args"][:6]  # the seed's six args, as the seed writes them
    with played(PodMode(f"seed-args-{flavour}", flavour=flavour), deployment, tmp_path) as running:
        inside = running.pod.exec("redis-cli", "ping", timeout=10)
        assert inside.stdout.strip() == "PONG", "loopback clients are always accepted"
        with running.client() as connection:
            if flavour == "upstream":
                with pytest.raises(redis.ResponseError, match=r"^DENIED Redis is running in protected mode"):
                    connection.ping()
                outcome = "DENIED (protected mode)"
            else:
                assert connection.ping() is True
                outcome = "PONG"
    print(f"seed's six args on the {flavour} stand-in: inside PONG, from outside {outcome}")


@pytest.mark.parametrize(("flavour", "protected_mode"), [("upstream", "yes"), ("official", "no")])
def test_standin_has_the_stated_redis_and_defaults(
    flavour: str, protected_mode: str, manifests: dict[tuple[str, str], dict[str, Any]]
) -> None:
    """tools/podman/build-standin.sh's header: Redis 7 (the manifest image's major), uid 999, /data, protected mode."""
    require_podman()
    image = build_standin(flavour)
    manifest_image = the_container(manifests[("Deployment", "redis")])["image"]
    config = json.loads(podman("image", "inspect", image, "--format", "{{json .Config}}"))
    assert (config["WorkingDir"], config["Entrypoint"], config["Cmd"]) == (
        "/data",
        ["docker-entrypoint.sh"],
        ["redis-server"],
    )
    name = f"agentsmith-standin-{flavour}-{os.getpid()}"
    try:
        # No args, as the manifest's user, no network: only the image's own defaults.
        podman("run", "--detach", "--name", name, "--user", "999", "--network", "none", image)
        version = podman("exec", name, "redis-server", "--version")
        script = 'while IFS= read -r line; do case "$line" in redis:*) echo "$line";; esac; done < /etc/passwd'
        user = podman("exec", name, "sh", "-c", script).strip()
        found = podman("exec", name, "redis-cli", "config", "get", "protected-mode").split()
    finally:
        podman("rm", "--force", "--ignore", name, check=False)
    major = manifest_image.split(":", 1)[1].split(".")[0].split("-")[0]
    assert f" v={major}." in version, f"{version.strip()} is not Redis {major} ({manifest_image})"
    assert user.split(":")[2:4] == ["999", "999"], user  # user redis, uid and gid 999
    assert found == ["protected-mode", protected_mode]
    print(f"stand-in {flavour}: {version.split()[2]}, uid 999, protected-mode {found[1]}")


def test_clean_up_by_name_after_a_failed_play(manifests: dict[tuple[str, str], dict[str, Any]], tmp_path: Path) -> None:
    """A play that fails half-way leaves a created pod behind; :meth:`Pod.down` removes it by name."""
    require_podman()
    broken = played_copy(
        manifests[("Deployment", "redis")],
        image="localhost/agentsmith-no-such-image:none",  # imagePullPolicy Never: the play fails
        host_port=free_port(),
        run_id=f"broken-{os.getpid()}",
        env={},
    )
    pod_name = f"{broken['metadata']['name']}-pod-0"
    pod = Pod(write_manifest(tmp_path / "broken.yaml", [broken]), pod_name, f"{pod_name}-redis", 0)

    def left_behind() -> str:
        pods = podman("pod", "ps", "--filter", f"name=^{pod_name}$", "--format", "{{.Name}}")
        containers = podman("ps", "--all", "--filter", f"name=^{pod_name}", "--format", "{{.Names}}")
        return (pods + containers).strip()

    try:
        with pytest.raises(AssertionError, match="kube play"):
            pod.play({})
        assert pod_name in left_behind(), "podman should leave the created pod behind (what down() is for)"
    finally:
        pod.down()
    assert left_behind() == ""
