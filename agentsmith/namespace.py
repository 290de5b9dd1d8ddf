"""AgentsmithNamespace: the namespace every agentsmith component runs in, and its PodSecurity labels."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

import cdk8s
from constructs import Construct

from agentsmith.base import manifest
from agentsmith.base.construct import checked_init, public_signature, read_only
from agentsmith.checks import collisions
from agentsmith.core import seed
from agentsmith.core.rules import ConstructPath, PathArg, did_you_mean, dns_label, fail
from agentsmith.core.rules import labels as check_labels

__all__ = ["DEFAULT_POD_SECURITY", "POD_SECURITY_LEVELS", "AgentsmithNamespace", "PodSecurity"]

_SYSTEM_NAMESPACE_PREFIX = "kube-"
#: Namespaces every cluster has; ``kube-*`` is reserved for Kubernetes as a whole.
SYSTEM_NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system")


#: The Pod Security Standards profiles, from least to most restrictive.
POD_SECURITY_LEVELS = ("privileged", "baseline", "restricted")
#: Pod Security Standards version label values other than "latest".
_VERSION = re.compile(r"v1\.(0|[1-9][0-9]*)")


@dataclass(frozen=True, kw_only=True)
class PodSecurity:
    """The ``pod-security.kubernetes.io/*`` labels of a namespace (docs/security.md, "Secure by default").

    Attributes:
        enforce: Default ``"baseline"``: pods that violate it are rejected; the agents' images are not ours
            to vouch for, and ``baseline`` blocks privilege escalation without breaking them.
        warn: Default ``"restricted"``: violations come back as warnings on every ``kubectl apply``.
        audit: Default ``"restricted"``: violations are recorded in the audit log.
        version: Default ``"v1.27"``: pinned, so a cluster upgrade does not tighten rules unannounced;
            ``"latest"`` or ``v1.<minor>``.
    """

    enforce: str = "baseline"
    warn: str = "restricted"
    audit: str = "restricted"
    version: str = "v1.27"

    def labels(self) -> dict[str, str]:
        """The namespace labels, e.g. ``pod-security.kubernetes.io/enforce: baseline``."""
        prefix = "pod-security.kubernetes.io"
        result: dict[str, str] = {}
        for mode in ("enforce", "warn", "audit"):
            result[f"{prefix}/{mode}"] = getattr(self, mode)
            result[f"{prefix}/{mode}-version"] = self.version
        return result

    @staticmethod
    def _check(path: PathArg, value: object, *, prop: str = "pod_security") -> PodSecurity | None:
        """None, or levels among the three profiles and a 'v1.N' or 'latest' version."""
        if value is None:
            return None
        if not isinstance(value, PodSecurity):
            raise fail(path, "pod_security", value, "must be an agentsmith.PodSecurity", "Pass PodSecurity().")
        for mode in ("enforce", "warn", "audit"):
            level = getattr(value, mode)
            if not isinstance(level, str) or level not in POD_SECURITY_LEVELS:
                close = difflib.get_close_matches(str(level).strip().lower(), POD_SECURITY_LEVELS, n=1)
                raise fail(
                    path,
                    f"pod_security.{mode}",
                    level,
                    f"must be one of {', '.join(POD_SECURITY_LEVELS)}",
                    did_you_mean(level, close[0] if close else None, "Use 'baseline' or 'restricted'."),
                )
        version = value.version
        if not (version == "latest" or (isinstance(version, str) and _VERSION.fullmatch(version))):
            # Pod Security Admission's rule: ^v1\.(0|[1-9][0-9]*)$ or "latest"; "v1.027" is refused.
            candidate = None
            if isinstance(version, str) and (found := re.fullmatch(r"[vV]?1\.0*([0-9]{1,4})", version.strip())):
                candidate = f"v1.{int(found[1])}"
            raise fail(
                path,
                "pod_security.version",
                version,
                "must be 'latest' or 'v1.<minor>' with no leading zeros",
                did_you_mean(version, candidate, "Use 'v1.27' (the default) or 'latest'."),
            )
        return value


#: enforce baseline, warn and audit restricted, version v1.27.
DEFAULT_POD_SECURITY = PodSecurity()


@public_signature
@read_only
class AgentsmithNamespace(Construct):
    """A Kubernetes ``Namespace`` for the Dispatcher, the agents and Redis, with Pod Security Admission labels.

    In a chart whose ``namespace`` is this one, the Namespace object itself is written without
    ``metadata.namespace`` (cdk8s would stamp the chart's on it).

    Args:
        scope: the parent construct (a chart).
        id: construct id; part of the construct path, so keep it stable.
        name: Default ``"agentsmith"`` (seed). Not a system namespace (``default``, ``kube-*``).
        labels: Default none. Extra labels; not the ``pod-security.kubernetes.io/*`` keys.
        pod_security: Default :data:`DEFAULT_POD_SECURITY`: enforce ``baseline``, warn and audit
            ``restricted``, version ``v1.27``. ``None`` sets no labels.

    Raises:
        AgentsmithConfigError: a prop is invalid, or the chart's namespace is another namespace.
    """

    @checked_init
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str = seed.NAMESPACE,
        labels: Mapping[str, str] | None = None,
        pod_security: PodSecurity | None = DEFAULT_POD_SECURITY,
    ) -> None:
        path = ConstructPath(scope, id)
        # Props first: a bad one leaves the tree untouched.
        #: The namespace's name, for ``EphemeralRedis(namespace=ns.name)`` and charts.
        self.name: Final[str] = _own_namespace(path, name)
        self.pod_security: Final[PodSecurity | None] = PodSecurity._check(path, pod_security)
        security_labels = self.pod_security.labels() if self.pod_security else {}
        #: The Namespace's labels (read-only): ``labels`` plus the Pod Security ones.
        self.labels: Final[Mapping[str, str]] = MappingProxyType(
            {**check_labels(path, labels, reserved=tuple(PodSecurity().labels())), **security_labels}
        )
        super().__init__(scope, id)
        chart_namespace = cdk8s.Chart.of(self).namespace
        if chart_namespace and chart_namespace != self.name:
            raise fail(
                path,
                "name",
                self.name,
                f"differs from the namespace of its chart ({chart_namespace!r}): the chart's other objects "
                "would go to a namespace this construct does not create",
                f"Use name={chart_namespace!r}, or create the chart with namespace={self.name!r}.",
            )
        collisions.claim(self, path, [("name", "Namespace", collisions.CLUSTER, self.name)])
        #: The Namespace object (``add_json_patch`` on it is the escape hatch).
        self.api_object: Final[cdk8s.ApiObject] = manifest.add_manifest(
            self,
            "Namespace",
            {"apiVersion": "v1", "kind": "Namespace", "metadata": manifest.metadata(self.name, labels=self.labels)},
        )
        if chart_namespace:
            # A Namespace is cluster-scoped: drop what the chart stamped on it.
            self.api_object.add_json_patch(cdk8s.JsonPatch.remove("/metadata/namespace"))


def _own_namespace(path: PathArg, value: object) -> str:
    """An AgentsmithNamespace name: a DNS-1123 label that is not a system namespace.

    Applying a Namespace object named ``kube-system`` or ``default`` would not
    create anything: it would relabel the existing namespace (Pod Security
    levels included) and ``kubectl delete -k`` would try to delete it.
    """
    name = dns_label(path, "name", value, example="agentsmith")
    if name in SYSTEM_NAMESPACES or name.startswith(_SYSTEM_NAMESPACE_PREFIX):
        raise fail(
            path,
            "name",
            name,
            "must not be a system namespace (default, kube-*): applying it would relabel that namespace "
            "and deleting the app would delete it",
            "Use a namespace of its own such as 'agentsmith'; to deploy into an existing namespace, leave "
            "AgentsmithNamespace out and pass namespace=... to the other constructs.",
        )
    return name
