"""Validation of construct props: one rule per function, one error type.

Each check raises :class:`~agentsmith.errors.AgentsmithConfigError` with the
prop in quotes, the value given, the construct path and the fix. Constructs
call these before they create any API object.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from urllib.parse import urlsplit

from constructs import Construct

from ._quantity import QuantityError, parse_quantity, parse_redis_memory
from .auth import RedisAuth
from .endpoint import SecretKeyRef
from .errors import AgentsmithConfigError
from .network import NetworkPeer
from .pod_security import POD_SECURITY_LEVELS, PodSecurity
from .probes import ProbeTiming
from .resources import Resources
from .roles import RedisRole

#: Redis's eviction policies (redis.conf, "maxmemory-policy").
MAXMEMORY_POLICIES = (
    "volatile-lru",
    "allkeys-lru",
    "volatile-lfu",
    "allkeys-lfu",
    "volatile-random",
    "allkeys-random",
    "volatile-ttl",
    "noeviction",
)

#: Redis's ``maxmemory`` must stay at or below this share of the container's
#: memory limit. Redis counts only its dataset against ``maxmemory``; allocator
#: fragmentation, client output buffers and the process itself need the rest.
#: The seed's 256mb under 384Mi is 2/3 and passes.
MAXMEMORY_HEADROOM = Fraction(3, 4)

_DNS1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_DNS1035_LABEL = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
_DNS1123_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_LABEL_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")

# github.com/distribution/reference regexp.go, anchored: [domain/]path[:tag][@digest]
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?"
_PATH_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*"
_IMAGE_REFERENCE = re.compile(
    rf"(?P<name>(?:{_DOMAIN}/)?{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*)"
    r"(?P<tag>:[\w][\w.-]{0,127})?"
    r"(?P<digest>@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?",
    re.ASCII,
)
# github.com/opencontainers/go-digest: the registered algorithms, lowercase hex of a fixed length.
_DIGEST = re.compile(r"@(?:sha256:[a-f0-9]{64}|sha384:[a-f0-9]{96}|sha512:[a-f0-9]{128})")


class ConstructPath:
    """A construct's path (``chart/redis``), read through jsii only when a message needs it.

    Reading ``node.path`` costs two round trips to Node.js; valid props never need it.
    """

    __slots__ = ("_construct",)

    def __init__(self, construct: Construct) -> None:
        self._construct = construct

    def __str__(self) -> str:
        return self._construct.node.path


PathArg = str | ConstructPath | None


def fail(path: PathArg, prop: str, value: object, rule: str, fix: str) -> AgentsmithConfigError:
    """Build the library's error: ``'prop' <rule> (got <value>). <fix>``."""
    return AgentsmithConfigError(
        f"'{prop}' {rule} (got {value!r}). {fix}", prop=prop, value=value, path=None if path is None else str(path)
    )


def dns_label(path: PathArg, prop: str, value: object, *, service: bool = False, example: str | None = None) -> str:
    """A Kubernetes object name: DNS-1123 label, or DNS-1035 when it names a Service."""
    pattern, kind = (_DNS1035_LABEL, "RFC 1035") if service else (_DNS1123_LABEL, "RFC 1123")
    if example is None:
        example = "agentsmith" if prop == "namespace" else "redis"
    if not isinstance(value, str) or not value:
        raise fail(path, prop, value, "must be a non-empty string", f"Use a name such as {example!r}.")
    if len(value) > 63:
        raise fail(path, prop, value, f"must be at most 63 characters, not {len(value)}", "Use a shorter name.")
    if not pattern.fullmatch(value):
        start = "a lowercase letter" if service else "a lowercase letter or digit"
        raise fail(
            path,
            prop,
            value,
            f"must be an {kind} label: lowercase letters, digits and '-', starting with {start} "
            "and ending with a letter or digit",
            f"Did you mean {_suggest_label(value, service=service, example=example)!r}?",
        )
    return value


