"""Pod tier: ``persistence=RedisPersistence.append_only()`` under ``podman kube play`` with a named volume.

podman 4.3 plays a PersistentVolumeClaim as a named volume of the claim's name, and mounts it where the
Deployment's ``persistentVolumeClaim`` volume names it. The test copy differs from the synthesised objects
as tests/_podman.py lists (image, ``imagePullPolicy: Never``, ``hostPort``, a per-run Deployment name), and
in one more: the claim's name gets the same per-run suffix (and the Deployment's ``claimName`` with it), so
runs never share a volume. Every volume is removed by name afterwards.

What a cluster does, and how it is played here:

* a container crash (or the kernel's OOM killer): SIGKILL of the container's PID 1 (redis-server) from the
  host; the pod's restart policy (``Always``) restarts the container, as the kubelet does. (``podman kill``
  counts as a stop by the user in podman 4.3 and is not restarted.)
* a pod replacement (a rollout, a drain, a node loss with the volume re-attached): ``podman kube down``,
  then ``kube play`` of the Deployment alone: the claim outlives the pod, as on a cluster (podman 4.3
  refuses to play a claim whose volume exists).

Under ``CI=true`` a missing podman/runc/catatonit fails with an install hint. ``pytest -m pod -rP
tests/test_pod_persistence.py`` (or ``-s``) shows the keys and groups before and after.
"""

from __future__ import annotations

import os
import random
import signal
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis
from _podman import (
    Pod,
    build_standin,
    cgroup_dir,
    cgroup_memory_peak_and_oom_kills,
    played_copy,
    podman,
    require_podman,
    write_manifest,
)

from agentsmith import EphemeralRedis, RedisPersistence, Resources
from agentsmith.core.quantity import parse_quantity, parse_redis_memory
from testkit.manifests import the_container
from testkit.redis_runtime import client, free_port

pytestmark = [pytest.mark.runtime, pytest.mark.pod]

#: append_only() with the default maxmemory (256mb) needs twice the default memory limit.
PROPS: dict[str, Any] = {"persistence": RedisPersistence.append_only(), "resources": Resources(memory_limit="1Gi")}
STREAM = "job:42:events"
GROUP = "agents"
#: The copy-on-write workload: 1 KB strings (as hex of 512 random bytes), written 2,000 to a pipeline.
KEY_BYTES = 1024
BATCH_KEYS = 2000
REWRITES = 3
#: The kubelet's limit for a ready pod: readiness initialDelaySeconds + 3 periods (5 + 3 x 10 s).
READY_WITHIN = 35.0


