"""Runtime: a hostile client cannot OOM-kill Redis or evict other clients' keys (follow-up to issue 13).

Each test starts a real redis-server with the synthesised container's args
(seed mode, and roles mode with a dispatcher and an agent), plus only a test
admin user (appended last, so the synthesised users keep their rules) that
reads INFO and CLIENT LIST. It replays a reviewer's attack and then checks that

* Redis is still up, and never held more than the container's memory limit
  (``used_memory_peak`` from INFO and the process's peak RSS, ``VmHWM``);
* no key was evicted and the in-flight ``job:*`` and ``dispatch:*`` keys are there;
* the hostile client got an error or was disconnected.

No memory cgroup: with main's args (before this change) the same tests fail on
those measurements instead of seeing the process killed.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import redis
from _support import require_redis_server, require_tool

from agentsmith import RedisAccess, RedisRole
from agentsmith.core.quantity import parse_quantity
from testkit.redis_runtime import (
    LOOPBACK,
    TEST_ADMIN,
    RedisProcess,
    client,
    raw_command,
    serve_container,
    synth_container,
    wait_until,
)

pytestmark = pytest.mark.runtime

ROLES = [RedisRole.dispatcher(secret_name="redis-dispatcher"), RedisRole.agent(secret_name="redis-agent")]
PASSWORDS = {"dispatcher": secrets.token_urlsafe(16), "agent": secrets.token_urlsafe(16)}
SECRETS = {(role.secret_name, role.password_key): PASSWORDS[role.name] for role in ROLES}
MB = 1024 * 1024
#: The in-flight data every test starts with: 100 job keys and 50 dispatcher
#: keys of 1 MiB each, 150 MiB in all: under maxmemory (256mb) minus the client
#: budget (48mb) and the overshoot of about two arguments (16mb), so client
#: memory alone must never evict a key. (Clients count against maxmemory: with
#: more data, they may push out up to about 80mb of keys; README.)
JOB_KEYS = [f"job:{i}:payload" for i in range(100)]
DISPATCH_KEYS = [f"dispatch:state:{i}" for i in range(50)]
#: Just under 1 MiB, so that jemalloc stores each in a 1 MiB block (1 MiB + header takes 1.25 MiB).
VALUE = b"x" * (MB - 64)


def bus(container: dict[str, Any], tmp: Path) -> contextlib.AbstractContextManager[RedisProcess]:
    """The container's args (Secrets expanded) plus the test admin user, as its runAsUser."""
    return serve_container(container, SECRETS, require_redis_server(container["image"]), tmp / "redis.log")


def admin(server: RedisProcess) -> redis.Redis:
    return client(server.port, decode_responses=False, username=TEST_ADMIN[0], password=TEST_ADMIN[1])


def memory_limit(container: dict[str, Any]) -> int:
    return int(parse_quantity(container["resources"]["limits"]["memory"]))


def peak_rss(pid: int) -> int:
    """The process's peak resident set size (``VmHWM``), in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmHWM in /proc/{pid}/status")


def load_in_flight_data(server: RedisProcess) -> None:
    with admin(server) as connection:
        with connection.pipeline(transaction=False) as pipe:
            for key in JOB_KEYS + DISPATCH_KEYS:
                pipe.set(key, VALUE)
            pipe.execute()


def assert_bus_survived(server: RedisProcess, container: dict[str, Any]) -> None:
    """Redis is up, stayed under the memory limit, and evicted nothing."""
    assert server.process.poll() is None, server.log_tail()
    with admin(server) as connection:
        memory = connection.info("memory")
        stats = connection.info("stats")
        present = connection.exists(*JOB_KEYS) + connection.exists(*DISPATCH_KEYS)
    limit = memory_limit(container)
    # Printed for docs/security.md and the closing notes (`pytest tests/test_runtime_abuse.py -s`).
    print(
        f"\n[{os.environ.get('PYTEST_CURRENT_TEST', '?').split(' ')[0]}] used_memory_peak {memory['used_memory_peak']}"
        f" VmHWM {peak_rss(server.pid)} limit {limit} evicted_keys {stats['evicted_keys']}"
        f" keys {present}/{len(JOB_KEYS) + len(DISPATCH_KEYS)} evicted_clients {stats['evicted_clients']}"
    )
    assert (stats["evicted_keys"], present) == (0, len(JOB_KEYS) + len(DISPATCH_KEYS))
    assert memory["used_memory_peak"] < limit, (memory["used_memory_peak"], limit)
    assert peak_rss(server.pid) < limit, (peak_rss(server.pid), limit)


def client_names(server: RedisProcess) -> list[str]:
    with admin(server) as connection:
        return [entry["name"] for entry in connection.client_list()]


def holding(server: RedisProcess, name: str) -> bool | None:
    """None if client ``name`` is gone, else whether it holds 16 MB or more of replies."""
    with admin(server) as connection:
        for entry in connection.client_list():
            if entry["name"] == name:
                return int(entry["omem"]) >= 16 * MB
    return None


def settled(connection: redis.Redis) -> bool:
    """Whether used memory is back under maxmemory (no eviction pending)."""
    memory = connection.info("memory")
    return int(memory["used_memory"]) <= int(memory["maxmemory"])


def reader_state(server: RedisProcess, name: str, key: str) -> str:
    """What a stuck reader looks like, for a timeout's message: its CLIENT LIST entry and whether ``key`` exists."""
    with admin(server) as connection:
        entry = next((e for e in connection.client_list() if e["name"] == name), None)
        return f"client {entry}, {key} exists: {connection.exists(key)}"


