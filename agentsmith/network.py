"""Who may reach Redis: typed peers for the NetworkPolicy."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

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


#: The default: every pod in Redis's own namespace (the Dispatcher and agents).
SAME_NAMESPACE: tuple[NetworkPeer, ...] = (NetworkPeer(),)
