"""Runtime: the cost table against a real redis-server, and the attacks it closes, under a real memory limit.

* The table (agentsmith/_costs.py) classifies every command ``COMMAND`` lists on the server the
  tests run, and ``ACL DRYRUN`` as the guard's default user, the agent and the dispatcher gives
  what testkit/acl.py computes from the rules (so the 7.2/7.4 checks of tests/access/test_costs.py,
  which use that evaluation, stand on a checked model).
* Each attack runs in three modes (``seed``: the guard's default user, ``auth``: one password,
  ``agent``: the agent role) against redis-server in a cgroup v1 with the container's memory and
  CPU limits (384Mi, 500m: testkit/cgroup.py), with 150 MiB of other jobs' data loaded. The test
  then checks the server was not OOM-killed, kept every other job's key and the cgroup's peak
  stayed under the limit. ``pytest tests/test_runtime_costs.py -s`` prints the figures
  (docs/security.md, "What bounds each command").
"""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import redis
from test_runtime_hostile import attacker, serve, synth

from agentsmith import RedisAccess
from agentsmith.access import acl as _acl
from agentsmith.access.costs import COSTS, DENIED_TO_EVERY_CATEGORY
from agentsmith.core.quantity import parse_quantity
from testkit import acl, cgroup
from testkit.redis_runtime import (
    LOOPBACK,
    TEST_ADMIN,
    RedisProcess,
    client,
    redis_server_version,
    synth_container,
    wait_until,
)
from testkit.sampler import Stalls

pytestmark = pytest.mark.runtime

MODES = ["seed", "auth", "agent"]
MB = 1024 * 1024
#: Other jobs' data: 150 keys of just under 1 MiB (jemalloc's 1 MiB class), 150 MiB in all.
OTHER_JOBS = [f"job:other:{i}" for i in range(150)]
VALUE = b"x" * (MB - 64)


# -- the table against the server ------------------------------------------------


def facts_version(server_version: tuple[int, int, int]) -> str:
    """The facts of the newest version in the data file not newer than the server's."""
    older = [v for v in acl.VERSIONS if tuple(int(p) for p in v.split(".")) <= server_version]
    assert older, f"redis-server {server_version} is older than every version in {acl.DATA}"
    return older[-1]


def server_commands(connection: redis.Redis) -> dict[str, list[str]]:
    """``{name: ACL categories}`` of every command and subcommand the server lists (``COMMAND``)."""
    raw = connection.connection_pool.get_connection()
    try:
        raw.send_command("COMMAND")
        reply = raw.read_response()
    finally:
        connection.connection_pool.release(raw)
    found: dict[str, list[str]] = {}

    def walk(entry: list[Any]) -> None:
        name = entry[0].decode() if isinstance(entry[0], bytes) else entry[0]
        categories = [c.decode() if isinstance(c, bytes) else c for c in entry[6]]
        subcommands = entry[9] if len(entry) > 9 else []
        if not subcommands:
            found[name] = sorted(c.lstrip("@") for c in categories)
        for sub in subcommands:
            walk(sub)

    for entry in reply:
        walk(entry)
    return found


#: The synthesised rules of each user (the guard's default user, and the roles' users).
RULES = {"default": _acl.GUARD_COMMANDS, "agent": _acl.AGENT_COMMANDS, "dispatcher": _acl.DISPATCHER_COMMANDS}


@pytest.fixture(scope="module")
def roles_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisProcess]:
    container = synth("agent")
    with serve(container, tmp_path_factory.mktemp("roles")) as server:
        yield server


@pytest.fixture(scope="module")
def guard_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisProcess]:
    container = synth("seed")
    with serve(container, tmp_path_factory.mktemp("guard")) as server:
        yield server


def admin(server: RedisProcess) -> redis.Redis:
    return client(server.port, decode_responses=True, username=TEST_ADMIN[0], password=TEST_ADMIN[1])


def test_every_command_of_the_running_server_is_classified(guard_server: RedisProcess) -> None:
    with admin(guard_server) as connection:
        listed = server_commands(connection)
    assert len(listed) > 300, len(listed)
    denied = set(DENIED_TO_EVERY_CATEGORY)
    assert sorted(n for n, categories in listed.items() if n not in COSTS and not denied & set(categories)) == []


