"""Who may reach Redis: typed peers for the NetworkPolicy."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar, Final

from agentsmith.core import seed
from agentsmith.core.rules import NAMESPACE_NAME_LABEL, PathArg, fail, selector
from agentsmith.core.values import FactoryBuilt, frozen_sequence, plain_repr

__all__ = ["DEFAULT_NETWORK", "SAME_NAMESPACE", "NetworkPeer", "RedisNetwork"]


@dataclass(frozen=True, kw_only=True, repr=False)
class NetworkPeer:
    """One ``from`` entry of the Redis NetworkPolicy's ingress rule.

    Attributes:
        pod_selector: Default ``{}``: every pod (of the namespaces ``namespace_selector`` picks).
        namespace_selector: Default ``None``: Redis's own namespace only.
    """

    pod_selector: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    namespace_selector: Mapping[str, str] | None = None

    def __repr__(self) -> str:
        """``NetworkPeer(pod_selector={...}, namespace_selector=...)``: a call that rebuilds this peer."""
        return plain_repr(self)

    def _policy_entry(self) -> dict[str, Any]:
        """This peer as a ``from`` entry (every pod as ``{}``: Kustomize labels would fill an empty ``matchLabels``)."""
        entry: dict[str, Any] = {"podSelector": {"matchLabels": dict(self.pod_selector)} if self.pod_selector else {}}
        if self.namespace_selector is not None:
            entry["namespaceSelector"] = {"matchLabels": dict(self.namespace_selector)}
        return entry

    @staticmethod
    def _check_all(path: PathArg, value: object, *, prop: str = "allow_from") -> tuple[NetworkPeer, ...]:
        """``allow_from`` (or ``prop``): a non-empty sequence of NetworkPeer with valid selectors.

        Empty is refused: a NetworkPolicy rule with ``from: []`` admits every
        source, the opposite of what an empty allow list reads as.
        """
        if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
            raise fail(path, prop, value, "must be a sequence of NetworkPeer", "Pass a tuple of NetworkPeer.")
        if not value:
            raise fail(
                path,
                prop,
                value,
                "must not be empty: a NetworkPolicy rule with no peers admits every source",
                "Name the peers, e.g. (NetworkPeer(pod_selector={'app': 'dispatcher'}),), or keep SAME_NAMESPACE.",
            )
        for index, peer in enumerate(value):
            if not isinstance(peer, NetworkPeer):
                raise fail(
                    path, f"{prop}[{index}]", peer, "must be an agentsmith.NetworkPeer", "Pass NetworkPeer(...)."
                )
            selector(path, f"{prop}[{index}].pod_selector", peer.pod_selector)
            if peer.namespace_selector is not None:
                selector(path, f"{prop}[{index}].namespace_selector", peer.namespace_selector)
        return tuple(value)


#: The default: every pod in Redis's own namespace (the Dispatcher and agents).
SAME_NAMESPACE: tuple[NetworkPeer, ...] = (NetworkPeer(),)


_FACTORIES: Final = "RedisNetwork.policy(allow_from=...) or RedisNetwork.unmanaged()"


@dataclass(frozen=True, init=False, repr=False)
class RedisNetwork(FactoryBuilt):
    """Who may reach ``EphemeralRedis`` over the network (``network=``); build it with a factory.

    Attributes:
        creates_policy: ``True`` for :meth:`policy`, ``False`` for :meth:`unmanaged`.
        allow_from: the peers admitted on the Redis port (:meth:`policy`), else ``None``.
    """

    creates_policy: bool
    allow_from: tuple[NetworkPeer, ...] | None

    _factories: ClassVar[str] = _FACTORIES

    def __repr__(self) -> str:
        """The factory call that builds this value."""
        if not self.creates_policy:
            return "RedisNetwork.unmanaged()"
        return f"RedisNetwork.policy(allow_from={self.allow_from!r})"

    @classmethod
    def policy(cls, *, allow_from: Sequence[NetworkPeer] = SAME_NAMESPACE) -> RedisNetwork:
        """A NetworkPolicy: ingress only on the Redis port, only from ``allow_from``, no egress. The default.

        Args:
            allow_from: Default :data:`SAME_NAMESPACE`: every pod in Redis's namespace. Not empty (a rule
                without peers admits everyone).
        """
        return cls._build(creates_policy=True, allow_from=frozen_sequence(allow_from))

    @classmethod
    def unmanaged(cls) -> RedisNetwork:
        """No NetworkPolicy: use it only where another policy layer (a service mesh) restricts who reaches Redis."""
        return cls._build(creates_policy=False, allow_from=None)

    @staticmethod
    def _check(path: PathArg, value: object, *, prop: str = "network") -> RedisNetwork:
        """``network``: a RedisNetwork from a factory, with valid peers."""
        if not isinstance(value, RedisNetwork):
            raise fail(path, "network", value, "must be an agentsmith.RedisNetwork", f"Use {_FACTORIES}.")
        if value.creates_policy:
            NetworkPeer._check_all(path, value.allow_from, prop="network.allow_from")
        return value


#: The seed's network: a NetworkPolicy admitting every pod of Redis's namespace (:meth:`RedisNetwork.policy`).
DEFAULT_NETWORK: Final = RedisNetwork.policy()


def policy_manifest(
    network: RedisNetwork,
    *,
    metadata: Mapping[str, Any],
    pod_selector: Mapping[str, str],
    port: int,
    client_namespaces: Sequence[str],
    metrics: tuple[list[dict[str, Any]], int] | None,
) -> dict[str, Any]:
    """The NetworkPolicy of a ``policy()`` network: the Redis port from ``allow_from`` and ``client_namespaces``,
    the exporter's port from its scrapers (``metrics``: their peers and the port), no egress."""
    clients = [NetworkPeer(namespace_selector={NAMESPACE_NAME_LABEL: c}) for c in client_namespaces]
    peers = [peer._policy_entry() for peer in (*(network.allow_from or ()), *clients)]
    # Scrapers reach the exporter's port only; the Redis rule does not admit them.
    scrapers = [] if metrics is None else [{"from": metrics[0], "ports": [{"port": metrics[1], "protocol": "TCP"}]}]
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": dict(metadata),
        "spec": {
            "podSelector": {"matchLabels": pod_selector},
            # Egress listed with no rules: Redis needs no outbound traffic at all.
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [{"from": peers, "ports": [{"port": port, "protocol": seed.REDIS_PROTOCOL}]}, *scrapers],
            "egress": [],
        },
    }


def admits(network: RedisNetwork, namespace: str, client_namespaces: Sequence[str]) -> bool:
    """Whether the policy may admit pods of ``namespace`` (a selector without the name label may match any)."""
    if namespace in client_namespaces:
        return True
    for peer in network.allow_from or ():
        names = peer.namespace_selector
        if names is not None and names.get(NAMESPACE_NAME_LABEL, namespace) == namespace:
            return True
    return False
