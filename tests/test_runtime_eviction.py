"""Runtime: what each eviction policy does to agentsmith's jobs under memory pressure (issue 14).

The seed promised that under ``allkeys-lru`` "old stream entries are evicted
before active ones". A job whose agent waits in ``XREADGROUP ... BLOCK`` is in
flight, yet its stream is an idle key to LRU. These tests run the job lifecycle
of ``testkit/job_lifecycle.py`` (queued, blocked, writing and finished jobs plus
other data, then new data worth 2 x ``maxmemory``) on a real redis-server per
scenario and assert what each policy keeps and what the clients see.

Every server runs the container args of a synthesised ``EphemeralRedis``
(``--maxmemory``, ``--maxmemory-policy``, ``--save ""``, and whatever else the
construct adds), as ``runAsUser`` when the tests run as root, like
``tests/test_runtime.py``.

To keep CI fast the construct is synthesised with ``maxmemory="8mb"`` and a
memory limit of ``32Mi`` (the smallest the construct's headroom rule takes for 8mb
with the default ``max_value_size``, rounded up) instead of filling 256mb; values are 8 KiB so eviction
works on about a thousand keys. The process's own memory does not scale down
(about 20 MB RSS here), so the container limit is not checked at this size;
``tests/test_runtime_sizing.py`` checks it at the default 256mb/512Mi.

Redis's approximate LRU samples ``maxmemory-samples`` keys per eviction (5 by
default; the container does not set it): one scenario adds
``--maxmemory-samples 10`` (a test-only addition) to show that sampling more
keys, i.e. a truer LRU, loses the blocked jobs all the same.

The scenarios run concurrently, each on its own server; the table is printed at
the end of the module (also without ``-s``). No assertion depends on timing.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cdk8s
import pytest
from _support import in_memory_app, require_redis_server, require_tool

from agentsmith import EphemeralRedis, Resources
from agentsmith.core.quantity import parse_redis_memory
from testkit.job_lifecycle import (
    FINISHED_ONLY_TTLS,
    SEED_TTLS,
    SEED_TTLS_OTHER_DATA_TOO,
    Outcome,
    TtlConvention,
    run_lifecycle,
    table,
)
from testkit.manifests import the_container
from testkit.redis_runtime import TEST_ADMIN_ARGS, make_workdir, parse_redis_args, run_as, start_redis

pytestmark = pytest.mark.runtime

#: Small: 8mb x 29/16 for the allocator plus twice max_value_size (8mb) for clients is 30.5 MiB.
MAXMEMORY = "8mb"
MEMORY_LIMIT = "32Mi"


@dataclass(frozen=True)
class Scenario:
    policy: str
    ttls: TtlConvention
    #: Test-only redis-server options appended after the container's args.
    extra_args: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return " ".join([self.policy, *self.extra_args])


SCENARIOS: dict[str, Scenario] = {
    "allkeys-lru": Scenario("allkeys-lru", SEED_TTLS),  # the seed, the default
    "allkeys-lru-samples-10": Scenario("allkeys-lru", SEED_TTLS, ("--maxmemory-samples", "10")),
    "allkeys-lru-finished-only-ttls": Scenario("allkeys-lru", FINISHED_ONLY_TTLS),
    "allkeys-lfu": Scenario("allkeys-lfu", SEED_TTLS),
    "volatile-lru": Scenario("volatile-lru", SEED_TTLS),
    "volatile-lru-other-data-ttl": Scenario("volatile-lru", SEED_TTLS_OTHER_DATA_TOO),
    "volatile-ttl": Scenario("volatile-ttl", SEED_TTLS_OTHER_DATA_TOO),
    "volatile-lfu": Scenario("volatile-lfu", SEED_TTLS_OTHER_DATA_TOO),
    "noeviction": Scenario("noeviction", SEED_TTLS),
    "volatile-lru-finished-only-ttls": Scenario("volatile-lru", FINISHED_ONLY_TTLS),  # the opt-in
    "volatile-ttl-finished-only-ttls": Scenario("volatile-ttl", FINISHED_ONLY_TTLS),
}


def synthesised_container(policy: str) -> dict[str, Any]:
    """The ``redis`` container of ``EphemeralRedis(maxmemory=MAXMEMORY, maxmemory_policy=policy)``."""
    chart = cdk8s.Chart(in_memory_app(), "eviction", namespace="agentsmith", disable_resource_name_hashes=True)
    EphemeralRedis(
        chart,
        "redis",
        maxmemory=MAXMEMORY,
        maxmemory_policy=policy,
        resources=Resources(memory_request=MEMORY_LIMIT, memory_limit=MEMORY_LIMIT),
    )
    (deployment,) = [o for o in cdk8s.Testing.synth(chart) if o["kind"] == "Deployment"]
    container = the_container(deployment)
    assert "command" not in container, "the runtime tests assume the image's redis-server entrypoint"
    return dict(container)


def _run(scenario: Scenario, container: dict[str, Any], redis_server: str, log_dir: Path) -> Outcome:
    security = container["securityContext"]
    uid = security["runAsUser"]
    no_new_privs = security.get("allowPrivilegeEscalation") is False
    setpriv = require_tool("setpriv", "apt-get install util-linux") if os.geteuid() == 0 else None
    prefix = run_as(uid, setpriv=setpriv, no_new_privs=no_new_privs) if setpriv else []
    workdir = make_workdir(uid if prefix else None)
    try:
        server = start_redis(
            redis_server,
            # The container's args, the scenario's, then a test-only admin for the harness's
            # CLIENT UNBLOCK (every client of the lifecycle is the guarded default user).
            [*container["args"], *scenario.extra_args, *TEST_ADMIN_ARGS],
            user_prefix=prefix,
            workdir=workdir,
            log_path=log_dir / "redis.log",
        )
        try:
            maxmemory = parse_redis_memory(parse_redis_args(container["args"])["maxmemory"])
            outcome = run_lifecycle(server.port, maxmemory, scenario.label, scenario.ttls)
        finally:
            server.stop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return outcome


@pytest.fixture(scope="module")
def containers() -> dict[str, dict[str, Any]]:
    """One synthesised container per policy (jsii: here, in the main thread, never in the workers)."""
    return {policy: synthesised_container(policy) for policy in sorted({s.policy for s in SCENARIOS.values()})}


@pytest.fixture(scope="module")
def outcomes(
    containers: dict[str, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[dict[str, Outcome]]:
    """Every scenario, run concurrently (each waits about 4 s of LRU clock), printed as a table."""
    redis_server = require_redis_server(next(iter(containers.values()))["image"])
    with ThreadPoolExecutor(max_workers=len(SCENARIOS), thread_name_prefix="eviction") as pool:
        futures = {
            key: pool.submit(_run, s, containers[s.policy], redis_server, tmp_path_factory.mktemp(key))
            for key, s in SCENARIOS.items()
        }
        results = {key: future.result() for key, future in futures.items()}
    yield results
    # Printed past pytest's output capture (as capsys.disabled() does), for the closing note.
    text = f"\neviction under memory pressure (maxmemory {MAXMEMORY}, new data 2 x maxmemory):\n"
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled() if capture is not None else contextlib.nullcontext():
        print(text + table(list(results.values())), flush=True)


def test_synthesised_args_carry_the_policy_and_the_small_maxmemory(containers: dict[str, dict[str, Any]]) -> None:
    for policy, container in containers.items():
        options = parse_redis_args(container["args"])
        assert (options["maxmemory"], options["maxmemory-policy"], options["save"]) == (MAXMEMORY, policy, "")


# --------------------------------------------------------------------------- what every run shows


@pytest.mark.parametrize("key", list(SCENARIOS))
def test_clients_see_each_loss(outcomes: dict[str, Outcome], key: str) -> None:
    """Whatever the policy: an evicted blocked stream ends its agent's wait with UNBLOCKED, then NOGROUP."""
    outcome = outcomes[key]
    assert sum(outcome.errors["setup"].values()) == 0, f"setting up the jobs failed: {outcome.errors['setup']}"
    lost = outcome.lost("blocked")
    assert outcome.blocked_first["UNBLOCKED"] == lost, outcome.blocked_first
    assert outcome.blocked_retry == ({"NOGROUP": lost} if lost else {}), outcome.blocked_retry
    assert outcome.errors["queued"]["NOGROUP"] == outcome.lost("queued"), outcome.errors["queued"]
    kept_agents = outcome.blocked_first["entry"] + outcome.blocked_first["none"]
    assert kept_agents == outcome.kept["blocked"], outcome.blocked_first