def calls(server: RedisProcess, command: str) -> int:
    """How many times ``command`` ran (INFO commandstats)."""
    with admin(server) as connection:
        return int(connection.info("commandstats").get(f"cmdstat_{command}", {}).get("calls", 0))


def login(sock: socket.socket, user: str | None, name: str) -> None:
    """AUTH as a role (roles mode; the default user needs none), then CLIENT SETNAME ``name``, both answered."""
    if user is not None:
        sock.sendall(encode([["AUTH", user, PASSWORDS[user]]]))
        assert sock.recv(5) == b"+OK\r\n"
    sock.sendall(encode([["CLIENT", "SETNAME", name]]))
    assert sock.recv(5) == b"+OK\r\n"


def slow_client(server: RedisProcess, user: str | None, name: str) -> socket.socket:
    """A connection logged in as ``user`` and named ``name`` that reads replies slowly (4 KiB buffer)."""
    sock = socket.create_connection((LOOPBACK, server.port), timeout=30)
    login(sock, user, name)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    return sock


def encode(commands: Sequence[Sequence[str | bytes]]) -> bytes:
    out = bytearray()
    for argv in commands:
        out += b"*%d\r\n" % len(argv)
        for arg in argv:
            data = arg.encode() if isinstance(arg, str) else arg
            out += b"$%d\r\n%s\r\n" % (len(data), data)
    return bytes(out)


def read_all(sock: socket.socket, limit: int) -> bytes:
    """Everything the server sends until it closes the connection (at most ``limit`` bytes)."""
    data = bytearray()
    while len(data) < limit:
        chunk = sock.recv(1 << 20)
        if not chunk:
            break
        data += chunk
    return bytes(data)


# -- the servers under attack ---------------------------------------------------

MODES = ["seed", "agent"]


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture()
def container(mode: str) -> dict[str, Any]:
    require_tool("setpriv", "apt-get install util-linux")
    return synth_container() if mode == "seed" else synth_container(access=RedisAccess.roles(ROLES))


@pytest.fixture()
def server(container: dict[str, Any], tmp_path: Path) -> Iterator[RedisProcess]:
    with bus(container, tmp_path) as running:
        load_in_flight_data(running)
        yield running


def hostile_user(mode: str) -> str | None:
    """Who attacks: the default user (seed mode) or the restricted agent role."""
    return None if mode == "seed" else "agent"


# -- A: one command that allocates far more than its arguments ------------------


def test_setrange_at_a_far_offset_is_refused(server: RedisProcess, container: dict[str, Any], mode: str) -> None:
    # GIVEN 150 MiB of in-flight keys WHEN a client writes one byte at offset ~500 MB
    user = hostile_user(mode)
    password = None if user is None else PASSWORDS[user]
    reply = raw_command(server.port, ["SETRANGE", "job:x", "499999999", "x"], user=user, password=password)
    # THEN memory stayed under the limit (main: Redis allocated 500 MB) AND it was refused
    assert_bus_survived(server, container)
    assert reply.startswith("-NOPERM"), reply