def test_the_facts_file_matches_the_running_server(guard_server: RedisProcess) -> None:
    # Same names and categories as the data file's entry for this version (7.0.15 on Debian bookworm).
    version = redis_server_version("redis-server")
    with admin(guard_server) as connection:
        listed = server_commands(connection)
    facts = acl.commands(facts_version(version))
    if ".".join(map(str, version)) in acl.VERSIONS:
        assert {n: sorted(f["acl_categories"]) for n, f in facts.items()} == listed
    else:  # a newer patch release: every command the file knows is there with its categories
        assert {n: listed.get(n) for n in facts} == {n: sorted(f["acl_categories"]) for n, f in facts.items()}


def dryrun(connection: redis.Redis, user: str, name: str, arity: int) -> bool:
    """``ACL DRYRUN user <command> job:x ...``: True when allowed (keys and channels match ``job:*``)."""
    parts = name.split("|")
    argv = [*parts, *["job:x"] * max(abs(arity) - len(parts), 0)]
    if name == "select":
        argv = ["select", "0"]
    if name == "psubscribe":  # ACL compares a pattern with the channel rule literally
        argv = ["psubscribe", "job:*"]
    reply = connection.execute_command("ACL", "DRYRUN", user, *argv)
    return bool(reply == "OK")


@pytest.mark.parametrize("user", ["default", "agent", "dispatcher"])
def test_acl_dryrun_equals_the_evaluated_rules(
    user: str, guard_server: RedisProcess, roles_server: RedisProcess
) -> None:
    server = guard_server if user == "default" else roles_server
    with admin(server) as connection:
        rules = RULES[user]
        listed = server_commands(connection)
        version = facts_version(redis_server_version("redis-server"))
        facts = acl.commands(version)
        expected = acl.allowed(rules, version)
        mismatched = []
        for name in sorted(listed):
            if name not in facts:
                continue
            if dryrun(connection, user, name, facts[name]["arity"]) != (name in expected):
                mismatched.append(name)
    assert mismatched == []


# -- attacks, under the container's memory and CPU limits ---------------------------


def encode(*argv: str | bytes) -> bytes:
    parts = [b"*%d\r\n" % len(argv)]
    for arg in argv:
        data = arg if isinstance(arg, bytes) else arg.encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(parts)


def connect(server: RedisProcess, mode: str) -> socket.socket:
    """A raw connection logged in as the mode's attacker."""
    sock = socket.create_connection((LOOPBACK, server.port), timeout=120)
    user, password = attacker(mode)
    if password is not None:
        sock.sendall(encode("AUTH", *([user] if user else []), password))
        assert sock.recv(64).startswith(b"+OK")
    return sock


def first_lines(sock: socket.socket, count: int) -> list[str]:
    """The first line of each of ``count`` replies (simple replies only: errors, integers, +OK)."""
    data = b""
    while data.count(b"\r\n") < count:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return [line.decode(errors="replace") for line in data.split(b"\r\n")[:count]]


@contextlib.contextmanager
def limited_bus(mode: str, tmp: Path) -> Iterator[tuple[RedisProcess, cgroup.Limit, dict[str, Any]]]:
    """The mode's Redis in a cgroup with the container's limits, 150 MiB of other jobs loaded."""
    cgroup.require()
    container = synth(mode)
    limits = container["resources"]["limits"]
    memory = int(parse_quantity(limits["memory"]))
    cpu = int(parse_quantity(limits["cpu"]) * 1000)
    with cgroup.limited(memory, cpu) as limit, serve(container, tmp, prefix=limit.prefix) as server:
        with admin(server) as connection, connection.pipeline(transaction=False) as pipe:
            for key in OTHER_JOBS:
                pipe.set(key, VALUE)
            pipe.execute()
        yield server, limit, container


def assert_survived(server: RedisProcess, limit: cgroup.Limit, label: str, stalls: Stalls) -> None:
    alive = server.process.poll() is None
    present = evicted = -1
    if alive:
        with admin(server) as connection:
            present = int(connection.exists(*OTHER_JOBS))
            evicted = int(connection.info("stats")["evicted_keys"])
    print(
        f"\n[{label}] blocked {stalls.worst:.2f} s; peak {limit.peak() / MB:.0f} MiB of {limit.limit_bytes / MB:.0f};"
        f" oom_kill {limit.oom_kills()}; other jobs kept {present}/{len(OTHER_JOBS)}; evicted {evicted}"
    )
    assert alive, server.log_tail()
    assert limit.oom_kills() == 0
    assert (present, evicted) == (len(OTHER_JOBS), 0)
    assert limit.peak() < limit.limit_bytes
    assert not stalls.failed