def synth(props: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The Deployment and the PersistentVolumeClaim of ``EphemeralRedis(chart, "redis", **props)``."""
    import cdk8s

    from testkit.project import in_memory_app

    chart = cdk8s.Chart(in_memory_app(), "pod", namespace="agentsmith", disable_resource_name_hashes=True)
    EphemeralRedis(chart, "redis", **props)
    found = {o["kind"]: o for o in cdk8s.Testing.synth(chart)}
    return found["Deployment"], found["PersistentVolumeClaim"]


@dataclass
class PersistentBus:
    """A played Deployment and its claim's named volume; :meth:`replace_pod` plays a new pod on the same volume."""

    pod: Pod
    claim: dict[str, Any]
    deployment_only: Path
    volume: str

    def wait_ready(self) -> float:
        """Seconds until a client outside the pod gets PONG; fails after READY_WITHIN."""
        started = time.monotonic()
        while True:
            try:
                with client(self.pod.host_port, socket_timeout=2) as connection:
                    if connection.ping():
                        return round(time.monotonic() - started, 1)
            except (redis.ConnectionError, redis.TimeoutError, redis.BusyLoadingError):
                pass
            if time.monotonic() - started > READY_WITHIN:
                raise AssertionError(f"no PONG within {READY_WITHIN} s; container log:\n{self.pod.logs()}")
            time.sleep(0.2)

    def crash(self) -> tuple[int, int]:
        """SIGKILL redis-server (the container's PID 1) from the host; returns (old pid, new pid) once restarted."""
        old = self.pod.host_pid()
        os.kill(old, signal.SIGKILL)
        deadline = time.monotonic() + READY_WITHIN
        while self.pod.inspect("{{.State.Status}} {{.RestartCount}}") != "running 1":
            assert time.monotonic() < deadline, f"not restarted: {self.pod.inspect('{{.State.Status}}')}"
            time.sleep(0.2)
        return old, self.pod.host_pid()

    def replace_pod(self) -> None:
        """``podman kube down`` (the claim's volume stays), then the Deployment alone played again."""
        podman("kube", "down", str(self.pod.manifest))
        assert self.pod.pod_name not in podman("pod", "ps", "--format", "{{.Name}}").split(), "pod not removed"
        assert _volume_exists(self.volume), "the volume went with the pod"
        podman("kube", "play", "--quiet", str(self.deployment_only))

    def root(self) -> Path:
        return Path(podman("volume", "inspect", self.volume, "--format", "{{.Mountpoint}}").strip())

    def disk_bytes(self) -> int:
        return sum(path.stat().st_size for path in self.root().rglob("*") if path.is_file())

    def files(self) -> dict[str, tuple[int, int, str]]:
        """Every file and folder in the volume as the host sees it: path -> (uid, gid, mode)."""
        root = self.root()
        found = {}
        for path in [root, *sorted(root.rglob("*"))]:
            info = path.stat()
            found["/data/" + str(path.relative_to(root)).removeprefix(".")] = (
                info.st_uid,
                info.st_gid,
                oct(info.st_mode & 0o7777),
            )
        return found


@contextmanager
def played_bus(props: dict[str, Any], folder: Path, run: str) -> Iterator[PersistentBus]:
    """The claim and the Deployment played; the pod and the volume removed by name afterwards, always."""
    require_podman()
    deployment, claim = synth(props)
    run_id = f"{run}-{os.getpid()}"
    copy = played_copy(deployment, image=build_standin("upstream"), host_port=free_port(), run_id=run_id, env={})
    volume = claim["metadata"]["name"] = f"{claim['metadata']['name']}-{run_id}"
    (data,) = copy["spec"]["template"]["spec"]["volumes"]
    data["persistentVolumeClaim"]["claimName"] = volume
    pod_name = f"{copy['metadata']['name']}-pod-0"
    container = the_container(deployment)
    pod = Pod(
        manifest=write_manifest(folder / f"{run_id}.yaml", [claim, copy]),
        pod_name=pod_name,
        container=f"{pod_name}-{container['name']}",
        host_port=copy["spec"]["template"]["spec"]["containers"][0]["ports"][0]["hostPort"],
    )
    bus = PersistentBus(pod, claim, write_manifest(folder / f"{run_id}-deployment.yaml", [copy]), volume)
    try:
        pod.play({})
        yield bus
    finally:
        pod.down()
        podman("volume", "rm", "--force", volume, check=False)
    assert not _volume_exists(volume), f"volume {volume} left behind"


def _volume_exists(name: str) -> bool:
    return name in podman("volume", "ls", "--format", "{{.Name}}").split()


def job_state(port: int) -> dict[str, Any]:
    """The job's keys as a client reads them: the stream's entries, its groups, their pending entries."""
    with client(port) as connection:
        groups = connection.xinfo_groups(STREAM)
        pending = connection.xpending(STREAM, GROUP)
        return {
            "status": connection.get("job:42:status"),
            "entries": connection.xrange(STREAM),
            "groups": [
                {key: group[key] for key in ("name", "consumers", "pending", "last-delivered-id")} for group in groups
            ],
            "pending": {"count": pending["pending"], "consumers": pending["consumers"]},
        }


def test_a_jobs_stream_and_group_survive_a_crash_and_a_pod_replacement(tmp_path: Path) -> None:
    with played_bus(PROPS, tmp_path, "aof") as bus:
        first_ready = bus.wait_ready()
        # GIVEN a job in flight: three events, a consumer group, two entries delivered and not acknowledged
        with client(bus.pod.host_port) as connection:
            connection.set("job:42:status", "running")
            for step in ("queued", "started", "progress"):
                connection.xadd(STREAM, {"event": step})
            connection.xgroup_create(STREAM, GROUP, id="0")
            delivered = connection.xreadgroup(GROUP, "agent-1", {STREAM: ">"}, count=2)
            assert len(delivered[0][1]) == 2
        time.sleep(1.2)  # appendfsync everysec: past the next fsync
        before = job_state(bus.pod.host_port)
        print(f"before: {before}")
        assert before["groups"][0]["pending"] == 2 and len(before["entries"]) == 3

        # WHEN redis-server is killed THEN the restarted container loads the same job from the AOF
        old_pid, new_pid = bus.crash()
        after_crash_ready = bus.wait_ready()
        after_crash = job_state(bus.pod.host_port)
        print(
            f"after SIGKILL of pid {old_pid} (restarted as {new_pid}, PONG after {after_crash_ready} s): {after_crash}"
        )
        assert after_crash == before

        # WHEN the pod is replaced on the same claim THEN the new pod has the same job
        bus.replace_pod()
        replaced_ready = bus.wait_ready()
        after_replacement = job_state(bus.pod.host_port)
        print(f"after kube down + play (PONG after {replaced_ready} s): {after_replacement}")
        assert after_replacement == before

        # AND every file Redis wrote in the volume is owned by the redis user (uid 999) with its group
        files = bus.files()
        status = bus.pod.proc_status()
        print(f"/data in the volume: {files}; redis-server Uid {status['Uid']} Groups {status['Groups']!r}")
        assert {owner for owner, _, _ in files.values()} == {999}
        assert {group for _, group, _ in files.values()} == {999}
        assert any(name.endswith(".incr.aof") for name in files) and any(name.endswith(".base.rdb") for name in files)
        print(f"first PONG after {first_ready} s")


def anonymous_bytes(pid: int) -> int:
    """Anonymous memory (Redis's pages and its fork's copies) charged to the container's cgroup, without the
    page cache of the AOF's writes, which the kernel reclaims and which fills any limit (cgroup v1 or v2)."""
    memory = cgroup_dir(pid, "memory")
    fields = dict(line.split() for line in (memory / "memory.stat").read_text(encoding="utf-8").splitlines())
    return int(fields["total_rss"] if "total_rss" in fields else fields["anon"])


def test_aof_rewrites_while_a_client_rewrites_the_dataset_stay_under_the_memory_limit(tmp_path: Path) -> None:
    """The worst case for copy-on-write: every key overwritten while the AOF rewrite's fork holds the old pages.

    GIVEN a bus filled to maxmemory with 1 KB strings (eviction has begun), WHEN one client overwrites random
    keys until Redis has rewritten the AOF three times (each rewrite starts by itself when the file has doubled:
    a fork), THEN no write fails, nothing is OOM-killed or restarted, and the anonymous memory stays under the
    limit. The fork's copies (``aof_last_cow_size``) are printed: they approach the dataset's size, the reason
    persistence counts half the memory limit.
    """
    with played_bus(PROPS, tmp_path, "aof-cow") as bus:
        bus.wait_ready()
        deployment, claim = synth(PROPS)
        container = the_container(deployment)
        args = container["args"]
        maxmemory = parse_redis_memory(args[args.index("--maxmemory") + 1])
        limit = int(parse_quantity(container["resources"]["limits"]["memory"]))
        pid = bus.pod.host_pid()
        keys = maxmemory // KEY_BYTES
        anonymous_peak = disk_peak = rounds = 0
        errors: list[Exception] = []
        copied: set[int] = set()

        def overwrite(batch: Sequence[int]) -> None:
            nonlocal anonymous_peak, disk_peak
            with connection.pipeline(transaction=False) as pipe:
                for key in batch:
                    pipe.set(f"job:{key}", os.urandom(KEY_BYTES // 2).hex())
                errors.extend(r for r in pipe.execute(raise_on_error=False) if isinstance(r, Exception))
            anonymous_peak = max(anonymous_peak, anonymous_bytes(pid))
            disk_peak = max(disk_peak, bus.disk_bytes())

        with client(bus.pod.host_port, socket_timeout=60) as connection:
            for start in range(0, keys, BATCH_KEYS):
                overwrite(range(start, min(start + BATCH_KEYS, keys)))
            filled = connection.info("memory")
            deadline = time.monotonic() + 180
            while int(connection.info("persistence")["aof_rewrites"]) < REWRITES:
                assert time.monotonic() < deadline, "fewer than 3 AOF rewrites in 180 s"
                overwrite(random.Random(rounds).sample(range(keys), BATCH_KEYS))
                rounds += 1
                copied.add(int(connection.info("persistence")["aof_last_cow_size"]))
            while int(connection.info("persistence")["aof_rewrite_in_progress"]):
                time.sleep(0.2)
            persistence = connection.info("persistence")
            evicted = int(connection.info("stats")["evicted_keys"])
        _, oom_kills = cgroup_memory_peak_and_oom_kills(pid)
        state = bus.pod.inspect("{{.State.Status}} {{.State.OOMKilled}} {{.RestartCount}}")
        floor = 3 * max(maxmemory, 64 * 2**20)  # persistence.size's floor (RedisPersistence.append_only)
        print(
            f"maxmemory {maxmemory}, limit {limit}: filled used_memory={filled['used_memory']} "
            f"rss={filled['used_memory_rss']}; {rounds * BATCH_KEYS} overwrites, aof_rewrites="
            f"{persistence['aof_rewrites']} ({persistence['aof_last_bgrewrite_status']}), copy-on-write per "
            f"rewrite {sorted(copied - {0})} bytes, evicted_keys={evicted}; anonymous memory peak {anonymous_peak} "
            f"({anonymous_peak / 2**20:.0f} MiB of {limit / 2**20:.0f} MiB), oom_kill={oom_kills}, state={state}; "
            f"AOF on disk at most {disk_peak} bytes (claim {claim['spec']['resources']['requests']['storage']}, "
            f"floor {floor})"
        )
        assert errors == [], f"{len(errors)} error replies, first {errors[0]!r}"
        assert persistence["aof_last_bgrewrite_status"] == "ok"
        assert (state, oom_kills, bus.pod.host_pid()) == ("running false 0", 0, pid), "OOM kill or restart"
        assert anonymous_peak < limit
        assert disk_peak < floor
