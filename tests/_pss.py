"""Pod Security Standards, "restricted" profile (Kubernetes v1.27), as a checker.

Implemented from the published rules
(kubernetes.io/docs/concepts/security/pod-security-standards): every baseline
control plus the restricted ones. ``violations`` returns one line per failed
control; an empty list means the pod template passes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

BASELINE_CAPABILITIES = {
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
    "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
}  # fmt: skip
SAFE_SYSCTLS = {
    "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
}  # fmt: skip
SELINUX_TYPES = {"", "container_t", "container_init_t", "container_kvm_t"}
RESTRICTED_VOLUME_TYPES = {
    "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret",
}  # fmt: skip


def _containers(spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for field in ("initContainers", "containers", "ephemeralContainers"):
        yield from spec.get(field, [])


def violations(template: dict[str, Any]) -> list[str]:
    """Failed restricted-profile controls of a pod template (``{metadata, spec}``)."""
    spec = template.get("spec", {})
    annotations = template.get("metadata", {}).get("annotations", {})
    pod_sc = spec.get("securityContext", {})
    found: list[str] = []

    def fail(control: str, where: str) -> None:
        found.append(f"{control}: {where}")

    # -- baseline ----------------------------------------------------------
    if pod_sc.get("windowsOptions", {}).get("hostProcess"):
        fail("HostProcess", "pod")
    for field in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(field):
            fail("Host Namespaces", field)
    for volume in spec.get("volumes", []):
        if "hostPath" in volume:
            fail("HostPath Volumes", volume["name"])
    for key, value in annotations.items():
        if key.startswith("container.apparmor.security.beta.kubernetes.io/"):
            if value != "runtime/default" and not value.startswith("localhost/"):
                fail("AppArmor", key)
    for sysctl in pod_sc.get("sysctls", []):
        if sysctl["name"] not in SAFE_SYSCTLS:
            fail("Sysctls", sysctl["name"])
    contexts = [("pod", pod_sc)]
    for container in _containers(spec):
        name = container["name"]
        sc = container.get("securityContext", {})
        contexts.append((name, sc))
        if sc.get("windowsOptions", {}).get("hostProcess"):
            fail("HostProcess", name)
        if sc.get("privileged"):
            fail("Privileged Containers", name)
        added = set(sc.get("capabilities", {}).get("add", []))
        if added - BASELINE_CAPABILITIES:
            fail("Capabilities (baseline)", f"{name} adds {sorted(added - BASELINE_CAPABILITIES)}")
        for port in container.get("ports", []):
            if port.get("hostPort", 0):
                fail("Host Ports", name)
        if sc.get("procMount", "Default") != "Default":
            fail("/proc Mount Type", name)
    for where, sc in contexts:
        selinux = sc.get("seLinuxOptions", {})
        if selinux.get("type", "") not in SELINUX_TYPES or selinux.get("user") or selinux.get("role"):
            fail("SELinux", where)
        if sc.get("seccompProfile", {}).get("type") == "Unconfined":
            fail("Seccomp (baseline)", where)

    # -- restricted --------------------------------------------------------
    for volume in spec.get("volumes", []):
        kinds = set(volume) - {"name"}
        if not kinds <= RESTRICTED_VOLUME_TYPES:
            fail("Volume Types", f"{volume['name']} uses {sorted(kinds - RESTRICTED_VOLUME_TYPES)}")
    pod_non_root = pod_sc.get("runAsNonRoot")
    pod_seccomp = pod_sc.get("seccompProfile", {}).get("type")
    if pod_sc.get("runAsUser") == 0:
        fail("Running as Non-root user", "pod runAsUser 0")
    for container in _containers(spec):
        name = container["name"]
        sc = container.get("securityContext", {})
        if sc.get("allowPrivilegeEscalation") is not False:
            fail("Privilege Escalation", name)
        non_root = sc.get("runAsNonRoot", pod_non_root)
        if non_root is not True:
            fail("Running as Non-root", name)
        if sc.get("runAsUser") == 0:
            fail("Running as Non-root user", name)
        seccomp = sc.get("seccompProfile", {}).get("type", pod_seccomp)
        if seccomp not in ("RuntimeDefault", "Localhost"):
            fail("Seccomp", name)
        capabilities = sc.get("capabilities", {})
        if "ALL" not in capabilities.get("drop", []):
            fail("Capabilities", f"{name} does not drop ALL")
        if set(capabilities.get("add", [])) - {"NET_BIND_SERVICE"}:
            fail("Capabilities", f"{name} adds more than NET_BIND_SERVICE")
    return found
