"""Pod Security Admission levels for a namespace, as a frozen value object."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_POD_SECURITY", "POD_SECURITY_LEVELS", "PodSecurity"]

#: The Pod Security Standards profiles, from least to most restrictive.
POD_SECURITY_LEVELS = ("privileged", "baseline", "restricted")


@dataclass(frozen=True, kw_only=True)
class PodSecurity:
    """The ``pod-security.kubernetes.io/*`` labels of a namespace.

    Attributes:
        enforce: pods that violate this level are rejected. Default
            ``"baseline"``: the namespace also hosts the Dispatcher and the
            short-lived agent containers, whose images are not ours to vouch
            for; ``baseline`` blocks the known privilege escalations (host
            namespaces, privileged containers, hostPath) without breaking them.
        warn: violations of this level are returned as warnings to the client.
            Default ``"restricted"``, so every ``kubectl apply`` shows what
            would still need fixing for the strictest profile.
        audit: violations of this level are recorded in the audit log.
            Default ``"restricted"``.
        version: the Pod Security Standards version the levels refer to, pinned
            so that a cluster upgrade does not tighten rules unannounced.
            Default ``"v1.27"`` (the Kubernetes version of this library's API).
            Must be ``"latest"`` or match ``^v1\\.(0|[1-9][0-9]*)$`` (Pod Security
            Admission's own rule: ``"v1.027"`` is refused).
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


#: enforce baseline, warn and audit restricted, version v1.27.
DEFAULT_POD_SECURITY = PodSecurity()
