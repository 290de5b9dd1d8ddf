"""Who may reach Redis: typed peers for the NetworkPolicy."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from ._rules import PathArg, fail, selector

__all__ = ["SAME_NAMESPACE", "NetworkPeer"]


@dataclass(frozen=True, kw_only=True)
class NetworkPeer:
    """One ``from`` entry of the Redis NetworkPolicy's ingress rule.

    Attributes:
        pod_selector: match labels of the pods allowed in. Default ``{}``: all
            pods (of the namespaces that ``namespace_selector`` picks).
        namespace_selector: match labels of the namespaces allowed in.
            Default ``None``: only Redis's own namespace.

    ``NetworkPeer()`` therefore means "every pod in Redis's namespace", and
    ``NetworkPeer(namespace_selector={"kubernetes.io/metadata.name": "ci"},
    pod_selector={"app": "runner"})`` means "pods labelled app=runner in
    namespace ci".
    """

    pod_selector: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    namespace_selector: Mapping[str, str] | None = None

    def _policy_entry(self) -> dict[str, Any]:
        """This peer as a NetworkPolicy ``from`` entry.

        An empty pod selector (every pod) is written as ``{}`` without
        ``matchLabels``: Kustomize's ``commonLabels`` (and ``labels`` with
        ``includeSelectors``) add their labels to an existing ``matchLabels``,
        which would then admit only pods carrying them.
        """
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
            selector(path, f"allow_from[{index}].pod_selector", peer.pod_selector)
            if peer.namespace_selector is not None:
                selector(path, f"allow_from[{index}].namespace_selector", peer.namespace_selector)
        return tuple(value)


#: The default: every pod in Redis's own namespace (the Dispatcher and agents).
SAME_NAMESPACE: tuple[NetworkPeer, ...] = (NetworkPeer(),)