@pytest.mark.parametrize(
    "argv",
    [
        ["SETBIT", "job:x", "3999999999", "1"],
        ["BITFIELD", "job:x", "SET", "u8", "3999999992", "1"],
        ["COPY", "job:0:payload", "job:copy"],
        ["SUNIONSTORE", "job:s", "job:a", "job:b"],
        ["ZRANGESTORE", "job:z", "job:a", "0", "-1"],
        ["BITOP", "OR", "job:o", "job:0:payload"],
        ["GEOSEARCHSTORE", "job:g", "job:a", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km"],
    ],
    ids=lambda argv: argv[0],
)
def test_guard_and_dispatcher_refuse_memory_amplifiers(roles_server: RedisProcess, argv: list[str]) -> None:
    # The agent role never had these (its matrix column); the guard's commands are the dispatcher's.
    reply = raw_command(roles_server.port, argv, user="dispatcher", password=PASSWORDS["dispatcher"])
    assert reply.startswith("-NOPERM"), reply
    assert agent(roles_server, argv).startswith("-NOPERM")


@pytest.mark.parametrize("argv", [["SETRANGE", "job:x", "1", "x"], ["COPY", "job:a", "job:b"]], ids=" ".join)
def test_seed_guard_refuses_memory_amplifiers(seed_server: RedisProcess, argv: list[str]) -> None:
    assert raw_command(seed_server.port, argv).startswith("-NOPERM")


def test_string_values_are_capped_by_proto_max_bulk_len(server: RedisProcess, mode: str) -> None:
    # APPEND stays allowed (its growth is its own argument) but cannot pass 8mb.
    with client(server.port, username=hostile_user(mode), password=PASSWORDS.get(hostile_user(mode) or "")) as bus_:
        chunk = "y" * (4 * MB)
        assert bus_.append("job:big", chunk) == 4 * MB
        assert bus_.append("job:big", chunk) == 8 * MB
        with pytest.raises(redis.ResponseError, match="proto-max-bulk-len"):
            bus_.append("job:big", "y")
        # One argument over 8mb: Redis answers "Protocol error" and drops the connection
        # (redis-py sees either, depending on whether it was still sending).
        with pytest.raises((redis.ConnectionError, redis.ResponseError)) as error:
            bus_.set("job:huge", "z" * (8 * MB + 1))
        assert isinstance(error.value, redis.ConnectionError) or "Protocol error" in str(error.value)
        assert bus_.exists("job:huge") == 0


# -- B: MULTI/EXEC (Redis evicts only before EXEC) ------------------------------


def test_multi_of_setrange_is_aborted(server: RedisProcess, container: dict[str, Any], mode: str) -> None:
    user = hostile_user(mode)
    with socket.create_connection((LOOPBACK, server.port), timeout=30) as sock:
        login(sock, user, "multi")
        commands: list[list[str | bytes]] = [["MULTI"]]
        commands += [["SETRANGE", f"job:{i}:big", "60000000", "x"] for i in range(10)]
        commands.append(["EXEC"])
        sock.sendall(encode(commands))
        sock.shutdown(socket.SHUT_WR)
        replies = read_all(sock, 1 << 20).decode().split("\r\n")
    # Before the guard: EXEC ran all ten (600 MB). Now MULTI (denied to the guard and the agent, as
    # EXEC runs queued commands with no limit between them), each SETRANGE and EXEC are refused.
    assert_bus_survived(server, container)
    assert all(r.startswith("-NOPERM") for r in replies[:11]), replies
    assert replies[11].startswith("-EXECABORT"), replies  # Redis refuses EXEC as denied, by this name


def queuer(mode: str) -> str | None:
    """Who may still queue a MULTI: the dispatcher role (roles mode); the guard's default user may not."""
    return None if mode == "seed" else "dispatcher"


def test_queued_multi_arguments_count_against_the_client_budget(
    server: RedisProcess, container: dict[str, Any], mode: str
) -> None:
    # GIVEN a client that queues 20 APPENDs of 6 MB (120 MB) in a MULTI, more than
    # the 48mb all clients may hold WHEN it sends EXEC THEN Redis disconnected it
    # before EXEC (maxmemory-clients counts queued commands): nothing was written.
    # The guard's default user may not queue at all; the dispatcher role may, within the budget.
    user = queuer(mode)
    chunk = b"q" * (6 * MB)
    if user is None:
        assert raw_command(server.port, ["MULTI"]).startswith("-NOPERM")
        assert_bus_survived(server, container)
        return
    with socket.create_connection((LOOPBACK, server.port), timeout=30) as sock:
        login(sock, user, "hostile")
        sock.sendall(encode([["MULTI"]]))
        with contextlib.suppress(OSError):  # the server may close while we still send
            for i in range(20):
                sock.sendall(encode([["APPEND", f"job:queued:{i}", chunk]]))
            sock.sendall(encode([["EXEC"]]))
        wait_until(
            lambda: "hostile" not in client_names(server) or calls(server, "exec") > 0,
            timeout=30,
            what="the hostile client to go or its EXEC to run",
        )
    assert_bus_survived(server, container)  # main: EXEC wrote 120 MB and evicted keys
    with admin(server) as connection:
        assert connection.exists(*[f"job:queued:{i}" for i in range(20)]) == 0
        assert connection.info("stats")["evicted_clients"] >= 1
    assert "hostile" not in client_names(server)


# -- C: unread replies (output buffers) ---------------------------------------


def test_unread_replies_disconnect_the_reader_before_any_key_is_evicted(
    server: RedisProcess, container: dict[str, Any], mode: str
) -> None:
    # GIVEN 150 MiB in flight WHEN one client pipelines 450 GETs of a 1 MB job key
    # and reads none of the replies (main: 450 MB of replies evicted 107 of 201
    # keys; as agent, 24 of the dispatcher's 50 keys)
    user = hostile_user(mode)
    with slow_client(server, user, "hostile") as sock:
        sock.sendall(encode([["GET", JOB_KEYS[0]]] * 450))
        wait_until(
            lambda: "hostile" not in client_names(server) or calls(server, "get") >= 450,
            timeout=60,
            what="the hostile client to go or its GETs to run",
        )
        # THEN no key was evicted and memory stayed under the limit
        assert_bus_survived(server, container)
        # AND Redis disconnected it at the output-buffer limit (24mb), before all GETs ran
        assert "hostile" not in client_names(server)
        assert calls(server, "get") < 450


def test_many_slow_readers_are_bounded_together(server: RedisProcess, container: dict[str, Any], mode: str) -> None:
    # GIVEN 150 MiB in flight WHEN 6 clients each leave 20 MB of replies unread
    # (under the 24mb one client may hold, 120 MB together) THEN Redis
    # disconnects clients once all of them hold more than 48mb (maxmemory-clients)
    # and no key is evicted.
    user = hostile_user(mode)
    socks = []
    try:
        for n in range(6):
            sock = slow_client(server, user, f"slow{n}")
            socks.append(sock)
            sock.sendall(encode([["GET", JOB_KEYS[n]]] * 20))
            # One at a time: this reader is either gone or holds its ~20 MB of replies.
            name = f"slow{n}"
            wait_until(lambda: holding(server, name) in (None, True), timeout=60, what=f"{name}'s GETs")  # noqa: B023
        assert_bus_survived(server, container)
        with admin(server) as connection:
            assert connection.info("stats")["evicted_clients"] >= 1
    finally:
        for sock in socks:
            sock.close()


def test_subscriber_that_never_reads_is_disconnected(
    server: RedisProcess, container: dict[str, Any], mode: str
) -> None:
    # Redis's own pubsub default (32mb 8mb 60) already does this, so this passes with main's
    # args too: it pins that the pub/sub class stays bounded with the new args.
    # GIVEN a subscriber that reads nothing WHEN 40 messages of 1 MB are published to its channel
    user = hostile_user(mode)
    with slow_client(server, user, "deaf") as sock:
        sock.sendall(encode([["SUBSCRIBE", "job:1:events"]]))
        assert sock.recv(1 << 10).startswith(b"*3")
        with admin(server) as connection:
            receivers = [connection.publish("job:1:events", VALUE) for _ in range(40)]
        # THEN Redis dropped it at the pub/sub output limit (24mb), before the last message
        assert receivers[0] == 1 and receivers[-1] == 0, receivers
        assert "deaf" not in client_names(server)
    assert_bus_survived(server, container)


# -- agent visibility (roles mode) ---------------------------------------------


@pytest.fixture(scope="module")
def seed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisProcess]:
    require_tool("setpriv", "apt-get install util-linux")
    with bus(synth_container(), tmp_path_factory.mktemp("seed")) as running:
        yield running