def _suggest_label(value: str, *, service: bool, example: str) -> str:
    cleaned = re.sub(r"[^a-z0-9-]+", "-", value.lower()).strip("-")
    if service:
        cleaned = cleaned.lstrip("0123456789-")
    return cleaned[:63].rstrip("-") or example


def maxmemory(path: PathArg, value: object) -> int:
    """Redis ``maxmemory``: memory-size syntax and more than zero; returns bytes."""
    try:
        size = parse_redis_memory(value)  # type: ignore[arg-type]
    except QuantityError as error:
        raise fail(path, "maxmemory", value, error.reason, error.fix) from None
    if size <= 0:
        raise fail(path, "maxmemory", value, "must be greater than 0", "Use a size such as '256mb'; 0 means no limit.")
    return size


def maxmemory_policy(path: PathArg, value: object) -> str:
    """One of Redis's eight eviction policies, with a did-you-mean hint."""
    if isinstance(value, str) and value in MAXMEMORY_POLICIES:
        return value
    # Redis compares enum values case-insensitively; suggest the canonical spelling.
    typed = str(value).strip().lower().replace("_", "-")
    close = difflib.get_close_matches(typed, MAXMEMORY_POLICIES, n=1)
    hint = f"Did you mean {close[0]!r}?" if close else "Use 'allkeys-lru' (the seed's choice)."
    raise fail(path, "maxmemory_policy", value, f"must be one of {', '.join(MAXMEMORY_POLICIES)}", hint)


def quantity(path: PathArg, prop: str, value: object, *, example: str, whole: bool = False) -> Fraction:
    """A Kubernetes quantity greater than zero; ``whole`` for memory, counted in bytes."""
    try:
        amount = parse_quantity(value)  # type: ignore[arg-type]
    except QuantityError as error:
        raise fail(path, prop, value, error.reason, error.fix) from None
    if amount <= 0:
        raise fail(path, prop, value, "must be greater than 0", f"Use a quantity such as {example!r}.")
    if whole and amount.denominator != 1:
        # "128m" is 0.128 bytes: the suffix 'm' means milli, a classic slip for 'Mi'.
        suggestion = value[:-1] + "Mi" if isinstance(value, str) and value.endswith("m") else example
        raise fail(
            path,
            prop,
            value,
            "must be a whole number of bytes ('m' means 1/1000)",
            f"Did you mean {suggestion!r}?",
        )
    return amount


def resources(path: PathArg, value: object) -> Resources:
    """Requests and limits are valid quantities and each request is at most its limit."""
    if not isinstance(value, Resources):
        raise fail(path, "resources", value, "must be an agentsmith.Resources", "Pass Resources(cpu_limit=..., ...).")
    cpu_request = quantity(path, "resources.cpu_request", value.cpu_request, example="100m")
    cpu_limit = quantity(path, "resources.cpu_limit", value.cpu_limit, example="500m")
    memory_request = quantity(path, "resources.memory_request", value.memory_request, example="128Mi", whole=True)
    memory_limit = quantity(path, "resources.memory_limit", value.memory_limit, example="384Mi", whole=True)
    for kind, request, limit in (("cpu", cpu_request, cpu_limit), ("memory", memory_request, memory_limit)):
        if request > limit:
            raise fail(
                path,
                f"resources.{kind}_request",
                getattr(value, f"{kind}_request"),
                f"must not exceed 'resources.{kind}_limit' ({getattr(value, f'{kind}_limit')})",
                "Lower the request or raise the limit.",
            )
    return value


def maxmemory_headroom(path: PathArg, maxmemory_value: str, maxmemory_bytes: int, memory_limit: str) -> None:
    """``maxmemory`` <= MAXMEMORY_HEADROOM (3/4) of the container's memory limit."""
    limit = parse_quantity(memory_limit)
    if maxmemory_bytes > limit * MAXMEMORY_HEADROOM:
        raise fail(
            path,
            "maxmemory",
            maxmemory_value,
            f"must be at most {MAXMEMORY_HEADROOM.numerator}/{MAXMEMORY_HEADROOM.denominator} of "
            f"'resources.memory_limit' ({memory_limit}), leaving headroom "
            "for fragmentation and client buffers",
            f"Use at most {_redis_floor(int(limit * MAXMEMORY_HEADROOM))!r} or raise 'resources.memory_limit'.",
        )


