"""The Redis pod's pull settings, service account and annotations, as one frozen value object."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final

from agentsmith.core.rules import PathArg, dns_subdomain, fail, label_key, yaml_safe
from agentsmith.core.values import plain_repr

__all__ = [
    "DEFAULT_POD_OPTIONS",
    "MAX_ANNOTATIONS_BYTES",
    "PULL_POLICIES",
    "RedisPodOptions",
    "pod_spec_fields",
    "pull_policy",
]

#: ``imagePullPolicy``'s values.
PULL_POLICIES: Final = ("Always", "IfNotPresent", "Never")
#: The API server's limit on an object's annotations, keys and values together (``TotalAnnotationSizeLimitB``).
MAX_ANNOTATIONS_BYTES: Final = 256 * 1024


def pull_policy(image: str, chosen: str | None) -> str:
    """``chosen``, or what the image's reference implies: ``IfNotPresent`` for a digest, ``Always`` for a tag
    (tags move, digests do not)."""
    if chosen is not None:
        return chosen
    return "IfNotPresent" if "@" in image else "Always"


def _annotations(path: PathArg, prop: str, value: object) -> dict[str, str]:
    """Annotations as the API server checks them: label-key keys, string values, at most 256 KiB together."""
    if not isinstance(value, Mapping):
        raise fail(path, prop, value, "must be a mapping of annotation keys to strings", "Pass a dict.")
    size = 0
    for key, item in value.items():
        label_key(path, key, prop=prop)
        if not isinstance(item, str):
            hint = (
                f"Quote it: {str(item)!r}."
                if isinstance(item, (int, float)) and not isinstance(item, bool)
                else "Use a string."
            )
            raise fail(path, f"{prop}[{key!r}]", item, "must be a string", hint)
        yaml_safe(path, f"{prop}[{key!r}]", item)
        size += len(key.encode()) + len(item.encode())
    if size > MAX_ANNOTATIONS_BYTES:
        raise fail(
            path,
            prop,
            f"<{len(value)} annotations, {size} bytes>",
            f"must be at most {MAX_ANNOTATIONS_BYTES} bytes (256 KiB) of keys and values together, as the API "
            "server allows",
            "Keep large data in a ConfigMap and annotate a reference to it.",
        )
    return dict(value)


@dataclass(frozen=True, kw_only=True, repr=False)
class RedisPodOptions:
    """How ``EphemeralRedis``'s pod pulls its images, which service account it runs as and its annotations
    (``pod_options=``). Every field defaults to what the construct writes today.

    Attributes:
        image_pull_policy: Default ``None``: ``Always`` for a tag, ``IfNotPresent`` for a digest. ``"Always"``,
            ``"IfNotPresent"`` or ``"Never"``; it applies to the metrics exporter's container too (one
            choice per pod: a pull-through cache or an air-gapped node serves both images). With
            ``"Always"`` a registry outage fails every restart of the bus.
        image_pull_secrets: Default ``()``. ``imagePullSecrets``: names of Secrets (DNS subdomains) in
            Redis's namespace, each once; they serve both images.
        service_account_name: Default ``None``: the namespace's ``default`` account. ``serviceAccountName`` (a
            DNS subdomain); its token is still not mounted (``automountServiceAccountToken: false``): the
            account serves image pull secrets and admission policies, not API access.
        pod_annotations: Default none. Annotations on the pod template (keys as label keys, string values).
        service_annotations: Default none. Annotations on the Redis Service (not the metrics Service), e.g. for
            a load balancer controller or a service mesh.
    """

    image_pull_policy: str | None = None
    image_pull_secrets: Sequence[str] = ()
    service_account_name: str | None = None
    pod_annotations: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    service_annotations: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def __repr__(self) -> str:
        """``RedisPodOptions(image_pull_policy=..., ...)``: a call that rebuilds this value."""
        return plain_repr(self)

    @staticmethod
    def _check(path: PathArg, value: object, *, prop: str = "pod_options") -> RedisPodOptions:
        """``pod_options``: a RedisPodOptions whose every field the API server would accept."""
        if not isinstance(value, RedisPodOptions):
            fix = "Pass RedisPodOptions(image_pull_policy=...)."
            raise fail(path, prop, value, "must be an agentsmith.RedisPodOptions", fix)
        policy = value.image_pull_policy
        if policy is not None and policy not in PULL_POLICIES:
            near = [p for p in PULL_POLICIES if isinstance(policy, str) and p.lower() == policy.strip().lower()]
            fix = f"Did you mean {near[0]!r}?" if near else "Use 'IfNotPresent', 'Always' or 'Never', or None."
            raise fail(path, f"{prop}.image_pull_policy", policy, "must be 'Always', 'IfNotPresent' or 'Never'", fix)
        secrets = value.image_pull_secrets
        if isinstance(secrets, (str, bytes)) or not isinstance(secrets, Sequence):
            raise fail(
                path,
                f"{prop}.image_pull_secrets",
                secrets,
                "must be a sequence of Secret names",
                "Pass a tuple, e.g. ('registry-credentials',).",
            )
        for index, name in enumerate(secrets):
            dns_subdomain(path, f"{prop}.image_pull_secrets[{index}]", name)
            if name in secrets[:index]:
                raise fail(
                    path,
                    f"{prop}.image_pull_secrets[{index}]",
                    name,
                    "is listed twice",
                    "List each Secret once.",
                )
        if value.service_account_name is not None:
            dns_subdomain(path, f"{prop}.service_account_name", value.service_account_name)
        _annotations(path, f"{prop}.pod_annotations", value.pod_annotations)
        _annotations(path, f"{prop}.service_annotations", value.service_annotations)
        return value


#: Today's pod: pull policy from the image reference, no pull secrets, the default account, no annotations.
DEFAULT_POD_OPTIONS: Final = RedisPodOptions()


def pod_spec_fields(options: RedisPodOptions) -> dict[str, Any]:
    """The pod spec fields ``options`` sets (none for the default)."""
    fields: dict[str, Any] = {}
    if options.image_pull_secrets:
        fields["imagePullSecrets"] = [{"name": name} for name in options.image_pull_secrets]
    if options.service_account_name is not None:
        fields["serviceAccountName"] = options.service_account_name
    return fields
