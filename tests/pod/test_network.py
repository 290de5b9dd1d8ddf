"""RedisNetwork and NetworkPeer: one exact error per bad field. Factories, repr and the unmanaged network:
tests/pod/test_filesystem.py."""

from __future__ import annotations

import pytest
from _bad_props import BadChart, BadInput, bad

from agentsmith import NetworkPeer, RedisNetwork

# -- Bad props: one exact error each, before any API object (tests/_bad_props.py) --------

BAD_PROPS = [
    bad(
        "network-policy-with-no-peers-none",
        "redis",
        "network.allow_from",
        None,
        "must be a sequence of NetworkPeer",
        "Pass a tuple of NetworkPeer.",
        network=RedisNetwork.policy(allow_from=None),  # type: ignore[arg-type]
    ),
    bad(
        "network-selector-key",
        "redis",
        "network.allow_from[0].pod_selector",
        "a b",
        "key name must be at most 63 characters of letters, digits, '-', '_' and '.', starting and ending with a "
        "letter or digit",
        "Did you mean 'a-b'?",
        network=RedisNetwork.policy(allow_from=[NetworkPeer(pod_selector={"a b": "c"})]),
    ),
    bad(
        "network-a-peer",
        "redis",
        "network",
        NetworkPeer(),
        "must be an agentsmith.RedisNetwork",
        "Use RedisNetwork.policy(allow_from=...) or RedisNetwork.unmanaged().",
    ),
    bad(
        "network-peer-not-a-peer",
        "redis",
        "network.allow_from[0]",
        "app=dispatcher",
        "must be an agentsmith.NetworkPeer",
        "Pass NetworkPeer(...).",
        network=RedisNetwork.policy(allow_from=["app=dispatcher"]),  # type: ignore[list-item]
    ),
]


@pytest.mark.parametrize("row", BAD_PROPS)
def test_bad_input_raises_one_exact_error_before_any_api_object(row: BadInput, bad_chart: BadChart) -> None:
    bad_chart.refuses(row)