def _redis_floor(size: int) -> str:
    """``size`` bytes rounded down to whole mb (or kb, or bytes when smaller)."""
    for unit, factor in (("mb", 2**20), ("kb", 2**10)):
        if size >= factor:
            return f"{size // factor}{unit}"
    return str(size)


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


#: Kubernetes stores UIDs and probe timings as int32.
INT32_MAX = 2**31 - 1


def port(path: PathArg, value: object) -> int:
    return integer(path, "port", value, minimum=1, maximum=65535, fix="Use a TCP port such as 6379.")


def run_as_user(path: PathArg, value: object) -> int:
    return integer(
        path,
        "run_as_user",
        value,
        minimum=1,
        maximum=INT32_MAX,
        fix="Use a non-root UID such as 999 (the redis user of the official image); 0 is root.",
    )


def probe(path: PathArg, prop: str, value: object) -> ProbeTiming:
    """Kubernetes' bounds: initialDelaySeconds >= 0 (0 is valid: probe at once),
    periodSeconds and timeoutSeconds >= 1, all int32."""
    if not isinstance(value, ProbeTiming):
        raise fail(path, prop, value, "must be an agentsmith.ProbeTiming", "Pass ProbeTiming(...).")
    integer(
        path,
        f"{prop}.initial_delay_seconds",
        value.initial_delay_seconds,
        minimum=0,
        maximum=INT32_MAX,
        fix="Use 0 or more seconds.",
    )
    # Kubernetes silently replaces 0 with its default (10 s period, 1 s timeout).
    integer(
        path, f"{prop}.period_seconds", value.period_seconds, minimum=1, maximum=INT32_MAX, fix="Use 1 or more seconds."
    )
    integer(
        path,
        f"{prop}.timeout_seconds",
        value.timeout_seconds,
        minimum=1,
        maximum=INT32_MAX,
        fix="Use 1 or more seconds.",
    )
    return value


def image(path: PathArg, value: object) -> str:
    """A container image reference with a tag and/or a digest."""
    if not isinstance(value, str) or not value.strip():
        raise fail(path, "image", value, "must be a non-empty string", "Use an image such as 'redis:7-alpine'.")
    if any(character.isspace() for character in value):
        raise fail(path, "image", value, "must not contain whitespace", _image_hint(value, "-".join(value.split())))
    match = _IMAGE_REFERENCE.fullmatch(value)
    if match is None:
        # Suggest the same reference with the repository in lowercase (tags are case-sensitive).
        name, at, digest = value.partition("@")
        repository, colon, tag = name.rpartition(":")
        if not colon or "/" in tag:
            repository, colon, tag = name, "", ""
        lowered = f"{repository.lower()}{colon}{tag}{at}{digest}"
        raise fail(path, "image", value, "is not a valid image reference", _image_hint(value, lowered))
    if match["digest"] and not _DIGEST.fullmatch(match["digest"]):
        raise fail(
            path,
            "image",
            value,
            "has an invalid digest",
            "A digest is 'sha256:' followed by 64 lowercase hex digits (or sha384/sha512).",
        )
    if len(match["name"]) > 255:
        raise fail(path, "image", value, "must have a name of at most 255 characters", "Use a shorter repository name.")
    if not match["tag"] and not match["digest"]:
        raise fail(
            path,
            "image",
            value,
            "must have a tag or a digest (an untagged image means ':latest')",
            f"Use e.g. '{value}:7-alpine'.",
        )
    return value


