"""The shared Kubernetes rules (names, labels, Secret keys, quantities, integers) and :func:`fail`, the one
way an ``AgentsmithConfigError`` is made: the prop in quotes, the value, the construct path and the fix."""

from __future__ import annotations

import difflib
import ipaddress
import re
from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import TYPE_CHECKING

from agentsmith.core.identity import IdentityMap
from agentsmith.core.quantity import QuantityError, parse_quantity
from agentsmith.core.yaml_types import yaml_ambiguous
from agentsmith.errors import AgentsmithConfigError

#: The label Kubernetes (1.21+) sets on every namespace to its name: how a selector picks one namespace.
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"

if TYPE_CHECKING:
    from constructs import Construct

_DNS1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_DNS1035_LABEL = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
_DNS1123_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_LABEL_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
#: What a label value (and the name part of a label key) may be, in words.
_LABEL_RULE = "at most 63 characters of letters, digits, '-', '_' and '.', starting and ending with a letter or digit"
_SECRET_KEY = re.compile(r"[-._a-zA-Z0-9]+")
#: Environment variable names: Kubernetes 1.27's IsEnvVarName (see docs/security.md, "Input rules").
_ENV_VAR_NAME = re.compile(r"[-._a-zA-Z][-._a-zA-Z0-9]*", re.ASCII)
#: Kubernetes stores UIDs and probe timings as int32.
INT32_MAX = 2**31 - 1


class ConstructPath:
    """The path (``chart/redis``) of construct ``id`` in ``scope``, read through jsii only when a message needs it.

    It names the construct before it exists, so that its props are checked before it
    is added to the tree. Reading ``scope.node.path`` costs two round trips to Node.js;
    valid props never need it.
    """

    __slots__ = ("_id", "_scope")

    def __init__(self, scope: Construct, id: str) -> None:
        self._scope = scope
        self._id = id

    def __str__(self) -> str:
        parent = _SCOPE_PATHS.get(self._scope)
        if parent is None:
            parent = _SCOPE_PATHS[self._scope] = self._scope.node.path
        own = _node_id(self._id)
        return f"{parent}/{own}" if parent else own


#: Ids that constructs keeps as they are (it rewrites separators, which differ between its versions).
_PLAIN_ID = re.compile(r"[-A-Za-z0-9._]*")
_ID_PROBE: list[Construct] = []


def _node_id(id: str) -> str:
    """The id constructs gives a child named ``id``.

    constructs writes path separators in an id as ``--`` (``/``, and in recent versions also a
    newline), so an id with anything but letters, digits, ``-``, ``.`` and ``_`` is asked of the
    installed version: a child of a private app, removed again.
    """
    if _PLAIN_ID.fullmatch(id):
        return id
    import cdk8s
    from constructs import Construct

    if not _ID_PROBE:
        _ID_PROBE.append(cdk8s.App(outdir="/dev/null/agentsmith-id-probe-never-synthesised"))
    probe = Construct(_ID_PROBE[0], id)
    node_id = probe.node.id
    _ID_PROBE[0].node.try_remove_child(node_id)
    return node_id


#: Each scope's path, read once: a construct never moves (jsii hands out one Python object per construct).
_SCOPE_PATHS: IdentityMap[Construct, str] = IdentityMap()

PathArg = str | ConstructPath | None


def fail(path: PathArg, prop: str, value: object, rule: str, fix: str) -> AgentsmithConfigError:
    """Build the library's error: ``'prop' <rule> (got <value>). <fix>``."""
    return AgentsmithConfigError(
        f"'{prop}' {rule} (got {value!r}). {fix}", prop=prop, value=value, path=None if path is None else str(path)
    )


def did_you_mean(value: object, candidate: str | None, fallback: str) -> str:
    """``Did you mean <candidate>?`` when it is close to what was typed, else ``fallback``.

    Close: not empty, not the value itself, and at least half of it kept
    (``difflib`` ratio >= 0.5, case-insensitive), so that a hint never offers
    an unrelated default for a value that merely has the wrong shape. Never a
    candidate that :func:`yaml_safe` would refuse in turn (``-0o17`` -> ``0o17``).
    """
    if not candidate or not isinstance(value, str) or candidate == value or yaml_ambiguous(candidate):
        return fallback
    if difflib.SequenceMatcher(None, value.lower(), candidate.lower()).ratio() < 0.5:
        return fallback
    return f"Did you mean {candidate!r}?"