@pytest.mark.parametrize("mode", MODES)
def test_replies_off_and_a_random_member_count_are_refused(mode: str, tmp_path: Path) -> None:
    # GIVEN a 3-field hash WHEN a client turns replies off and asks HRANDFIELD for -1e8 fields
    # (before: Redis blocked about 8 s per 1e8, liveness failed from 3e8 on)
    with limited_bus(mode, tmp_path) as (server, limit, _):
        with Stalls(server) as stalls:
            with admin(server) as connection:
                connection.hset("job:h", mapping={"a": 1, "b": 2, "c": 3})
            with contextlib.closing(connect(server, mode)) as sock:
                sock.sendall(encode("CLIENT", "REPLY", "OFF") + encode("HRANDFIELD", "job:h", "-100000000"))
                sock.sendall(encode("CLIENT", "REPLY", "SKIP") + encode("SRANDMEMBER", "job:s", "-100000000"))
                sock.sendall(encode("ZRANDMEMBER", "job:z", "-100000000"))
                answers = first_lines(sock, 5)
            time.sleep(0.5)
        # THEN every one is refused (replies stay on: the output-buffer limit keeps bounding every reply)
        assert [a.split(" ")[0] for a in answers] == ["-NOPERM"] * 5, answers
        assert_survived(server, limit, f"CLIENT REPLY OFF + HRANDFIELD -1e8, {mode}", stalls)


