"""Runtime: hostile clients against the synthesised probes, connection limit, CPU and retained memory.

Each test starts a real redis-server (loopback only) with the synthesised
container's args, in three access modes: seed (no password, the guard's
default user), ``auth`` (one password) and roles (dispatcher and agent; the
attacker is the agent role). A test-only admin user is appended last to read
INFO. The attacks and their figures before and after the change are in the
docs/security.md ("Hostile clients: connections, CPU and retained memory");
``pytest tests/test_runtime_hostile.py -s`` prints them.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import redis
from _support import require_redis_server, require_tool

from agentsmith import DEFAULT_MAX_CLIENTS, RedisAccess, RedisAuth, RedisRole, Resources
from agentsmith.access.auth import MAX_PASSWORD_BYTES
from agentsmith.core.quantity import parse_quantity
from agentsmith.pod.resources import MAX_MEMORY_BYTES
from testkit.redis_runtime import (
    LOOPBACK,
    TEST_ADMIN,
    TEST_ADMIN_ARGS,
    RedisProcess,
    client,
    container_args,
    container_env,
    make_workdir,
    run_probe,
    serve_container,
    start_redis,
    synth_container,
    wait_until,
)

pytestmark = pytest.mark.runtime

ROLES = [RedisRole.dispatcher(secret_name="redis-dispatcher"), RedisRole.agent(secret_name="redis-agent")]
AUTH = RedisAuth(secret_name="redis-auth")
PASSWORDS = {
    "dispatcher": secrets.token_urlsafe(16),
    "agent": secrets.token_urlsafe(16),
    "auth": secrets.token_urlsafe(16),
}
SECRETS = {
    **{(role.secret_name, role.password_key): PASSWORDS[role.name] for role in ROLES},
    (AUTH.secret_name, AUTH.password_key): PASSWORDS["auth"],
}
MODES = ["seed", "auth", "agent"]
#: The open-file limit of a runtime that gives Redis fewer descriptors than ``maxclients + 32``
#: (Redis then lowers maxclients to this minus 32: 1068).
LOW_NOFILE = 1100


def synth(mode: str, *, max_clients: int = DEFAULT_MAX_CLIENTS) -> dict[str, Any]:
    if mode == "auth":
        return synth_container(access=RedisAccess.password(AUTH, max_clients=max_clients))
    if mode == "agent":
        return synth_container(access=RedisAccess.roles(ROLES, max_clients=max_clients))
    strict = mode == "seed-strict"
    return synth_container(access=RedisAccess.open(strict_readiness=strict, max_clients=max_clients))


def attacker(mode: str) -> tuple[str | None, str | None]:
    """(user, password) the hostile client logs in with: the default user, the auth password, the agent role."""
    if mode == "agent":
        return "agent", PASSWORDS["agent"]
    if mode == "auth":
        return None, PASSWORDS["auth"]
    return None, None


def serve(
    container: dict[str, Any], tmp: Path, *, prefix: Sequence[str] = ()
) -> contextlib.AbstractContextManager[RedisProcess]:
    """The container's args (Secrets expanded) plus the test admin, as its runAsUser, after ``prefix``."""
    require_tool("setpriv", "apt-get install util-linux")
    redis_server = require_redis_server(container["image"])
    return serve_container(container, SECRETS, redis_server, tmp / "redis.log", prefix=prefix)


def admin(server: RedisProcess) -> redis.Redis:
    return client(server.port, decode_responses=True, username=TEST_ADMIN[0], password=TEST_ADMIN[1])


def probes(container: dict[str, Any], server: RedisProcess) -> dict[str, int]:
    """Exit code of each synthesised probe against ``server``, with the container's environment."""
    env = container_env(container, SECRETS)
    return {
        probe: run_probe(container[f"{probe}Probe"]["exec"]["command"], server.port, env)
        for probe in ("liveness", "readiness")
    }


# -- connections: maxclients full ------------------------------------------------


