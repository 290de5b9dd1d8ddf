"""Every access mode's manifests, byte for byte as the flag API wrote them (tests/data/modes/README.md).

Each case builds one ``EphemeralRedis`` with the value objects (``RedisAccess``,
``RedisProbes``, ``RedisNetwork``, ``RedisFilesystem``); the comment after it
is the flag-API call that wrote the file it must equal.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from _support import ROOT, SynthRedis

from agentsmith import (
    NetworkPeer,
    ProbeTiming,
    RedisAccess,
    RedisAuth,
    RedisFilesystem,
    RedisMetrics,
    RedisNetwork,
    RedisProbes,
    RedisRole,
    SecretKeyRef,
)

MODES = ROOT / "tests" / "data" / "modes"
AUTH = RedisAuth(secret_name="redis-auth")
ROLES = [RedisRole.dispatcher(secret_name="d"), RedisRole.agent(secret_name="g", previous_password_key="old")]
MET = RedisMetrics()
MET_PW = RedisMetrics(password=SecretKeyRef(name="m", key="p"))
LIVE = ProbeTiming(initial_delay_seconds=1, period_seconds=2, timeout_seconds=3, failure_threshold=4)
READY = ProbeTiming(initial_delay_seconds=5, period_seconds=6, timeout_seconds=7)
REF = SecretKeyRef(name="conn", key="url")
OPEN, SEED = RedisAccess.open, RedisAccess.seed_exact
PASSWORD, ROLE_USERS = RedisAccess.password, RedisAccess.roles

CASES: dict[str, dict[str, Any]] = {
    "default": {},
    "strict": {"access": OPEN(strict_readiness=True)},  # strict_readiness=True
    "seed_exact": {"access": SEED()},  # command_guard=False
    "password": {"access": PASSWORD(AUTH)},  # auth=AUTH
    "password_unguarded": {"access": PASSWORD(AUTH, command_guard=False)},  # auth=AUTH, command_guard=False
    "roles": {"access": ROLE_USERS(ROLES), "metrics": MET_PW},  # roles=ROLES, metrics=MET_PW
    "max_clients": {"access": OPEN(max_clients=50)},  # max_clients=50
    "auth_max": {"access": PASSWORD(AUTH, max_clients=77)},  # auth=AUTH, max_clients=77
    "roles_max": {"access": ROLE_USERS(ROLES, max_clients=99), "metrics": MET_PW},  # roles=..., max_clients=99
    "metrics": {"metrics": MET},
    "metrics_pw": {"metrics": MET_PW},
    "metrics_auth": {"metrics": MET, "access": PASSWORD(AUTH)},  # metrics=MET, auth=AUTH
    "metrics_seed": {"metrics": MET, "access": SEED()},  # metrics=MET, command_guard=False
    "metrics_seed_auth": {"metrics": MET, "access": PASSWORD(AUTH, command_guard=False)},
    "conn": {"access": OPEN(connection_secret=REF)},  # connection_secret=REF
    "conn_ns": {"access": OPEN(connection_secret=REF), "client_namespaces": ["jobs", "ops"]},
    "nopublish": {"access": OPEN(publish_connection_secret=False), "client_namespaces": ["jobs"]},
    "named": {"name": "bus", "port": 6380, "client_namespaces": ["jobs"]},
    "probes": {"probes": RedisProbes(liveness=LIVE, readiness=READY)},  # liveness=LIVE, readiness=READY
    "probes_live": {"probes": RedisProbes(liveness=LIVE)},  # liveness=LIVE
    "probes_auth": {"probes": RedisProbes(readiness=READY), "access": PASSWORD(AUTH), "port": 7000},
    "roles_ns": {"access": ROLE_USERS(ROLES), "client_namespaces": ["jobs"], "port": 7001},
    # read_only_root_filesystem=True, data_size_limit="32Mi", auth=AUTH, strict_readiness=True
    "rofs": {"filesystem": RedisFilesystem.read_only(data_size_limit="32Mi"), "access": PASSWORD(AUTH)},
    "rofs_default": {"filesystem": RedisFilesystem.read_only()},  # read_only_root_filesystem=True
    "nopolicy": {"network": RedisNetwork.unmanaged()},  # network_policy=False
    "nopolicy_ns_metrics": {"network": RedisNetwork.unmanaged(), "client_namespaces": ["jobs"], "metrics": MET},
    "allow": {
        "network": RedisNetwork.policy(
            allow_from=[NetworkPeer(pod_selector={"role": "worker"}), NetworkPeer(namespace_selector={"team": "x"})]
        ),
        "metrics": MET,
    },
    "everything": {
        "name": "bus2",
        "port": 6390,
        "maxmemory": "100mb",
        "maxmemory_policy": "noeviction",
        "labels": {"team": "a"},
        "run_as_user": 1000,
        "cluster_domain": "example.internal",
        "filesystem": RedisFilesystem.read_only(),
        "network": RedisNetwork.policy(allow_from=[NetworkPeer(pod_selector={"role": "worker"})]),
        "client_namespaces": ["jobs"],
        "metrics": MET_PW,
        "probes": RedisProbes(liveness=LIVE),
        "access": OPEN(max_clients=40),
        "image": "redis:7.2",
    },
}


def test_every_recorded_mode_has_a_case() -> None:
    assert sorted(path.name.removesuffix(".k8s.yaml") for path in MODES.glob("*.k8s.yaml")) == sorted(CASES)


@pytest.mark.parametrize("case", sorted(CASES))
def test_mode_is_byte_identical_to_the_flag_api(case: str, synth_redis: SynthRedis) -> None:
    # App.synth_yaml of EphemeralRedis(chart, "redis", **case) alone in a chart of namespace agentsmith
    expected = (MODES / f"{case}.k8s.yaml").read_text(encoding="utf-8")
    assert without_changes_since(synth_redis.yaml(**CASES[case])) == expected


#: An alert's runbook_url annotation as cdk8s writes it (one line: cdk8s does not fold lines).
RUNBOOK_URL = re.compile(
    r"^ {12}runbook_url: https://github\.com/agentsmith/agentsmith-infra/blob/main/docs/operations\.md#agentsmithredis[a-z]+\n$"
)
#: Alerts added since the flag API, on purpose (README.md there): their whole rule is dropped.
ADDED_ALERTS = ("AgentsmithRedisRestarted",)
_RULE = re.compile(r"^( *)- alert: (\w+)\n$")


def without_changes_since(text: str) -> str:
    """``text`` without the changes made on purpose since (README.md there): ``runbook_url`` lines, added alerts."""
    kept: list[str] = []
    dropping: str | None = None  # the indent of the rule being dropped
    for line in text.splitlines(keepends=True):
        rule = _RULE.match(line)
        if dropping is not None:
            indent = len(line) - len(line.lstrip(" "))
            if rule is None and indent > len(dropping):
                continue
            dropping = None
        if rule is not None and rule.group(2) in ADDED_ALERTS:
            dropping = rule.group(1)
            continue
        if not RUNBOOK_URL.match(line):
            kept.append(line)
    return "".join(kept)


def test_only_the_changes_since_are_dropped(synth_redis: SynthRedis) -> None:
    text = synth_redis.yaml(**CASES["metrics"])
    kept = without_changes_since(text)
    dropped = len(text.splitlines()) - len(kept.splitlines())
    # 8 runbook_url lines, and the added rule: its alert, annotations (4 keys, folded text), expr, for, labels
    assert text.count("runbook_url") == 8 and "runbook_url" not in kept
    assert "AgentsmithRedisRestarted" in text and "AgentsmithRedisRestarted" not in kept
    assert "redis_uptime_in_seconds" not in kept
    assert kept.count("- alert: ") == text.count("- alert: ") - len(ADDED_ALERTS)
    assert dropped > 8