def _image_hint(value: str, candidate: str) -> str:
    """A did-you-mean when ``candidate`` is a valid reference, else the generic fix."""
    if candidate != value and _IMAGE_REFERENCE.fullmatch(candidate):
        return f"Did you mean {candidate!r}?"
    return "Use [registry/]repository[:tag][@sha256:digest], repository in lowercase, e.g. 'redis:7-alpine'."


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
            raise fail(path, "labels", item, f"value for {key!r} must be a string", f"Use e.g. {str(item)!r}.")
        if item and (len(item) > 63 or not _LABEL_NAME.fullmatch(item)):
            raise fail(
                path,
                "labels",
                item,
                f"value for {key!r} must be at most 63 characters of letters, digits, '-', '_' and '.', "
                "starting and ending with a letter or digit",
                _label_hint(item, "Shorten it or replace the other characters with '-'."),
            )
    return dict(value)


def label_key(path: PathArg, key: object) -> str:
    """A label key: ``[prefix/]name``, prefix a DNS subdomain, name like a label value."""
    if not isinstance(key, str) or not key:
        raise fail(path, "labels", key, "keys must be non-empty strings", "Use a key such as 'team'.")
    prefix, slash, name = key.rpartition("/")
    if slash and (len(prefix) > 253 or not _DNS1123_SUBDOMAIN.fullmatch(prefix)):
        candidate = f"{prefix.lower()}/{name}" if prefix else name
        fixable = not prefix or (len(prefix) <= 253 and _DNS1123_SUBDOMAIN.fullmatch(prefix.lower()))
        fix = f"Did you mean {candidate!r}?" if fixable else "Use e.g. 'team' or 'example.com/team'."
        raise fail(path, "labels", key, "key prefix must be a lowercase DNS subdomain such as 'example.com'", fix)
    if len(name) > 63 or not _LABEL_NAME.fullmatch(name):
        raise fail(
            path,
            "labels",
            key,
            "key name must be at most 63 characters of letters, digits, '-', '_' and '.', "
            "starting and ending with a letter or digit",
            _label_hint(name, "Use e.g. 'team' or 'example.com/team'.", prefix=prefix + slash),
        )
    return key


def _label_hint(text: str, fallback: str, *, prefix: str = "") -> str:
    """Did you mean ``text`` with other characters replaced by '-', trimmed and cut to 63?"""
    cleaned = re.sub(r"[^-A-Za-z0-9_.]+", "-", text)[:63]
    cleaned = re.sub(r"^[^A-Za-z0-9]+|[^A-Za-z0-9]+$", "", cleaned)
    if cleaned and cleaned != text and _LABEL_NAME.fullmatch(cleaned):
        return f"Did you mean {prefix + cleaned!r}?"
    return fallback


_SECRET_KEY = re.compile(r"[-._a-zA-Z0-9]+")


def dns_subdomain(path: PathArg, prop: str, value: object) -> str:
    """A DNS-1123 subdomain (Secret and ConfigMap names): at most 253 characters."""
    if not isinstance(value, str) or not value or len(value) > 253 or not _DNS1123_SUBDOMAIN.fullmatch(value):
        raise fail(
            path,
            prop,
            value,
            "must be a DNS subdomain: lowercase letters, digits, '-' and '.', at most 253 characters",
            _subdomain_hint(value),
        )
    return value


def _subdomain_hint(value: object) -> str:
    """Did you mean ``value`` in lowercase with other characters replaced by '-'?"""
    if isinstance(value, str):
        labels = (re.sub(r"[^a-z0-9-]+", "-", part.lower()).strip("-") for part in value.split("."))
        candidate = ".".join(label for label in labels if label)[:253].strip(".-")
        if candidate and candidate != value and _DNS1123_SUBDOMAIN.fullmatch(candidate):
            return f"Did you mean {candidate!r}?"
    return "Use a name such as 'agentsmith-secrets'."


def secret_key(path: PathArg, prop: str, value: object) -> str:
    """A key inside a Secret: letters, digits, '-', '_' and '.'."""
    if not isinstance(value, str) or len(value) > 253 or not _SECRET_KEY.fullmatch(value):
        raise fail(
            path,
            prop,
            value,
            "must be a Secret key: letters, digits, '-', '_' and '.', at most 253 characters",
            "Use a key such as 'redis-url'.",
        )
    return value