@pytest.mark.parametrize("mode", [*MODES, "seed-strict"])
def test_full_connection_table_fails_readiness_and_keeps_liveness(mode: str, tmp_path: Path) -> None:
    # GIVEN a runtime whose open-file limit (1100) gives Redis fewer descriptors than maxclients needs
    prlimit = require_tool("prlimit", "apt-get install util-linux")
    container = synth(mode)
    with serve(container, tmp_path, prefix=[prlimit, f"--nofile={LOW_NOFILE}:{LOW_NOFILE}", "--"]) as server:
        watch = admin(server)  # connected before the flood, to read INFO during it
        maxclients = int(str(watch.config_get("maxclients")["maxclients"]))
        assert maxclients == LOW_NOFILE - 32
        assert probes(container, server) == {"liveness": 0, "readiness": 0}
        # WHEN a hostile pod opens connections (no login) until Redis refuses new ones
        flood: list[socket.socket] = []
        try:
            while len(flood) < maxclients - 1:
                flood.append(socket.create_connection((LOOPBACK, server.port), timeout=10))
            wait_until(
                lambda: int(watch.info("clients")["connected_clients"]) == maxclients, timeout=30, what="the flood"
            )
            refused = refusal(server.port)
            during = probes(container, server)
            print(f"\n[maxclients {mode}] maxclients {maxclients}; new client gets {refused!r}; probes {during}")
            # THEN Redis refuses the probe's connection too, so readiness fails (the pod is not Ready),
            # except with the seed's own probe (no password, the default): `redis-cli ping` exits 0 on the
            # refusal, so the pod stays Ready (a seed value; RedisAccess.open(strict_readiness=True) opts in
            # to PONG only)
            assert "max number of clients reached" in refused
            assert (during["readiness"] == 0) is (mode == "seed")
            # AND liveness passes: Redis answered, a restart would only drop every in-flight job
            assert during["liveness"] == 0
        finally:
            for sock in flood:
                sock.close()
            watch.close()
        # AND once the flood is gone both pass again
        wait_until(lambda: probes(container, server) == {"liveness": 0, "readiness": 0}, timeout=30, what="probes")


def refusal(port: int) -> str:
    """What a new connection reads: Redis's refusal line when maxclients is full."""
    with socket.create_connection((LOOPBACK, port), timeout=10) as sock:
        sock.sendall(b"*1\r\n$4\r\nPING\r\n")
        return sock.recv(1024).decode(errors="replace").strip()


def test_liveness_fails_when_redis_is_gone(tmp_path: Path) -> None:
    # Liveness must still restart a Redis that does not answer: a closed port fails it in every mode.
    for mode in MODES:
        container = synth(mode)
        with serve(container, tmp_path) as server:
            port = server.port
            server.stop()
            codes = {
                probe: run_probe(container[f"{probe}Probe"]["exec"]["command"], port, container_env(container, SECRETS))
                for probe in ("liveness", "readiness")
            }
        assert codes["liveness"] != 0 and codes["readiness"] != 0, (mode, codes)


def test_wrong_password_still_fails_liveness(tmp_path: Path) -> None:
    container = synth("auth")
    with serve(container, tmp_path) as server:
        env = {**container_env(container, SECRETS), "REDISCLI_AUTH": "wrong"}
        assert run_probe(container["livenessProbe"]["exec"]["command"], server.port, env) != 0
        assert run_probe(container["readinessProbe"]["exec"]["command"], server.port, env) != 0


def test_max_clients_prop_reaches_redis(tmp_path: Path) -> None:
    container = synth("seed", max_clients=50)
    with serve(container, tmp_path) as server, admin(server) as connection:
        assert connection.config_get("maxclients") == {"maxclients": "50"}


# -- helpers for the attacks ------------------------------------------------------

MB = 1024 * 1024


def encode(*argv: str | bytes) -> bytes:
    out = bytearray(b"*%d\r\n" % len(argv))
    for arg in argv:
        data = arg.encode() if isinstance(arg, str) else arg
        out += b"$%d\r\n%s\r\n" % (len(data), data)
    return bytes(out)


def connect(server: RedisProcess, mode: str, *, timeout: float = 300) -> socket.socket:
    """A raw connection logged in as the mode's attacker."""
    sock = socket.create_connection((LOOPBACK, server.port), timeout=timeout)
    user, password = attacker(mode)
    if password is not None:
        sock.sendall(encode("AUTH", *([user] if user else []), password))
        assert sock.recv(5) == b"+OK\r\n"
    return sock


def replies(sock: socket.socket, count: int) -> list[str]:
    """The first lines of the next ``count`` simple replies (``+OK``, ``+QUEUED``, ``-NOPERM ...``)."""
    data = b""
    while data.count(b"\r\n") < count:
        chunk = sock.recv(1 << 16)
        if not chunk:
            break
        data += chunk
    return [line.decode(errors="replace") for line in data.split(b"\r\n")[:count]]