# --------------------------------------------------------------------------- per policy


def test_allkeys_lru_the_seed_default_silently_loses_blocked_and_queued_jobs(outcomes: dict[str, Outcome]) -> None:
    for key in ("allkeys-lru", "allkeys-lru-samples-10", "volatile-lru-other-data-ttl"):
        outcome = outcomes[key]
        # more than half of the waiting jobs lost (every run so far: all of them) ...
        assert outcome.lost("blocked") > outcome.total("blocked") // 2, table([outcome])
        assert outcome.lost("queued") > outcome.total("queued") // 2, table([outcome])
        # ... while the streams touched continuously survive better ...
        assert outcome.kept["writing"] > outcome.kept["blocked"], table([outcome])
        # ... and no write was ever refused: nothing but the agents' errors tells.
        assert sum(outcome.errors["pressure"].values()) == 0, outcome.errors
        assert sum(outcome.errors["dispatcher"].values()) == 0, outcome.errors


def test_a_ttl_convention_alone_does_not_protect_under_allkeys_lru(outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes["allkeys-lru-finished-only-ttls"]
    assert outcome.lost("blocked") > outcome.total("blocked") // 2, table([outcome])


def test_volatile_lru_with_ttls_on_every_job_evicts_only_jobs_then_refuses_writes(
    outcomes: dict[str, Outcome],
) -> None:
    """The seed's TTLs with other data without a TTL: the job streams are the only volatile keys."""
    outcome = outcomes["volatile-lru"]
    w = outcome.workload
    assert outcome.in_flight_kept()[0] == 0, table([outcome])
    assert outcome.kept["finished"] == 0
    assert outcome.evicted_keys == w.queued + w.blocked + w.writing + w.finished
    assert outcome.kept["old data"] == outcome.old_data_written > 0, "data without a TTL is never evicted"
    assert outcome.errors["pressure"]["OOM"] > 0, outcome.errors


def test_volatile_ttl_evicts_job_streams_first_even_active_ones(outcomes: dict[str, Outcome]) -> None:
    """Job streams (2 h) expire sooner than other data (24 h): volatile-ttl takes them first, touched or not."""
    outcome = outcomes["volatile-ttl"]
    assert outcome.lost("blocked") > outcome.total("blocked") // 2, table([outcome])
    assert outcome.lost("writing") > 0, table([outcome])
    assert sum(outcome.errors["pressure"].values()) == 0, outcome.errors


@pytest.mark.parametrize("key", ["allkeys-lfu", "volatile-lfu"])
def test_lfu_policies_refuse_no_writes(outcomes: dict[str, Outcome], key: str) -> None:
    """LFU: what it keeps is printed, not asserted; it varies (see README) and decays per idle minute."""
    outcome = outcomes[key]
    assert outcome.evicted_keys > 0
    assert sum(outcome.errors["pressure"].values()) == 0, outcome.errors


def test_noeviction_keeps_every_job_and_refuses_writes_with_oom(outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes["noeviction"]
    kept, total = outcome.in_flight_kept()
    assert kept == total, table([outcome])
    assert outcome.kept["finished"] == outcome.total("finished")
    assert outcome.evicted_keys == 0
    assert outcome.errors["pressure"]["OOM"] > 0, outcome.errors
    assert outcome.errors["writing XADD"]["OOM"] > 0, outcome.errors
    # Reading is never refused. The dispatcher's next XADD to a blocked job, right after it
    # deleted the finished jobs, either went through (the agent got its entry) or was refused
    # with OOM (the agent still waits, its group intact): which, depends on a few bytes.
    assert sum(outcome.errors["writing XREADGROUP"].values()) == 0, outcome.errors
    refused = outcome.errors["dispatcher"]["OOM"]
    expected = Counter(entry=outcome.total("blocked") - refused, none=refused)
    assert outcome.blocked_first == +expected, outcome.blocked_first
    assert set(outcome.errors["pressure"]) == {"OOM"}, outcome.errors
    assert outcome.blocked_first["UNBLOCKED"] == 0


@pytest.mark.parametrize("key", ["volatile-lru-finished-only-ttls", "volatile-ttl-finished-only-ttls"])
def test_opt_in_volatile_policy_with_ttls_only_on_finished_jobs_keeps_every_job(
    outcomes: dict[str, Outcome], key: str
) -> None:
    """The opt-in: no TTL while a job is in flight, EXPIRE when it finishes, ``volatile-lru``."""
    outcome = outcomes[key]
    kept, total = outcome.in_flight_kept()
    assert kept == total, table([outcome])
    assert outcome.blocked_first == {"entry": outcome.total("blocked")}, outcome.blocked_first
    assert outcome.kept["finished"] < outcome.total("finished"), "finished jobs are what should go first"
    assert outcome.evicted_keys > 0
    assert outcome.error_summary() == "none"