def yaml_safe(path: PathArg, prop: str, value: str) -> str:
    """Refuse a string that cdk8s writes plain but Kustomize reads back as a number (``0o17``)."""
    if yaml_ambiguous(value):
        raise fail(
            path,
            prop,
            value,
            "would be written unquoted to dist/ (cdk8s writes YAML 1.1) and read back as a number by "
            "YAML 1.2 readers such as Kustomize",
            f"Use a value with a letter before the digits, e.g. {'v' + value.lstrip('+-_')!r}.",
        )
    return value


def dns_label(path: PathArg, prop: str, value: object, *, service: bool = False, example: str | None = None) -> str:
    """A Kubernetes object name: DNS-1123 label, or DNS-1035 when it names a Service."""
    pattern, kind = (_DNS1035_LABEL, "RFC 1035") if service else (_DNS1123_LABEL, "RFC 1123")
    if example is None:
        example = "agentsmith" if prop.endswith("namespace") else "redis"
    if not isinstance(value, str) or not value:
        raise fail(path, prop, value, "must be a non-empty string", f"Use a name such as {example!r}.")
    if len(value) > 63:
        raise fail(path, prop, value, f"must be at most 63 characters, not {len(value)}", "Use a shorter name.")
    if not pattern.fullmatch(value):
        start = "a lowercase letter" if service else "a lowercase letter or digit"
        candidate = _suggest_label(value, service=service)
        raise fail(
            path,
            prop,
            value,
            f"must be an {kind} label: lowercase letters, digits and '-', starting with {start} "
            "and ending with a letter or digit",
            did_you_mean(value, candidate, f"Use a name such as {example!r}."),
        )
    yaml_safe(path, prop, value)
    return value


def _suggest_label(value: str, *, service: bool) -> str:
    cleaned = re.sub(r"[^a-z0-9-]+", "-", value.lower()).strip("-")
    if service:
        cleaned = cleaned.lstrip("0123456789-")
    return cleaned[:63].rstrip("-")


#: An example of the same kind for each prop that takes a DNS subdomain.
_SUBDOMAIN_EXAMPLES = {
    "cluster_domain": "cluster.local",
    "access.auth.secret_name": "redis-auth",
    "host": "my-redis.example.com",
    "url": "my-redis.example.com",
    "placement.priority_class_name": "bus-high",
    "pod_options.service_account_name": "redis",
}


def dns_subdomain(path: PathArg, prop: str, value: object) -> str:
    """A DNS-1123 subdomain (Secret and ConfigMap names): at most 253 characters."""
    if not isinstance(value, str) or not value or len(value) > 253 or not _DNS1123_SUBDOMAIN.fullmatch(value):
        example = _SUBDOMAIN_EXAMPLES.get(prop, "agentsmith-secrets")
        raise fail(
            path,
            prop,
            value,
            "must be a DNS subdomain: lowercase letters, digits, '-' and '.', at most 253 characters",
            did_you_mean(value, _subdomain_candidate(value), f"Use a name such as {example!r}."),
        )
    return yaml_safe(path, prop, value)


def _subdomain_candidate(value: object) -> str | None:
    """``value`` in lowercase with other characters replaced by '-', if that is a subdomain."""
    if not isinstance(value, str):
        return None
    labels = (re.sub(r"[^a-z0-9-]+", "-", part.lower()).strip("-") for part in value.split("."))
    candidate = ".".join(label for label in labels if label)[:253].strip(".-")
    return candidate if _DNS1123_SUBDOMAIN.fullmatch(candidate) else None


def dns_name(path: PathArg, prop: str, value: object) -> str:
    """A DNS host name (not an IP address), e.g. for an ExternalName Service."""
    try:
        ipaddress.ip_address(str(value))
    except ValueError:
        return dns_subdomain(path, prop, value)
    raise fail(
        path,
        prop,
        value,
        "must be a DNS name, not an IP address: an ExternalName Service is a DNS CNAME",
        "Use the host's DNS name, or drop 'service_name' and connect by address.",
    )