@pytest.fixture(scope="module")
def roles_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisProcess]:
    require_tool("setpriv", "apt-get install util-linux")
    with bus(synth_container(access=RedisAccess.roles(ROLES)), tmp_path_factory.mktemp("roles")) as running:
        yield running


def agent(server: RedisProcess, argv: Sequence[str]) -> str:
    return raw_command(server.port, argv, user="agent", password=PASSWORDS["agent"])


def test_agent_cannot_track_other_keys(roles_server: RedisProcess) -> None:
    with socket.create_connection((LOOPBACK, roles_server.port), timeout=10) as sock:
        sock.sendall(encode([["HELLO", "3", "AUTH", "agent", PASSWORDS["agent"]]]))
        assert sock.recv(1 << 16).startswith(b"%")
        sock.sendall(encode([["CLIENT", "TRACKING", "on", "BCAST"]]))
        reply = sock.recv(1 << 16)
    assert reply.startswith(b"-NOPERM"), reply
    assert agent(roles_server, ["CLIENT", "TRACKING", "on"]).startswith("-NOPERM")


@pytest.mark.parametrize(
    "argv", [["PUBSUB", "CHANNELS"], ["PUBSUB", "NUMSUB", "dispatch:events"], ["PUBSUB", "NUMPAT"]], ids=" ".join
)
def test_agent_cannot_list_channels(roles_server: RedisProcess, argv: list[str]) -> None:
    assert agent(roles_server, argv).startswith("-NOPERM")


