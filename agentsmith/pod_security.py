"""Pod Security Admission levels for a namespace, as a frozen value object."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from ._rules import PathArg, did_you_mean, fail

__all__ = ["DEFAULT_POD_SECURITY", "POD_SECURITY_LEVELS", "PodSecurity"]

#: The Pod Security Standards profiles, from least to most restrictive.
POD_SECURITY_LEVELS = ("privileged", "baseline", "restricted")
#: Pod Security Standards version label values other than "latest".
_VERSION = re.compile(r"v1\.(0|[1-9][0-9]*)")


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

    @staticmethod
    def _check(path: PathArg, value: object) -> PodSecurity | None:
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
