"""Run a synthesised Redis Deployment under ``podman kube play`` (the pod tier, tests/test_pod.py).

There is no Kubernetes API server here, but podman runs Kubernetes manifests in
a real OCI runtime (runc): a pod with an infra container, the container spec's
user, capabilities, seccomp, no_new_privs and cgroup limits, and the liveness
probe as a healthcheck. Every podman call gets the project's
``tools/podman/containers.conf`` through ``CONTAINERS_CONF`` (runc, lower
default ulimits); ``/etc/containers`` is never read for overrides or edited.

The manifest is played from a *test copy* (:func:`played_copy`); the synthesised
objects themselves are never changed. The test copy differs in exactly these:

* ``image``: the local stand-in (tools/podman/build-standin.sh), because no
  registry can be reached; ``imagePullPolicy: Never`` for the same reason (with
  metrics on, the exporter container gets the script's ``exporter`` stand-in);
* each container's port gets ``hostIP: 127.0.0.1`` and a free ``hostPort``, so a
  client outside the pod's network namespace connects the way another pod
  does, on the host's loopback only (the pod sees a non-loopback peer);
* the Deployment's name gets a per-run suffix, so parallel runs and leftovers
  never collide (podman names the pod ``<name>-pod-0``);
* ``$(VAR)`` references in args and env values are expanded with the test's
  Secret values, as the kubelet would: podman 4.3 leaves them verbatim;
* the liveness probe's ``exec.command`` becomes one shell-quoted string:
  podman 4.3 turns it into a ``CMD-SHELL`` healthcheck by joining the items
  with spaces, which loses the quoting of the password modes' honest probe
  (``sh -c '[ "$(redis-cli ping)" = PONG ]'``); one quoted string is joined
  into the same command the kubelet runs. (The seed's ``redis-cli ping`` is
  unchanged by the quoting.) The readiness probe is run by the tests
  themselves with the manifest's argv, as the kubelet runs it. ``httpGet``
  probes (the exporter's) are left as they are.
"""

from __future__ import annotations

import base64
import copy
import functools
import json
import os
import secrets
import shlex
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from _support import ROOT, require_tool

from testkit.manifests import containers

CONTAINERS_CONF = ROOT / "tools" / "podman" / "containers.conf"
BUILD_STANDIN = ROOT / "tools" / "podman" / "build-standin.sh"
#: upstream: Redis's compiled defaults (protected-mode yes); official: the official image's (no).
FLAVOURS = ("upstream", "official")
INSTALL_HINT = "apt-get install podman runc catatonit (as root), or run `bash tools/setup.sh` as root"
#: Bounded waits for podman itself, in seconds (a pod starts in about a second here).
PODMAN_TIMEOUT = 120


def require_podman() -> None:
    """podman, runc and catatonit (podman's local pause image), as root; CI=true fails with a hint."""
    for tool in ("podman", "runc", "catatonit"):
        require_tool(tool, INSTALL_HINT)
    if os.geteuid() != 0:
        message = "the pod tier runs rootful podman (cgroup limits, system image store): run the tests as root"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


def podman(*args: str, check: bool = True, stdin: str | None = None, timeout: float = PODMAN_TIMEOUT) -> str:
    """``podman <args>`` with the project's containers.conf; returns stdout, raises with stderr on failure."""
    env = {**os.environ, "CONTAINERS_CONF": str(CONTAINERS_CONF)}
    result = subprocess.run(
        ["podman", *args], input=stdin, capture_output=True, text=True, timeout=timeout, env=env, check=False
    )
    if check and result.returncode != 0:
        raise AssertionError(f"podman {' '.join(args)} exited {result.returncode}: {result.stderr.strip()}")
    return result.stdout


@functools.cache
def build_standin(flavour: str) -> str:
    """The stand-in image reference, built when its content hash is new (see the script's header); once a session."""
    env = {**os.environ, "CONTAINERS_CONF": str(CONTAINERS_CONF)}
    result = subprocess.run(
        ["bash", str(BUILD_STANDIN), flavour], capture_output=True, text=True, timeout=300, env=env, check=False
    )
    assert result.returncode == 0, f"{BUILD_STANDIN.name} {flavour} failed: {result.stderr.strip()}"
    return result.stdout.strip().splitlines()[-1]


def synth_deployment(props: Mapping[str, Any], outdir: Path) -> dict[str, Any]:
    """The Deployment of ``EphemeralRedis(chart, "redis", **props)`` in namespace agentsmith."""
    import cdk8s

    from agentsmith import EphemeralRedis

    app = cdk8s.App(outdir=str(outdir))
    chart = cdk8s.Chart(app, "pod", namespace="agentsmith", disable_resource_name_hashes=True)
    EphemeralRedis(chart, "redis", **props)
    (deployment,) = [o for o in cdk8s.Testing.synth(chart) if o["kind"] == "Deployment"]
    return dict(deployment)


