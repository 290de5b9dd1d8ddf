"""The one registry of the library's public constructs, for every test that builds "each construct".

A construct exported by ``agentsmith.__all__`` (a subclass of ``constructs.Construct``)
must be listed here: ``tests/test_constructs_registry.py`` fails otherwise, and then
checks each entry (see DEVELOPMENT.md, "Adding a construct"). ``tests/test_construct.py``
(scope, id, failed construction), ``tests/_bad_props.py`` (exact errors) and
the generated props (:mod:`testkit.generated_props`) read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agentsmith import AgentsmithNamespace, EphemeralRedis, ExternalRedis, RedisConnectionSecret


@dataclass(frozen=True)
class PublicConstruct:
    """One public construct and the props the shared tests build it with."""

    #: The class, as exported by ``agentsmith``.
    cls: type[Any]
    #: Short name: the construct id and the test id in the shared tests ("redis" gives paths like [test/redis]).
    key: str
    #: One invalid prop: building with it raises AgentsmithConfigError.
    bad: dict[str, Any]
    #: Props it cannot be built without (empty: none).
    required: dict[str, Any] = field(default_factory=dict)
    #: Cluster-scoped (a Namespace): built in a chart without a namespace.
    cluster_scoped: bool = False


#: Every public construct, keyed by class name.
CONSTRUCTS: dict[str, PublicConstruct] = {
    entry.cls.__name__: entry
    for entry in (
        PublicConstruct(EphemeralRedis, "redis", bad={"maxmemory": "300mb"}),
        PublicConstruct(
            ExternalRedis, "external", bad={"url": "http://cache:6379"}, required={"url": "redis://cache:6379"}
        ),
        PublicConstruct(AgentsmithNamespace, "namespace", bad={"name": "kube-system"}, cluster_scoped=True),
        PublicConstruct(
            RedisConnectionSecret,
            "secret",
            bad={"url": "redis://:pw@cache:6379"},
            required={"url": "redis://redis:6379"},
        ),
    )
}
#: The same entries by short name.
BY_KEY: dict[str, PublicConstruct] = {entry.key: entry for entry in CONSTRUCTS.values()}
