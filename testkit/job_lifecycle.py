"""agentsmith's job lifecycle on a real Redis under memory pressure (issue 14).

Used by ``tests/test_runtime_eviction.py``. One :func:`run_lifecycle` call drives
a running redis-server through what the bus holds while agentsmith works:

1. *old data*: other keys written before the jobs (results, caches);
2. *finished* jobs: streams whose entries are all acknowledged, awaiting ``DEL``;
3. *queued* jobs: a stream and its consumer group, no agent reading yet;
4. *blocked* jobs (in flight): an agent read and acknowledged the first entry
   and now waits in ``XREADGROUP ... BLOCK`` for the next (one thread and one
   connection per agent);
5. *writing* jobs (in flight): the dispatcher appends (``XADD``) and the agent
   reads before every batch of the pressure below.

Then, once those keys are ``jobs_idle_seconds`` old (default 1.1 s: Redis's
LRU clock counts whole seconds), *pressure*: new data worth ``pressure_factor``
x ``maxmemory``, in ``pressure_phases`` phases one LRU second apart (written at
once, all of it would share one LRU second with the streams that the writing
jobs touch). After it the dispatcher deletes the finished jobs (its duty, and
``DEL`` works even when Redis is out of memory) and appends the next event to
every blocked job's stream; the agents whose wait ended in an error read once
more (as a retrying client would), and an agent picks up every queued job.
Every error reply is recorded by its code (``OOM``, ``UNBLOCKED``, ``NOGROUP``)
and role, and for each blocked agent that lost its stream, how much of the
pressure had been written then (x ``maxmemory``).

A job is *kept* when its stream still carries its consumer group at the end: an
evicted stream that the dispatcher's ``XADD`` recreated has no group, so
``NOGROUP`` for every later read.

TTL conventions (:class:`TtlConvention`) say which keys carry a TTL, which
decides what the ``volatile-*`` policies may evict.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field

import redis

from testkit.redis_runtime import TEST_ADMIN, client, wait_until

#: The seed: "Stream TTL is 2 hours; streams are explicitly deleted on job completion".
JOB_STREAM_TTL_SECONDS = 2 * 60 * 60
#: Other data lives longer than job streams (results kept for a day).
OTHER_DATA_TTL_SECONDS = 24 * 60 * 60
GROUP = "agents"
#: Bounded waits (seconds); never assertions on speed.
WAIT_TIMEOUT = 30.0


@dataclass(frozen=True)
class TtlConvention:
    """Which keys the clients give a TTL (``None``: no TTL)."""

    name: str
    in_flight_ttl: int | None
    finished_ttl: int | None
    other_ttl: int | None


#: The seed's reading: every job stream gets the 2-hour TTL when it is created.
SEED_TTLS = TtlConvention("every job stream 2 h (seed)", JOB_STREAM_TTL_SECONDS, JOB_STREAM_TTL_SECONDS, None)
#: As the seed, and other data expires after a day (then every key is volatile).
SEED_TTLS_OTHER_DATA_TOO = TtlConvention(
    "every job stream 2 h, other data 24 h", JOB_STREAM_TTL_SECONDS, JOB_STREAM_TTL_SECONDS, OTHER_DATA_TTL_SECONDS
)
#: The opt-in: no TTL while a job is in flight; EXPIRE 2 h when it finishes; other data 24 h.
FINISHED_ONLY_TTLS = TtlConvention(
    "TTL only on finished jobs and other data", None, JOB_STREAM_TTL_SECONDS, OTHER_DATA_TTL_SECONDS
)


@dataclass(frozen=True)
class Workload:
    """Sizes of one run; keys and values are small so that a few-MB ``maxmemory`` holds many."""

    queued: int = 20
    blocked: int = 20
    writing: int = 5
    finished: int = 20
    entries_per_job: int = 3
    entry_bytes: int = 512
    value_bytes: int = 8 * 1024
    #: Other data written before the jobs, as a share of ``maxmemory``.
    old_data_share: float = 0.5
    #: New data written during the pressure, as a multiple of ``maxmemory``.
    pressure_factor: float = 2.0
    #: The pressure is written in this many phases, one LRU second apart, so that it
    #: spreads over time as it would in production; written at once it would tie
    #: (same LRU second) with the writing jobs' streams, which are touched continuously.
    pressure_phases: int = 4
    batch: int = 16
    #: How long the jobs sit before the pressure starts (server time). One LRU second is
    #: enough for LRU; LFU counters decay only per idle minute (``lfu-decay-time`` 1).
    jobs_idle_seconds: float = 1.1


@dataclass
class Outcome:
    """What one run kept, lost and showed its clients."""

    policy: str
    convention: str
    workload: Workload
    kept: dict[str, int] = field(default_factory=dict)
    #: Error replies by code, per role: ``{"pressure": Counter({"OOM": 12}), ...}``.
    errors: dict[str, Counter[str]] = field(default_factory=dict)
    #: The first reply each blocked agent got: ``"entry"``, ``"none"`` (unblocked by us) or an error code.
    blocked_first: Counter[str] = field(default_factory=Counter)
    #: The reply to the retry of the agents whose wait ended in an error.
    blocked_retry: Counter[str] = field(default_factory=Counter)
    #: Pressure written (x maxmemory) when each blocked agent lost its stream.
    lost_at: list[float] = field(default_factory=list)
    evicted_keys: int = 0
    #: Keys of other data written before the jobs (``kept["old data"]`` of them are left).
    old_data_written: int = 0

    def total(self, role: str) -> int:
        return int(getattr(self.workload, role))

    def lost(self, role: str) -> int:
        return self.total(role) - self.kept[role]

    def in_flight_kept(self) -> tuple[int, int]:
        roles = ("queued", "blocked", "writing")
        return sum(self.kept[r] for r in roles), sum(self.total(r) for r in roles)

    def errors_by_code(self) -> dict[str, Counter[str]]:
        """``{"NOGROUP": Counter({"queued": 20, "blocked retry": 20}), ...}``: every error reply, by code and role."""
        by_role = {role: Counter(counts) for role, counts in self.errors.items()}
        by_role["blocked agents"] = Counter({c: n for c, n in self.blocked_first.items() if c not in ("entry", "none")})
        by_role["blocked retry"] = Counter(self.blocked_retry)
        codes: dict[str, Counter[str]] = {}
        for role, counts in by_role.items():
            for code, n in counts.items():
                codes.setdefault(code, Counter())[role] += n
        return codes

    def error_summary(self) -> str:
        """``"NOGROUP x40 (queued 20, blocked retry 20), UNBLOCKED x20 (blocked agents 20)"`` or ``"none"``."""
        parts = []
        for code, roles in sorted(self.errors_by_code().items()):
            detail = ", ".join(f"{role} {n}" for role, n in sorted(roles.items()))
            parts.append(f"{code} x{roles.total()} ({detail})")
        return ", ".join(parts) or "none"


def error_code(error: Exception) -> str:
    """``"OOM"``, ``"UNBLOCKED"``, ``"NOGROUP"``, ...: the code that starts a Redis error reply.

    redis-py strips the codes it maps to classes (``OOM`` -> ``OutOfMemoryError``).
    """
    if isinstance(error, redis.exceptions.OutOfMemoryError):
        return "OOM"
    if isinstance(error, redis.ResponseError):
        word = str(error).split(" ", 1)[0]
        return word if word.isupper() else "ERR"
    return type(error).__name__


def _count(counter: Counter[str], replies: list[object]) -> None:
    counter.update(error_code(reply) for reply in replies if isinstance(reply, Exception))


class _Progress:
    """Pressure written so far, as a multiple of maxmemory; read by the agent threads."""

    def __init__(self) -> None:
        self.value = 0.0


@dataclass
class _Agent:
    """An agent blocked in XREADGROUP on one job's stream, in its own thread and connection."""

    port: int
    stream: str
    name: str
    progress: _Progress
    retry_now: threading.Event
    #: Longer than the whole run: the run itself ends every wait.
    socket_timeout: float
    client_id: int = -1
    first: str = ""
    retry: str = ""
    lost_at: float | None = None
    ready: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None

    def start(self) -> None:
        self.thread = threading.Thread(target=self._run, name=f"agent-{self.name}", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        with client(self.port, socket_timeout=self.socket_timeout) as connection:
            self.client_id = int(connection.client_id())
            self.ready.set()
            try:
                # BLOCK 0 waits forever; the run ends every wait (entry, eviction or CLIENT UNBLOCK).
                reply = connection.xreadgroup(GROUP, self.name, {self.stream: ">"}, count=1, block=0)
                self.first = "entry" if reply else "none"
            except redis.RedisError as error:
                self.first = error_code(error)
                self.lost_at = self.progress.value
                self.retry_now.wait(WAIT_TIMEOUT)
                try:
                    reply = connection.xreadgroup(GROUP, self.name, {self.stream: ">"}, count=1)
                    self.retry = "entry" if reply else "none"
                except redis.RedisError as retry_error:
                    self.retry = error_code(retry_error)


def _job(pipe: redis.client.Pipeline, stream: str, workload: Workload, ttl: int | None) -> None:
    """A job's stream with its first events and the agents' consumer group (reading from the start)."""
    payload = "p" * workload.entry_bytes
    for step in range(workload.entries_per_job):
        pipe.xadd(stream, {"event": f"step-{step}", "payload": payload})
    pipe.xgroup_create(stream, GROUP, id="0")
    if ttl is not None:
        pipe.expire(stream, ttl)


def _set_many(
    connection: redis.Redis, prefix: str, start: int, count: int, workload: Workload, ttl: int | None
) -> list[object]:
    value = b"v" * workload.value_bytes
    with connection.pipeline(transaction=False) as pipe:
        for n in range(start, start + count):
            pipe.set(f"{prefix}:{n}", value, ex=ttl)
        replies: list[object] = pipe.execute(raise_on_error=False)
    return replies


def _server_seconds(connection: redis.Redis) -> float:
    seconds, micros = connection.time()
    return seconds + micros / 1e6


def _wait_server_seconds(connection: redis.Redis, seconds: float) -> None:
    """Wait ``seconds`` of the server's clock (``TIME``), e.g. for its LRU clock to tick."""
    start = _server_seconds(connection)
    wait_until(
        lambda: _server_seconds(connection) - start >= seconds, timeout=seconds + WAIT_TIMEOUT, what=f"{seconds} s"
    )


def _deliver_and_ack(connection: redis.Redis, reads: list[tuple[str, str, int | None]], errors: Counter[str]) -> None:
    """For each ``(stream, consumer, count)``: XREADGROUP then XACK what was delivered."""
    with connection.pipeline(transaction=False) as pipe:
        for stream, consumer, count in reads:
            pipe.xreadgroup(GROUP, consumer, {stream: ">"}, count=count)
        replies = pipe.execute(raise_on_error=False)
        _count(errors, replies)
        for reply in replies:
            for stream, entries in reply if isinstance(reply, list) else []:
                pipe.xack(stream, GROUP, *(entry_id for entry_id, _fields in entries))
        _count(errors, pipe.execute(raise_on_error=False))


def _has_group(connection: redis.Redis, stream: str) -> bool:
    try:
        groups = connection.xinfo_groups(stream)
    except redis.ResponseError:  # no such key
        return False
    return any(group["name"] == GROUP for group in groups)


def run_lifecycle(
    port: int, maxmemory: int, policy: str, convention: TtlConvention, workload: Workload = Workload()
) -> Outcome:
    """Drive one lifecycle on the server at ``port`` (empty, ``maxmemory`` bytes) and return the outcome."""
    outcome = Outcome(policy=policy, convention=convention.name, workload=workload)
    roles = ("setup", "pressure", "writing XADD", "writing XREADGROUP", "dispatcher", "queued")
    errors = {role: Counter[str]() for role in roles}
    outcome.errors = errors
    queued = [f"job:queued:{n}:events" for n in range(workload.queued)]
    blocked = [f"job:blocked:{n}:events" for n in range(workload.blocked)]
    writing = [f"job:writing:{n}:events" for n in range(workload.writing)]
    finished = [f"job:finished:{n}:events" for n in range(workload.finished)]
    progress = _Progress()
    retry_now = threading.Event()
    socket_timeout = workload.jobs_idle_seconds + workload.pressure_phases * 1.1 + 5 * WAIT_TIMEOUT
    agents = [
        _Agent(port, stream, f"agent-{n}", progress, retry_now, socket_timeout) for n, stream in enumerate(blocked)
    ]

    with client(port) as db:
        # 1. other data, older than every job
        old_count = int(workload.old_data_share * maxmemory) // workload.value_bytes
        for start in range(0, old_count, workload.batch):
            count = min(workload.batch, old_count - start)
            _count(errors["setup"], _set_many(db, "data:old", start, count, workload, convention.other_ttl))
        # 2.-5. the jobs
        with db.pipeline(transaction=False) as pipe:
            for stream in finished:
                _job(pipe, stream, workload, convention.finished_ttl)
            for stream in [*queued, *blocked, *writing]:
                _job(pipe, stream, workload, convention.in_flight_ttl)
            _count(errors["setup"], pipe.execute(raise_on_error=False))
        # finished: every entry delivered and acknowledged; in flight: the first one
        _deliver_and_ack(db, [(stream, "agent", None) for stream in finished], errors["setup"])
        _deliver_and_ack(db, [(s, f"agent-{n}", 1) for n, s in enumerate([*blocked, *writing])], errors["setup"])
        # the blocked agents take the rest (unacknowledged, as work in progress), then wait for the next entry
        with db.pipeline(transaction=False) as pipe:
            for agent in agents:
                pipe.xreadgroup(GROUP, agent.name, {agent.stream: ">"})
            _count(errors["setup"], pipe.execute(raise_on_error=False))
        for agent in agents:
            agent.start()
            agent.ready.wait(WAIT_TIMEOUT)
        wait_until(
            lambda: int(db.info("clients")["blocked_clients"]) == len(agents),
            timeout=WAIT_TIMEOUT,
            what=f"{len(agents)} agents blocked in XREADGROUP",
        )
        _wait_server_seconds(db, workload.jobs_idle_seconds)
        evicted_before = int(db.info("stats")["evicted_keys"])  # no CONFIG RESETSTAT: CONFIG may be guarded

        # 6. pressure: new data in phases one LRU second apart, while the writing jobs progress
        total = int(workload.pressure_factor * maxmemory) // workload.value_bytes
        phase = -(-total // workload.pressure_phases)
        for start in range(0, total, workload.batch):
            if start and start // phase != (start - workload.batch) // phase:
                _wait_server_seconds(db, 1.1)  # Redis's LRU clock counts whole seconds
            count = min(workload.batch, total - start)
            with db.pipeline(transaction=False) as pipe:
                for n, stream in enumerate(writing):
                    pipe.xadd(stream, {"event": "progress", "n": start})
                    pipe.xreadgroup(GROUP, f"writer-{n}", {stream: ">"}, count=1)
                replies = pipe.execute(raise_on_error=False)
            _count(errors["writing XADD"], replies[0::2])
            _count(errors["writing XREADGROUP"], replies[1::2])
            _count(errors["pressure"], _set_many(db, "data:new", start, count, workload, convention.other_ttl))
            progress.value = (start + count) * workload.value_bytes / maxmemory

        outcome.evicted_keys = int(db.info("stats")["evicted_keys"]) - evicted_before
        outcome.kept = {
            role: sum(_has_group(db, stream) for stream in streams)
            for role, streams in (("queued", queued), ("blocked", blocked), ("writing", writing))
        }
        outcome.kept["finished"] = sum(int(db.exists(stream)) for stream in finished)
        outcome.kept["old data"] = sum(int(db.exists(f"data:old:{n}")) for n in range(old_count))
        outcome.old_data_written = old_count

        # 7. the dispatcher deletes the finished jobs (DEL works even when Redis is out of
        #    memory) and sends every blocked job its next event
        if finished:
            db.delete(*finished)
        refused = []
        for agent in agents:
            try:
                db.xadd(agent.stream, {"event": "next"})
            except redis.RedisError as error:
                errors["dispatcher"][error_code(error)] += 1
                refused.append(agent)
        if refused:  # their entry never came: end each wait as a client-side timeout would
            # CLIENT UNBLOCK is an admin command (the command guard denies it to the default
            # user), so the harness sends it as the test-only admin, not as the dispatcher.
            with client(port, username=TEST_ADMIN[0], password=TEST_ADMIN[1]) as admin:
                for agent in refused:
                    admin.client_unblock(agent.client_id)
        retry_now.set()
        for agent in agents:
            assert agent.thread is not None
            agent.thread.join(WAIT_TIMEOUT)
            assert not agent.thread.is_alive(), f"{agent.name} still waits on {agent.stream}"
            outcome.blocked_first[agent.first] += 1
            if agent.retry:
                outcome.blocked_retry[agent.retry] += 1
            if agent.lost_at is not None:
                outcome.lost_at.append(agent.lost_at)
        # 8. an agent picks up every queued job
        with db.pipeline(transaction=False) as pipe:
            for stream in queued:
                pipe.xreadgroup(GROUP, "late-agent", {stream: ">"}, count=1)
            _count(errors["queued"], pipe.execute(raise_on_error=False))
    outcome.lost_at.sort()
    return outcome


def table(outcomes: list[Outcome]) -> str:
    """A Markdown table of the outcomes, for the terminal and the README."""
    lines = [
        "| policy | TTLs set by the clients | in-flight jobs kept (blocked, queued, writing) | finished jobs kept "
        "| evicted keys | blocked jobs lost at (x maxmemory written) | client-visible errors |",
        "| --- | --- | --- | ---: | ---: | --- | --- |",
    ]
    for o in outcomes:
        kept, total = o.in_flight_kept()
        roles = ", ".join(f"{o.kept[role]}/{o.total(role)}" for role in ("blocked", "queued", "writing"))
        when = f"{o.lost_at[0]:.2f} to {o.lost_at[-1]:.2f}" if o.lost_at else "-"
        lines.append(
            f"| {o.policy} | {o.convention} | **{kept}/{total}** ({roles}) "
            f"| {o.kept['finished']}/{o.total('finished')} | {o.evicted_keys} | {when} | {o.error_summary()} |"
        )
    return "\n".join(lines)