def peak_rss(pid: int) -> int:
    """The process's peak resident set size (``VmHWM``), in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmHWM in /proc/{pid}/status")


def used_memory(server: RedisProcess) -> int:
    with admin(server) as connection:
        return int(connection.info("memory")["used_memory"])


def probe_in_time(container: dict[str, Any], server: RedisProcess, probe: str) -> str:
    """Run one probe as the kubelet would (its ``timeoutSeconds``): ``"pass"``, ``"fail"`` or ``"timeout"``."""
    spec = container[f"{probe}Probe"]
    try:
        code = run_probe_timeout(spec["exec"]["command"], server.port, container, spec["timeoutSeconds"])
    except subprocess.TimeoutExpired:
        return "timeout"
    return "pass" if code == 0 else "fail"


def run_probe_timeout(command: Sequence[str], port: int, container: dict[str, Any], timeout: float) -> int:
    from testkit.redis_runtime import point_probe

    env = {"PATH": os.environ["PATH"], **container_env(container, SECRETS)}
    return subprocess.run(
        point_probe(command, port), capture_output=True, timeout=timeout, env=env, check=False
    ).returncode


def fill_long_list(server: RedisProcess, key: str, elements: int) -> None:
    with admin(server) as connection, connection.pipeline(transaction=False) as pipe:
        for _ in range(elements // 10_000):
            pipe.rpush(key, *["a"] * 10_000)
        pipe.execute()
        assert connection.llen(key) == elements


# -- CPU: a MULTI of whole-list scans -------------------------------------------------

LONG_LIST = 3_000_000  # one-character elements: about 16 MB with its overhead
SCANS = 300


@pytest.mark.parametrize("mode", MODES)
def test_multi_of_list_scans_is_refused(mode: str, tmp_path: Path) -> None:
    # GIVEN a 3M-element list under the attacker's pattern
    container = synth(mode)
    with serve(container, tmp_path) as server:
        fill_long_list(server, "job:long", LONG_LIST)
        # WHEN it queues 300 x LPOS ... MAXLEN 0 (a whole-list scan with a one-line reply) and EXECs
        with connect(server, mode) as sock:
            started = time.monotonic()
            sock.sendall(encode("MULTI") + encode("LPOS", "job:long", "absent", "MAXLEN", "0") * SCANS + encode("EXEC"))
            probe: list[str] = []
            checker = threading.Thread(target=lambda: probe.append(probe_in_time(container, server, "liveness")))
            checker.start()
            lines = replies(sock, SCANS + 2)
            blocked = time.monotonic() - started
            checker.join()
        print(f"\n[MULTI {SCANS} x LPOS, {mode}] Redis busy {blocked:.1f} s; liveness during it: {probe[0]}; "
              f"EXEC: {lines[-1][:40]!r}")  # fmt: skip
        # THEN MULTI, each LPOS and EXEC are refused (Redis names a denied EXEC EXECABORT): nothing ran
        assert all(line.startswith("-NOPERM") for line in lines[:-1]), lines[:3]
        assert lines[-1].startswith("-EXECABORT"), lines[-1]
        # (The liveness result, run with the kubelet's timeout, is printed, not asserted: no timed assertions.)
        assert len(probe) == 1


def test_a_transaction_of_long_reads_is_refused(tmp_path: Path) -> None:
    # Before: a MULTI of whole-list reads (LRANGE 0 -1) ran every queued read although the replies
    # passed the output-buffer limit (EXEC does not stop). Now MULTI is refused to the agent; a plain
    # pipeline stops at the limit (tests/test_runtime_costs.py).
    container = synth("agent")
    with serve(container, tmp_path) as server:
        fill_long_list(server, "job:long", LONG_LIST)
        with connect(server, "agent") as sock:
            sock.sendall(encode("MULTI"))
            lines = replies(sock, 1)
            sock.sendall(encode("EXEC"))
            lines += replies(sock, 1)
        with admin(server) as connection:
            assert connection.ping()
        assert [line.split(" ")[0] for line in lines] == ["-NOPERM", "-EXECABORT"], lines
        assert server.process.poll() is None


def test_liveness_rides_out_a_block_of_up_to_105_seconds() -> None:
    liveness = synth("seed")["livenessProbe"]
    # Kubernetes restarts after failureThreshold failures in a row, one per period.
    assert (liveness["failureThreshold"] - 1) * liveness["periodSeconds"] >= 105
    assert {k: liveness[k] for k in ("initialDelaySeconds", "periodSeconds", "timeoutSeconds")} == {
        "initialDelaySeconds": 10,
        "periodSeconds": 15,
        "timeoutSeconds": 3,
    }


# -- memory outside maxmemory-clients ------------------------------------------------

IN_FLIGHT = [f"job:{i}:payload" for i in range(100)]
VALUE = b"x" * (MB - 64)
BIG = 8 * MB - 64  # under proto-max-bulk-len (8mb) with the key prefix


def load_in_flight(server: RedisProcess) -> None:
    with admin(server) as connection, connection.pipeline(transaction=False) as pipe:
        for key in IN_FLIGHT:
            pipe.set(key, VALUE)
        pipe.execute()


def survivors(server: RedisProcess) -> tuple[int, int]:
    """(evicted_keys, in-flight keys still there)."""
    with admin(server) as connection:
        return int(connection.info("stats")["evicted_keys"]), int(connection.exists(*IN_FLIGHT))


@pytest.mark.parametrize("mode", MODES)
def test_watch_of_huge_key_names_is_refused(mode: str, tmp_path: Path) -> None:
    # GIVEN 100 MiB of in-flight keys WHEN 60 connections each WATCH a key with an 8 MB name
    container = synth(mode)
    limit = int(parse_quantity(container["resources"]["limits"]["memory"]))
    with serve(container, tmp_path) as server:
        load_in_flight(server)
        socks: list[socket.socket] = []
        answers: list[str] = []
        try:
            for n in range(60):
                sock = connect(server, mode, timeout=60)
                socks.append(sock)
                with contextlib.suppress(OSError):
                    sock.sendall(encode("WATCH", b"job:%d:" % n + b"w" * BIG))
                    answers += replies(sock, 1)
            with admin(server) as connection:
                assert connection.ping()
            evicted, present = survivors(server)
            peak = peak_rss(server.pid)
            print(f"\n[60 x WATCH 8 MB name, {mode}] VmHWM {peak} limit {limit} evicted {evicted} "
                  f"in-flight {present}/100; replies {sorted(set(a[:30] for a in answers))}")  # fmt: skip
        finally:
            for sock in socks:
                sock.close()
    # THEN every WATCH is refused, no key is evicted and memory stays under the limit
    assert answers and all(answer.startswith("-NOPERM") for answer in answers), set(answers)
    assert (evicted, present) == (0, 100)
    assert peak < limit


@pytest.mark.parametrize("mode", MODES)
def test_a_client_name_retains_at_most_one_argument_per_connection(mode: str, tmp_path: Path) -> None:
    # What remains: HELLO ... SETNAME sets a name whatever the ACL says (HELLO is exempt from
    # ACL rules), and Redis 7.0 does not count names in maxmemory-clients. Each connection
    # holds one name of up to proto-max-bulk-len (8mb), plus for a while the query buffer
    # that read it: measured here with 10 connections.
    container = synth(mode)
    with serve(container, tmp_path) as server:
        before = used_memory(server)
        socks = []
        try:
            for n in range(10):
                sock = connect(server, mode, timeout=60)
                socks.append(sock)
                sock.sendall(encode("HELLO", "2", "SETNAME", b"n%d" % n + b"n" * BIG))
                assert sock.recv(1).startswith(b"*")  # HELLO's reply: the name was set
            with admin(server) as connection:  # (not CLIENT LIST: 80 MB of names pass the output limit)
                named = int(connection.info("clients")["connected_clients"]) - 1
            grown = used_memory(server) - before
            print(
                f"\n[10 x HELLO SETNAME 8 MB, {mode}] {named} connections kept; used_memory grew {grown} bytes"
                f" ({grown // max(named, 1)} per connection); VmHWM {peak_rss(server.pid)}"
            )
        finally:
            for sock in socks:
                sock.close()
    # Until Redis trims it, each connection also holds a fresh query buffer of the name's size, which
    # maxmemory-clients counts: it may disconnect one or two of them. The names themselves stay.
    assert named >= 5
    # the 8mb name, and until Redis trims it a query buffer that held it: two arguments at most
    assert 8 * MB * named <= grown < 10 * (2 * 8 * MB + 4 * MB)


# -- inputs: derived sizes redis-server accepts -----------------------------------------


def test_largest_memory_limit_gives_sizes_redis_server_accepts(tmp_path: Path) -> None:
    # GIVEN the largest memory limit accepted (2^63 - 1 bytes; "17Ei" is refused before synthesis)
    largest = str(MAX_MEMORY_BYTES)
    container = synth_container(resources=Resources(memory_request="128Mi", memory_limit=largest))
    # WHEN redis-server starts with the derived --maxmemory-clients and output limits THEN it takes them
    with serve(container, tmp_path) as server, admin(server) as connection:
        budget = int(str(connection.config_get("maxmemory-clients")["maxmemory-clients"]))
    assert budget == MAX_MEMORY_BYTES - 256 * MB * 29 // 16  # the limit less maxmemory and 13/16 of it


@pytest.mark.parametrize("length", [MAX_PASSWORD_BYTES, MAX_PASSWORD_BYTES + 1])
def test_password_length_rule(length: int, tmp_path: Path) -> None:
    # Redis refuses an argument over 16384 bytes before login: a longer password locks everyone out.
    container = synth("auth")
    password = "p" * length
    secrets_ = {**SECRETS, (AUTH.secret_name, AUTH.password_key): password}
    env = container_env(container, secrets_)
    args = [*container_args(container, env), *TEST_ADMIN_ARGS]
    workdir = make_workdir(None)
    try:
        server = start_redis(
            require_redis_server(container["image"]),
            args,
            user_prefix=[],
            workdir=workdir,
            log_path=tmp_path / "redis.log",
            username=TEST_ADMIN[0],
            password=TEST_ADMIN[1],
        )
        try:
            with socket.create_connection((LOOPBACK, server.port), timeout=10) as sock:
                sock.sendall(encode("AUTH", password))
                reply = replies(sock, 1)[0]
            probe = run_probe(container["readinessProbe"]["exec"]["command"], server.port, env)
        finally:
            server.stop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if length <= MAX_PASSWORD_BYTES:
        assert (reply, probe) == ("+OK", 0)
    else:
        assert (reply.startswith("-ERR Protocol error: unauthenticated bulk length"), probe) == (True, 1), reply


@pytest.mark.parametrize("attack", ["SUBSCRIBE", "BLPOP"])
def test_subscriptions_and_blocked_keys_keep_their_names(attack: str, tmp_path: Path) -> None:
    # What remains, measured: a subscribed channel name or a key a client blocks on is kept
    # (outside maxmemory-clients) while the client stays subscribed or blocked. Agent role,
    # names under its pattern; 5 connections with an 8 MB name each. (Their fresh query buffers
    # count against maxmemory-clients, so Redis may disconnect some before they settle.)
    container = synth("agent")
    field = "blocked_clients" if attack == "BLPOP" else "pubsub_clients"
    with serve(container, tmp_path) as server:
        before = used_memory(server)
        socks = []
        try:
            for n in range(5):
                sock = connect(server, "agent", timeout=60)
                socks.append(sock)
                extra = ["0"] if attack == "BLPOP" else []
                sock.sendall(encode(attack, b"job:%d:" % n + b"c" * BIG, *extra))
                if attack == "SUBSCRIBE":
                    assert sock.recv(1) == b"*"  # subscribed
            wait_until(lambda: used_memory(server) - before >= 2 * 8 * MB, timeout=30, what="the names to be kept")
            with admin(server) as connection:
                clients = connection.info("clients")
            kept = int(clients.get(field, int(clients["connected_clients"]) - 1))
            grown = used_memory(server) - before
            print(
                f"\n[5 x {attack} 8 MB name, agent] {kept} kept; used_memory grew {grown} bytes"
                f" ({grown // max(kept, 1)} per connection)"
            )
        finally:
            for sock in socks:
                sock.close()
    assert kept >= 2  # the 48mb client budget counts each fresh 8 MB query buffer: it may drop three
    # (a connection being disconnected as INFO runs may still hold its buffers: bound by the 5 sent)
    assert 8 * MB * kept <= grown < 5 * (2 * 8 * MB + 4 * MB)