def selector(path: PathArg, prop: str, value: object) -> dict[str, str]:
    """Match labels of a selector: valid label keys and values."""
    if not isinstance(value, Mapping):
        raise fail(path, prop, value, "must be a mapping of label keys to values", "Pass a dict such as {'app': 'x'}.")
    for key, item in value.items():
        label_key(path, key)
        label_value(path, f"{prop}[{key!r}]", item)
    return dict(value)


def boolean(path: PathArg, prop: str, value: object) -> bool:
    """A real ``bool`` (``"false"`` is truthy, so strings are refused)."""
    if not isinstance(value, bool):
        raise fail(path, prop, value, "must be True or False", f"Use {prop}=True or {prop}=False.")
    return value


#: Pod Security Standards version label values other than "latest".
POD_SECURITY_VERSION = re.compile(r"v1\.[0-9]+")


def label_value(path: PathArg, prop: str, value: object) -> str:
    """A label value: empty, or at most 63 characters of [-A-Za-z0-9_.], alphanumeric at both ends."""
    if not isinstance(value, str) or (value and (len(value) > 63 or not _LABEL_NAME.fullmatch(value))):
        raise fail(
            path,
            prop,
            value,
            "must be a label value: at most 63 characters of letters, digits, '-', '_' and '.', "
            "starting and ending with a letter or digit",
            "Use e.g. 'dispatcher'.",
        )
    return value


def secret_ref(path: PathArg, prop: str, value: object) -> SecretKeyRef:
    """A SecretKeyRef with a valid Secret name and key."""
    if not isinstance(value, SecretKeyRef):
        raise fail(path, prop, value, "must be an agentsmith.SecretKeyRef", "Pass SecretKeyRef(name=..., key=...).")
    dns_subdomain(path, f"{prop}.name", value.name)
    secret_key(path, f"{prop}.key", value.key)
    return value


def network_peers(path: PathArg, value: object) -> tuple[NetworkPeer, ...]:
    """A non-empty sequence of NetworkPeer with valid selectors.

    Empty is refused: a NetworkPolicy rule with ``from: []`` admits every
    source, the opposite of what an empty allow list reads as.
    """
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise fail(path, "allow_from", value, "must be a sequence of NetworkPeer", "Pass a tuple of NetworkPeer.")
    if not value:
        raise fail(
            path,
            "allow_from",
            value,
            "must not be empty: a NetworkPolicy rule with no peers admits every source",
            "Name the peers, e.g. (NetworkPeer(pod_selector={'app': 'dispatcher'}),), or keep SAME_NAMESPACE.",
        )
    for index, peer in enumerate(value):
        if not isinstance(peer, NetworkPeer):
            raise fail(
                path, f"allow_from[{index}]", peer, "must be an agentsmith.NetworkPeer", "Pass NetworkPeer(...)."
            )
        selector(path, f"allow_from[{index}].pod_selector", peer.pod_selector)
        if peer.namespace_selector is not None:
            selector(path, f"allow_from[{index}].namespace_selector", peer.namespace_selector)
    return tuple(value)


def redis_auth(path: PathArg, value: object) -> RedisAuth | None:
    """None, or a RedisAuth naming a valid Secret and keys."""
    if value is None:
        return None
    if not isinstance(value, RedisAuth):
        raise fail(path, "auth", value, "must be an agentsmith.RedisAuth", "Pass RedisAuth(secret_name=...).")
    dns_subdomain(path, "auth.secret_name", value.secret_name)
    secret_key(path, "auth.password_key", value.password_key)
    secret_key(path, "auth.url_key", value.url_key)
    return value