def fill_stream(server: RedisProcess, key: str, entries: int) -> None:
    """``entries`` x ``XADD key * f v`` as the test admin, replies off, 50,000 a round trip (seconds, not minutes)."""
    batch = 50_000
    with socket.create_connection((LOOPBACK, server.port), timeout=120) as sock:
        sock.sendall(encode("AUTH", *TEST_ADMIN) + encode("CLIENT", "REPLY", "OFF"))
        assert sock.recv(64) == b"+OK\r\n"
        chunk = encode("XADD", key, "*", "f", "v") * batch
        for _ in range(entries // batch):
            sock.sendall(chunk + encode("CLIENT", "REPLY", "ON") + encode("PING"))
            assert first_lines(sock, 2) == ["+OK", "+PONG"]
            sock.sendall(encode("CLIENT", "REPLY", "OFF"))
    with admin(server) as connection:
        assert connection.xlen(key) == entries // batch * batch


@pytest.mark.parametrize("mode", MODES)
def test_a_transaction_of_long_reads_is_refused_and_a_pipeline_stops_at_the_output_limit(
    mode: str, tmp_path: Path
) -> None:
    # GIVEN a 200k-entry stream (before: MULTI of 50 XRANGE - + over 500k entries blocked 4.4 s,
    # and nothing bounded the number queued)
    with limited_bus(mode, tmp_path) as (server, limit, _):
        fill_stream(server, "job:big", 200_000)
        with Stalls(server) as stalls:
            with contextlib.closing(connect(server, mode)) as sock:
                sock.sendall(encode("MULTI"))
                answers = first_lines(sock, 1)
            # WHEN the same reads come as a plain pipeline of 200 (replies on)
            with contextlib.closing(connect(server, mode)) as sock:
                sock.sendall(encode("XRANGE", "job:big", "-", "+") * 200)
                received = 0
                with contextlib.suppress(OSError):
                    while chunk := sock.recv(1 << 20):
                        received += len(chunk)
        # THEN MULTI is refused, and Redis dropped the reader at the output limit instead of running all 200
        assert answers[0].startswith("-NOPERM"), answers
        print(f"\n[pipeline of 200 XRANGE - +, {mode}] {received / MB:.0f} MiB of replies")
        assert received < 64 * MB  # 200 full replies would be about 1.2 GB
        assert_survived(server, limit, f"MULTI / pipeline of XRANGE - +, {mode}", stalls)


@pytest.mark.parametrize("mode", MODES)
def test_whole_structure_walks_with_small_replies_are_refused(mode: str, tmp_path: Path) -> None:
    # Walks that answer in a few bytes, so no output limit stops a pipeline of them.
    walks: Sequence[tuple[str, ...]] = (
        ("SCAN", "0", "MATCH", "nothing:*", "COUNT", "100000000"),
        ("HSCAN", "job:h", "0", "MATCH", "x", "COUNT", "100000000"),
        ("SINTERCARD", "2", "job:s1", "job:s2"),
        ("ZRANGEBYSCORE", "job:z", "-inf", "+inf", "LIMIT", "100000000", "1"),
        ("MEMORY", "USAGE", "job:big", "SAMPLES", "0"),
        ("LCS", "job:a", "job:b"),
        ("LPOS", "job:l", "x", "MAXLEN", "0"),
        ("PUBSUB", "CHANNELS", "nothing*"),
        ("WATCH", "job:w"),
        ("CLIENT", "TRACKING", "on", "BCAST"),
    )
    with limited_bus(mode, tmp_path) as (server, limit, _):
        with Stalls(server) as stalls, contextlib.closing(connect(server, mode)) as sock:
            sock.sendall(b"".join(encode(*walk) for walk in walks))
            answers = first_lines(sock, len(walks))
        assert [a.split(" ")[0] for a in answers] == ["-NOPERM"] * len(walks), list(zip(walks, answers, strict=True))
        assert_survived(server, limit, f"walks with small replies, {mode}", stalls)


def test_max_value_size_bounds_what_one_connection_name_keeps(tmp_path: Path) -> None:
    # GIVEN max_value_size="1mb" WHEN a connection sends HELLO ... SETNAME with a 2 MiB name (HELLO is
    # exempt from ACL rules) THEN Redis refuses the argument and closes the connection; a 1 MiB - 1 name
    # is the most one connection can make Redis keep.
    container = synth_container(access=RedisAccess.open(max_value_size="1mb"))
    with serve(container, tmp_path) as server:
        with admin(server) as connection:
            before = int(connection.info("memory")["used_memory"])
        with contextlib.closing(socket.create_connection((LOOPBACK, server.port), timeout=30)) as sock:
            with contextlib.suppress(OSError):
                sock.sendall(encode("HELLO", "2", "SETNAME", b"n" * (2 * MB)))
            refused = b""
            with contextlib.suppress(OSError):
                while chunk := sock.recv(65536):
                    refused += chunk
        with contextlib.closing(socket.create_connection((LOOPBACK, server.port), timeout=30)) as sock:
            sock.sendall(encode("HELLO", "2", "SETNAME", b"n" * (MB - 1)))
            assert sock.recv(1) == b"*"  # the name was set
            with admin(server) as connection:
                grown = int(connection.info("memory")["used_memory"]) - before
        print(f"\n[HELLO SETNAME, max_value_size 1mb] 2 MiB: {refused[:40]!r}; 1 MiB name kept, grew {grown} bytes")
    assert refused.startswith(b"-ERR Protocol error"), refused[:80]
    assert MB <= grown < 4 * MB


@pytest.mark.parametrize("mode", MODES)
def test_pending_entries_cannot_be_multiplied_in_a_transaction(mode: str, tmp_path: Path) -> None:
    # GIVEN a 500k-entry stream with 4 consumer groups (before: 4 x XREADGROUP without COUNT in one MULTI
    # over 1M entries took RSS to 370 MB and evicted every other job's stream; 5 groups: OOM kill)
    entries, groups = 500_000, 4
    with limited_bus(mode, tmp_path) as (server, limit, _):
        fill_stream(server, "job:big", entries)
        with admin(server) as connection:
            for group in range(groups):
                connection.xgroup_create("job:big", f"g{group}", id="0")
        with Stalls(server) as stalls, contextlib.closing(connect(server, mode)) as sock:
            # WHEN a client opens a MULTI to queue the four reads
            sock.sendall(encode("MULTI"))
            refused = first_lines(sock, 1)[0]
            # AND then sends one read without COUNT (what stays allowed: agents read with groups), reading nothing
            sock.sendall(encode("XREADGROUP", "GROUP", "g0", "c", "STREAMS", "job:big", ">"))
            with admin(server) as connection:
                wait_until(
                    lambda: int(connection.xpending("job:big", "g0")["pending"]) > 0, timeout=60, what="the read"
                )
                pending = int(connection.xpending("job:big", "g0")["pending"])
        # THEN the transaction is refused; the one read added one pending entry per entry (bounded by the
        # stream, docs/security.md "What remains") and Redis stayed up, under its limit, with every other job
        assert refused.startswith("-NOPERM"), refused
        assert pending == entries
        assert_survived(server, limit, f"MULTI of {groups} XREADGROUP, then one over {entries} entries, {mode}", stalls)