def _is_label_value(value: str) -> bool:
    """Empty, or at most 63 characters of [-A-Za-z0-9_.], alphanumeric at both ends."""
    return not value or (len(value) <= 63 and _LABEL_NAME.fullmatch(value) is not None)


def label_value(path: PathArg, prop: str, value: object) -> str:
    """A label value: empty, or at most 63 characters of [-A-Za-z0-9_.], alphanumeric at both ends."""
    if not isinstance(value, str) or not _is_label_value(value):
        raise fail(
            path,
            prop,
            value,
            f"must be a label value: {_LABEL_RULE}",
            "Use e.g. 'dispatcher'.",
        )
    return yaml_safe(path, prop, value)


def label_key(path: PathArg, key: object, *, prop: str = "labels") -> str:
    """A label key: ``[prefix/]name``, prefix a DNS subdomain, name like a label value (errors name ``prop``)."""
    if not isinstance(key, str) or not key:
        raise fail(path, prop, key, "keys must be non-empty strings", "Use a key such as 'team'.")
    prefix, slash, name = key.rpartition("/")
    if slash and (len(prefix) > 253 or not _DNS1123_SUBDOMAIN.fullmatch(prefix)):
        candidate = f"{prefix.lower()}/{name}" if prefix else name
        fixable = (not prefix or (len(prefix) <= 253 and _DNS1123_SUBDOMAIN.fullmatch(prefix.lower()))) and (
            len(name) <= 63 and _LABEL_NAME.fullmatch(name)
        )
        fix = did_you_mean(key, candidate if fixable else None, "Use e.g. 'team' or 'example.com/team'.")
        raise fail(path, prop, key, "key prefix must be a lowercase DNS subdomain such as 'example.com'", fix)
    if not name or not _is_label_value(name):
        raise fail(
            path,
            prop,
            key,
            f"key name must be {_LABEL_RULE}",
            _label_hint(name, "Use e.g. 'team' or 'example.com/team'.", prefix=prefix + slash),
        )
    return yaml_safe(path, prop, key)


def _label_hint(text: str, fallback: str, *, prefix: str = "") -> str:
    """Did you mean ``text`` with other characters replaced by '-', trimmed and cut to 63?"""
    cleaned = re.sub(r"[^-A-Za-z0-9_.]+", "-", text)[:63]
    cleaned = re.sub(r"^[^A-Za-z0-9]+|[^A-Za-z0-9]+$", "", cleaned)
    if cleaned and _LABEL_NAME.fullmatch(cleaned):
        return did_you_mean(prefix + text, prefix + cleaned, fallback)
    return fallback