def secret_values(pod_containers: list[dict[str, Any]], props: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """One random value per Secret key any container reads (shared when two read one key); the connection URL
    where a ``RedisAccess.password`` Secret keeps it."""
    from agentsmith import RedisAccess

    values: dict[str, dict[str, str]] = {}
    for container in pod_containers:
        for variable in container.get("env", []):
            ref = variable.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                values.setdefault(ref["name"], {}).setdefault(ref["key"], secrets.token_urlsafe(24))
    access = props.get("access")
    auth = access.auth if isinstance(access, RedisAccess) else None
    if auth is not None:
        password = values[auth.secret_name][auth.password_key]
        values[auth.secret_name][auth.url_key] = f"redis://:{password}@redis:6379"
    return values


@dataclass(frozen=True)
class Sidecar:
    """A second container's test copy: its stand-in image, the ``hostPort`` of its one port, its environment."""

    image: str
    host_port: int
    env: Mapping[str, str] = field(default_factory=dict)


def played_copy(
    deployment: Mapping[str, Any],
    *,
    image: str,
    host_port: int,
    run_id: str,
    env: Mapping[str, str],
    sidecars: Mapping[str, Sidecar] | None = None,
) -> dict[str, Any]:
    """The Deployment as played: the module docstring lists every change, nothing else differs.

    ``image``, ``host_port`` and ``env`` are the Redis container's (the first);
    ``sidecars`` gives the same for every other container, by name (the exporter).
    """
    played = copy.deepcopy(dict(deployment))
    played["metadata"]["name"] = f"{deployment['metadata']['name']}-{run_id}"
    first, *others = containers(played)
    _test_copy(first, Sidecar(image, host_port, env))
    given = dict(sidecars or {})
    assert sorted(given) == sorted(c["name"] for c in others), f"sidecars {sorted(given)} for {others}"
    for container in others:
        _test_copy(container, given[container["name"]])
    return played


def _test_copy(container: dict[str, Any], played: Sidecar) -> None:
    """One container's changes (module docstring), in place."""
    from testkit.redis_runtime import k8s_expand as expand  # Kubernetes' $(VAR) rules, in one place

    container["image"] = played.image
    container["imagePullPolicy"] = "Never"
    (port,) = container["ports"]
    port.update(hostIP="127.0.0.1", hostPort=played.host_port)
    container["args"] = [expand(arg, dict(played.env)) for arg in container["args"]]
    for variable in container.get("env", []):
        if "value" in variable:
            variable["value"] = expand(variable["value"], dict(played.env))
    liveness = container["livenessProbe"].get("exec")
    if liveness is not None:
        liveness["command"] = [shlex.join(liveness["command"])]


def resolve_env(container: Mapping[str, Any], secrets: Mapping[str, Mapping[str, str]]) -> dict[str, str]:
    """The container's environment as the kubelet builds it, from ``secrets`` (name -> key -> value)."""
    from testkit.redis_runtime import k8s_expand as expand

    env: dict[str, str] = {}
    for variable in container.get("env", []):
        if "valueFrom" in variable:
            ref = variable["valueFrom"]["secretKeyRef"]
            env[variable["name"]] = secrets[ref["name"]][ref["key"]]
        else:
            env[variable["name"]] = expand(variable["value"], env)
    return env


@dataclass
class Pod:
    """One played Deployment; :meth:`down` removes it, its pod and its secrets by name, always."""

    manifest: Path
    pod_name: str
    container: str
    host_port: int
    secret_names: list[str] = field(default_factory=list)
    #: time.monotonic() when `podman kube play` returned.
    started: float = 0.0

    def play(self, secrets: Mapping[str, Mapping[str, str]]) -> None:
        for name, data in secrets.items():
            # podman reads a secretKeyRef from a podman secret holding {key: base64(value)} as JSON.
            encoded = {key: base64.b64encode(value.encode()).decode() for key, value in data.items()}
            podman("secret", "rm", name, check=False)
            podman("secret", "create", name, "-", stdin=json.dumps(encoded))
            self.secret_names.append(name)
        podman("kube", "play", "--quiet", str(self.manifest))
        self.started = time.monotonic()

    def down(self) -> None:
        """Clean-up by name; safe after a failed or partial play (podman leaves a created pod behind)."""
        podman("kube", "down", str(self.manifest), check=False)
        podman("pod", "rm", "--force", "--ignore", self.pod_name, check=False)
        for name in self.secret_names:
            podman("secret", "rm", name, check=False)

    def inspect(self, template: str) -> str:
        return podman("inspect", self.container, "--format", template).strip()

    def exec(self, *command: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
        """``podman exec``; a command still running after ``timeout`` s counts as failed (exit -1)."""
        env = {**os.environ, "CONTAINERS_CONF": str(CONTAINERS_CONF)}
        argv = ["podman", "exec", self.container, *command]
        try:
            return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env, check=False)
        except subprocess.TimeoutExpired:
            return subprocess.CompletedProcess(argv, -1, "", f"timed out after {timeout} s")

    def healthcheck(self, timeout: float) -> bool:
        """``podman healthcheck run``: podman's run of the liveness probe; True when healthy."""
        try:
            podman("healthcheck", "run", self.container, timeout=timeout)
        except (AssertionError, subprocess.TimeoutExpired):
            return False
        return True

    def inspect_json(self, template: str) -> Any:
        return json.loads(podman("inspect", self.container, "--format", template))

    def proc_status(self) -> dict[str, str]:
        """``/proc/1/status`` read inside the container: its PID 1."""
        text = self.read_file("/proc/1/status")
        return {key: value.strip() for key, value in (line.split(":", 1) for line in text.splitlines())}

    def mount_options(self, target: str) -> list[str]:
        """Mount options of ``target`` as the container sees it (the last mount there wins)."""
        options: list[str] = []
        for line in self.read_file("/proc/1/mounts").splitlines():
            fields = line.split()
            if fields[1] == target:
                options = fields[3].split(",")
        assert options, f"{target} is not a mount point in the container"
        return options

    def read_file(self, path: str) -> str:
        """A file read inside the container with the shell's ``read`` (the image has no cat)."""
        result = self.exec("sh", "-c", 'while IFS= read -r line; do echo "$line"; done < "$1"', "sh", path)
        assert result.returncode == 0, result.stderr
        return result.stdout

    def host_pid(self) -> int:
        return int(self.inspect("{{.State.Pid}}"))

    def logs(self) -> str:
        return podman("logs", self.container, check=False)[-4000:]


def cgroup_dir(pid: int, controller: str) -> Path:
    """The cgroup folder of ``pid`` for a v1 ``controller``, or its v2 unified folder."""
    unified: Path | None = None
    for line in Path(f"/proc/{pid}/cgroup").read_text(encoding="utf-8").splitlines():
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(","):
            return Path("/sys/fs/cgroup", controller, path.lstrip("/"))
        if controllers == "":
            unified = Path("/sys/fs/cgroup", path.lstrip("/"))
    assert unified is not None, f"no cgroup for {controller!r} in /proc/{pid}/cgroup"
    return unified


def read_int(path: Path) -> int:
    return int(path.read_text(encoding="utf-8").split()[0])


def cgroup_limits(pid: int) -> dict[str, int]:
    """Memory limit (bytes) and CPU quota/period (µs) from the cgroup files (v1 or v2)."""
    memory = cgroup_dir(pid, "memory")
    cpu = cgroup_dir(pid, "cpu")
    if (memory / "memory.limit_in_bytes").exists():  # cgroup v1
        return {
            "memory_limit": read_int(memory / "memory.limit_in_bytes"),
            "cpu_quota": read_int(cpu / "cpu.cfs_quota_us"),
            "cpu_period": read_int(cpu / "cpu.cfs_period_us"),
        }
    quota, period = (cpu / "cpu.max").read_text(encoding="utf-8").split()
    return {"memory_limit": read_int(memory / "memory.max"), "cpu_quota": int(quota), "cpu_period": int(period)}


def cgroup_memory_peak_and_oom_kills(pid: int) -> tuple[int, int]:
    """Peak memory charged to the container (bytes) and its cgroup's OOM-kill count."""
    memory = cgroup_dir(pid, "memory")
    if (memory / "memory.max_usage_in_bytes").exists():  # cgroup v1
        peak = read_int(memory / "memory.max_usage_in_bytes")
        control = memory / "memory.oom_control"
    else:
        peak = read_int(memory / "memory.peak")
        control = memory / "memory.events"
    fields = dict(line.split() for line in control.read_text(encoding="utf-8").splitlines())
    return peak, int(fields.get("oom_kill", "0"))


def write_manifest(path: Path, documents: list[dict[str, Any]]) -> Path:
    path.write_text(yaml.safe_dump_all(documents, sort_keys=True), encoding="utf-8")
    return path
