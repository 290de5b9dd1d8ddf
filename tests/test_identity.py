"""agentsmith/_identity.py: what the library remembers about apps, charts and objects, by identity.

A user's App, Chart or ApiObject subclass that defines ``__eq__`` without
``__hash__`` cannot be hashed; the library must still build, check and
synthesise around it (``weakref.WeakKeyDictionary`` would raise ``TypeError``).
"""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import cdk8s
import pytest
import yaml
from _support import assert_config_error

from agentsmith import EphemeralRedis, RedisMetrics, redis_url_env
from agentsmith.core.identity import IdentityMap


class _Key:
    """Unhashable, weak-referenceable, equal to every other _Key: only identity tells them apart."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Key)

    __hash__ = None  # type: ignore[assignment]


def test_keys_are_told_apart_by_identity_not_equality() -> None:
    first, second = _Key(), _Key()
    seen: IdentityMap[_Key, str] = IdentityMap()
    seen[first] = "first"
    assert first in seen and second not in seen
    assert seen.get(second) is None and seen.get(second, "none") == "none"
    assert seen.setdefault(second, "second") == "second"
    seen[first] = "again"
    assert (seen[first], seen[second], len(seen)) == ("again", "second", 2)
    del seen[second]
    with pytest.raises(KeyError):
        seen[second]
    with pytest.raises(KeyError):
        del seen[second]


def test_an_entry_goes_with_its_key() -> None:
    seen: IdentityMap[_Key, int] = IdentityMap()
    kept, dropped = _Key(), _Key()
    seen[kept], seen[dropped] = 1, 2
    del dropped
    gc.collect()
    assert len(seen) == 1 and len(seen._entries) == 1
    # A new object that happens to get the dead one's id is not taken for it.
    assert all(seen.get(_Key()) is None for _ in range(100))


def _identity_only(cls: type) -> type:
    """A subclass of ``cls`` whose instances compare by identity and cannot be hashed."""
    return type(f"Eq{cls.__name__}", (cls,), {"__eq__": lambda self, other: self is other, "__hash__": None})


def test_unhashable_user_app_chart_and_objects_are_fine(tmp_path: Path) -> None:
    # GIVEN an app, a chart and objects of the user's own whose classes cannot be hashed
    app = _identity_only(cdk8s.App)(outdir=str(tmp_path))
    chart = _identity_only(cdk8s.Chart)(app, "bus", namespace="jobs", disable_resource_name_hashes=True)
    user_object = _identity_only(cdk8s.ApiObject)
    user_object(chart, "taken", api_version="v1", kind="Service", metadata={"name": "taken"})
    # WHEN buses are built in it, one with a name the user's Service holds
    redis = EphemeralRedis(chart, "redis", metrics=RedisMetrics(), client_namespaces=["ops"])
    assert_config_error(lambda: EphemeralRedis(chart, "clash", name="taken"), prop="name", value="taken")
    ops = cdk8s.Chart(app, "ops", namespace="ops")
    pod: dict[str, Any] = {"containers": [{"name": "worker", "image": "worker:1", "env": [redis_url_env(redis)]}]}
    user_object(ops, "worker", api_version="v1", kind="Pod", metadata={"name": "worker"}).add_json_patch(
        cdk8s.JsonPatch.add("/spec", pod)
    )
    # THEN the app synthesises, with the collision and wiring checks run
    kinds = sorted(doc["kind"] for doc in yaml.safe_load_all(app.synth_yaml()) if doc)
    assert kinds.count("Deployment") == 1 and kinds.count("Secret") == 2 and "Pod" in kinds