def labels(path: PathArg, value: object, *, reserved: Iterable[str]) -> dict[str, str]:
    """Valid label keys and values that do not touch the keys this construct owns."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise fail(path, "labels", value, "must be a mapping of label keys to values", "Pass a dict.")
    reserved = set(reserved)
    for key, item in value.items():
        label_key(path, key)
        if key in reserved:
            raise fail(
                path,
                "labels",
                {key: item},
                f"must not set {key!r}: the construct owns it (selector and identity labels)",
                "Remove it; use 'name' to change the instance's selector label.",
            )
        if not isinstance(item, str):
            hint = (
                f"Quote it: {str(item)!r}."
                if isinstance(item, (int, float)) and not isinstance(item, bool)
                else "Use a string such as 'team-a'."
            )
            raise fail(path, "labels", item, f"value for {key!r} must be a string", hint)
        if not _is_label_value(item):
            raise fail(
                path,
                "labels",
                item,
                f"value for {key!r} must be {_LABEL_RULE}",
                _label_hint(item, "Shorten it or replace the other characters with '-'."),
            )
        yaml_safe(path, f"labels[{key!r}]", item)
    return dict(value)


def selector(path: PathArg, prop: str, value: object) -> dict[str, str]:
    """Match labels of a selector: valid label keys and values."""
    if not isinstance(value, Mapping):
        raise fail(path, prop, value, "must be a mapping of label keys to values", "Pass a dict such as {'app': 'x'}.")
    for key, item in value.items():
        label_key(path, key, prop=prop)
        label_value(path, f"{prop}[{key!r}]", item)
    return dict(value)


def secret_key(path: PathArg, prop: str, value: object) -> str:
    """A key inside a Secret (Kubernetes' IsConfigMapKey): letters, digits, '-', '_' and '.',
    at most 253 characters, not ``.`` or ``..`` and not starting with ``..``."""
    if not isinstance(value, str) or len(value) > 253 or not _SECRET_KEY.fullmatch(value):
        raise fail(
            path,
            prop,
            value,
            "must be a Secret key: letters, digits, '-', '_' and '.', at most 253 characters",
            "Use a key such as 'redis-url'.",
        )
    if value in (".", "..") or value.startswith(".."):
        raise fail(
            path,
            prop,
            value,
            "must not be '.' or '..' or start with '..': mounted as a file, the key would name a "
            "folder outside the volume",
            "Use a key such as 'redis-url'.",
        )
    return yaml_safe(path, prop, value)


def env_var_name(path: PathArg, prop: str, value: object) -> str:
    """An environment variable name, e.g. ``REDIS_URL``, by Kubernetes 1.27's rule.

    The API server up to 1.29 accepts ``[-._a-zA-Z][-._a-zA-Z0-9]*``
    (``IsEnvVarName``) and 1.30 any printable ASCII but '='; the library takes
    the older rule, which every supported cluster accepts.
    """
    if not isinstance(value, str) or not _ENV_VAR_NAME.fullmatch(value):
        candidate = re.sub(r"[^-._A-Za-z0-9]+", "_", value.strip()).strip("_") if isinstance(value, str) else None
        if candidate and candidate[0].isdigit():
            candidate = None
        raise fail(
            path,
            prop,
            value,
            "must be an environment variable name: letters, digits, '_', '-' and '.', not starting with a digit",
            did_you_mean(value, candidate, "Use a name such as 'REDIS_URL'."),
        )
    return value


def quantity(path: PathArg, prop: str, value: object, *, example: str, whole: bool = False) -> Fraction:
    """A Kubernetes quantity greater than zero; ``whole`` for memory, counted in bytes."""
    try:
        amount = parse_quantity(value)  # type: ignore[arg-type]
    except QuantityError as error:
        fix = error.fix if isinstance(value, str) else f"Use a string such as {example!r}."
        raise fail(path, prop, value, error.reason, fix) from None
    if amount <= 0:
        raise fail(path, prop, value, "must be greater than 0", f"Use a quantity such as {example!r}.")
    if whole and amount.denominator != 1:
        # "128m" is 0.128 bytes: the suffix 'm' means milli, a classic slip for 'Mi'.
        if isinstance(value, str) and value.endswith("m"):
            rule, fix = "must be a whole number of bytes ('m' means 1/1000)", f"Did you mean {value[:-1] + 'Mi'!r}?"
        else:
            rule, fix = "must be a whole number of bytes", f"Use a whole number of bytes, e.g. {example!r}."
        raise fail(path, prop, value, rule, fix)
    return amount


def integer(path: PathArg, prop: str, value: object, *, minimum: int, maximum: int | None = None, fix: str) -> int:
    """An ``int`` (not a bool) within [minimum, maximum]."""
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, str) and re.fullmatch(r"[0-9]{1,9}", value.strip(), re.ASCII):
            fix = f"Pass the number without quotes: {int(value)}."
        raise fail(path, prop, value, "must be an integer, not a " + type(value).__name__, fix)
    small_range = maximum is not None and maximum < 2**16  # a port: state both bounds
    if value < minimum:
        bounds = f"between {minimum} and {maximum}" if small_range else f"at least {minimum}"
        raise fail(path, prop, value, f"must be {bounds}", fix)
    if maximum is not None and value > maximum:
        bounds = f"between {minimum} and {maximum}" if small_range else f"at most {maximum} (int32)"
        raise fail(path, prop, value, f"must be {bounds}", fix)
    return value


def port(path: PathArg, value: object) -> int:
    return integer(path, "port", value, minimum=1, maximum=65535, fix="Use a TCP port such as 6379.")


def boolean(path: PathArg, prop: str, value: object, *, fix: str | None = None) -> bool:
    """A real ``bool`` (``"false"`` is truthy, so strings are refused); ``fix`` replaces ``Use prop=True ...``."""
    if not isinstance(value, bool):
        raise fail(path, prop, value, "must be True or False", fix or f"Use {prop}=True or {prop}=False.")
    return value