def redis_roles(path: PathArg, value: object) -> tuple[RedisRole, ...] | None:
    """None, or a non-empty sequence of valid RedisRole with distinct names and Secret keys."""
    if value is None:
        return None
    if isinstance(value, (str, bytes, RedisRole)) or not isinstance(value, Sequence) or not value:
        raise fail(
            path,
            "roles",
            value,
            "must be a non-empty sequence of agentsmith.RedisRole",
            "Pass roles=[RedisRole.dispatcher(secret_name=...), RedisRole.agent(secret_name=...)].",
        )
    names: set[str] = set()
    keys: set[tuple[str, str]] = set()
    for index, role in enumerate(value):
        prop = f"roles[{index}]"
        if not isinstance(role, RedisRole):
            raise fail(path, prop, role, "must be an agentsmith.RedisRole", "Use RedisRole.agent(secret_name=...).")
        role.check(path, prop)
        if role.name in names:
            raise fail(path, f"{prop}.name", role.name, "is used by two roles", "Give each role its own name.")
        names.add(role.name)
        refs = [("url_key", role.connection)] + [("password_key", ref) for _, ref in role.password_refs()]
        for field, ref in refs:
            if (ref.name, ref.key) in keys:
                raise fail(
                    path,
                    f"{prop}.{field}",
                    ref.key,
                    f"is already used by another role in Secret {ref.name!r}",
                    "Give each role its own Secret (or its own keys).",
                )
            keys.add((ref.name, ref.key))
    return tuple(value)


def pod_security(path: PathArg, value: object) -> PodSecurity | None:
    """None, or PodSecurity levels among the three profiles and a 'v1.N' or 'latest' version."""
    if value is None:
        return None
    if not isinstance(value, PodSecurity):
        raise fail(path, "pod_security", value, "must be an agentsmith.PodSecurity", "Pass PodSecurity().")
    for mode in ("enforce", "warn", "audit"):
        level = getattr(value, mode)
        if level not in POD_SECURITY_LEVELS:
            raise fail(
                path,
                f"pod_security.{mode}",
                level,
                f"must be one of {', '.join(POD_SECURITY_LEVELS)}",
                "Use 'baseline' or 'restricted'.",
            )
    if not (value.version == "latest" or POD_SECURITY_VERSION.fullmatch(value.version)):
        raise fail(
            path, "pod_security.version", value.version, "must be 'latest' or 'v<major>.<minor>'", "Use 'v1.27'."
        )
    return value


_REDIS_SCHEMES = {"redis": False, "rediss": True}  # scheme -> TLS


def redis_url(path: PathArg, prop: str, value: object) -> tuple[str, int, bool]:
    """A ``redis://`` or ``rediss://`` URL without credentials; returns (host, port, tls).

    Credentials are refused because a URL given as a prop ends up in ``dist/``
    in plain text; the error never repeats the URL, which may hold a password.
    """
    if not isinstance(value, str):
        raise fail(path, prop, value, "must be a string", "Pass e.g. 'redis://redis:6379'.")
    parts = urlsplit(value)
    if parts.password or parts.username:
        raise fail(
            path,
            prop,
            "<redacted>",
            "must not contain credentials: they would be written into dist/ in plain text",
            "Store the URL in a Secret created outside dist/ and pass secret=SecretKeyRef(name=..., key=...).",
        )
    if parts.scheme not in _REDIS_SCHEMES:
        raise fail(
            path,
            prop,
            value,
            "must use the redis:// or rediss:// scheme",
            "Use e.g. 'rediss://my-redis.example.com:6380' (rediss = TLS).",
        )
    try:
        port = 6379 if parts.port is None else parts.port
    except ValueError:
        raise fail(path, prop, value, "has an invalid port", "Use a port between 1 and 65535.") from None
    if not parts.hostname:
        raise fail(path, prop, value, "has no host", "Use e.g. 'redis://my-redis.example.com:6379'.")
    if not 1 <= port <= 65535:
        raise fail(path, prop, value, "has an invalid port", "Use a port between 1 and 65535.")
    return parts.hostname, port, _REDIS_SCHEMES[parts.scheme]


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