def test_agent_stays_in_database_0(roles_server: RedisProcess) -> None:
    assert agent(roles_server, ["SELECT", "0"]) == "+OK"
    for db in ("1", "5", "15"):
        assert agent(roles_server, ["SELECT", db]).startswith("-NOPERM"), db
    # The dispatcher keeps SELECT (it is trusted with every key anyway).
    assert raw_command(roles_server.port, ["SELECT", "5"], user="dispatcher", password=PASSWORDS["dispatcher"]) == "+OK"


# -- a full bus: keys at maxmemory, then every client attack at once ------------


def test_full_bus_under_attack_is_not_oom_killed(container: dict[str, Any], mode: str, tmp_path: Path) -> None:
    # GIVEN keys filled to maxmemory (320 x 1 MiB; eviction keeps about 254)
    with bus(container, tmp_path) as server:
        with admin(server) as connection:
            with connection.pipeline(transaction=False) as pipe:
                for i in range(320):
                    pipe.set(f"job:{i}:fill", VALUE)
                pipe.execute()
            # Redis may go on evicting in the background after the pipeline (maxmemory-eviction-
            # tenacity), and the fill keys, written within a second, look equally old to its LRU:
            # any of them may still go. Wait for the eviction to settle, then, since Redis's LRU
            # clock ticks once a second, a second later write the readers' key: now it is the
            # newest key, eviction takes older ones first, and the readers' GETs keep it the newest.
            wait_until(lambda: settled(connection), timeout=30, what="the fill's evictions to settle")
            time.sleep(1.1)
            kept = "job:readers:value"
            connection.set(kept, VALUE)
            wait_until(lambda: settled(connection), timeout=30, what="the readers' key's evictions to settle")
            assert connection.exists(kept) == 1
            evicted_before = connection.info("stats")["evicted_keys"]
        # WHEN 8 clients leave 20 MB of replies each unread and 3 queue 90 MB in a MULTI each (roles
        # mode: as the dispatcher, who keeps MULTI; seed mode: the guard refuses their MULTI)
        user = hostile_user(mode)
        socks: list[socket.socket] = []
        try:
            for n in range(8):
                sock = slow_client(server, user, f"reader{n}")
                socks.append(sock)
                sock.sendall(encode([["GET", kept]] * 20))  # read just now: LRU keeps it
                name = f"reader{n}"
                try:
                    wait_until(lambda: holding(server, name) in (None, True), timeout=60, what=name)  # noqa: B023
                except TimeoutError as stuck:
                    raise AssertionError(f"{stuck}: {reader_state(server, name, kept)}") from stuck
            for n in range(3):
                sock = socket.create_connection((LOOPBACK, server.port), timeout=30)
                socks.append(sock)
                login(sock, queuer(mode), f"queuer{n}")
                with contextlib.suppress(OSError):  # disconnected while sending
                    sock.sendall(encode([["MULTI"]]))
                    if queuer(mode) is None:  # the guard refuses MULTI: nothing to queue
                        assert sock.recv(7) == b"-NOPERM"
                        sock.close()
                        continue
                    for i in range(15):
                        sock.sendall(encode([["APPEND", f"job:q{n}:{i}", b"q" * (6 * MB)]]))
                name = f"queuer{n}"
                wait_until(lambda: name not in client_names(server), timeout=60, what=f"{name} to go")  # noqa: B023
            # THEN Redis is up, its peak RSS stayed under the container limit
            assert server.process.poll() is None, server.log_tail()
            limit = memory_limit(container)
            with admin(server) as connection:
                stats = connection.info("stats")
            evicted = stats["evicted_keys"] - evicted_before
            print(f"\n[full bus, {mode}] VmHWM {peak_rss(server.pid)} limit {limit} evicted by the attack {evicted}")
            assert peak_rss(server.pid) < limit
            assert stats["evicted_clients"] >= 1
            # AND the attack pushed out at most about the client budget (48mb) plus two
            # 8mb arguments of 1 MiB keys: clients count against maxmemory (README).
            assert evicted <= 48 + 2 * 8 + 8, evicted
        finally:
            for sock in socks:
                sock.close()
