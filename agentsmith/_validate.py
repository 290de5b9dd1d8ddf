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

from constructs import Construct

from ._quantity import QuantityError, parse_quantity, parse_redis_memory
from ._yaml_types import yaml_ambiguous
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

#: The smallest ``maxmemory`` accepted: 8 MiB. Measured with redis-server 7.0
#: (``benchmarks/redis_maxmemory_floor.py``): an empty server uses about 0.9 MB
#: (``used_memory``) and every connected redis-py client about 38 KB more;
#: eviction cannot free that overhead, so once it exceeds ``maxmemory`` every
#: write fails with OOM, whatever the policy. Redis itself warns below 1 MB;
#: 8 MiB still takes writes with 100 clients connected (4 MiB does not).
MIN_MAXMEMORY = 8 * 2**20
MIN_MAXMEMORY_TEXT = "8mb"

#: The smallest ``data_size_limit`` accepted: 1 MiB. The kubelet counts a
#: file in whole filesystem blocks (4 KiB), so a smaller limit evicts the pod
#: for the first file Redis writes there (a manual ``SAVE``).
MIN_DATA_SIZE_LIMIT = 2**20

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


def maxmemory(path: PathArg, value: object) -> int:
    """Redis ``maxmemory``: memory-size syntax and more than zero; returns bytes."""
    try:
        size = parse_redis_memory(value)  # type: ignore[arg-type]
    except QuantityError as error:
        raise fail(path, "maxmemory", value, error.reason, error.fix) from None
    if size <= 0:
        raise fail(path, "maxmemory", value, "must be greater than 0", "Use a size such as '256mb'; 0 means no limit.")
    if size < MIN_MAXMEMORY:
        raise fail(
            path,
            "maxmemory",
            value,
            f"must be at least {MIN_MAXMEMORY_TEXT}: an empty Redis 7 uses about 1 MB and each connected "
            "client about 38 KB more, and every write fails with OOM once that exceeds 'maxmemory'",
            f"Use {MIN_MAXMEMORY_TEXT} or more, e.g. '256mb' (the seed's value).",
        )
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
        if isinstance(value, str) and value.endswith("m"):
            rule, fix = "must be a whole number of bytes ('m' means 1/1000)", f"Did you mean {value[:-1] + 'Mi'!r}?"
        else:
            rule, fix = "must be a whole number of bytes", f"Use a whole number of bytes, e.g. {example!r}."
        raise fail(path, prop, value, rule, fix)
    return amount


def data_size_limit(path: PathArg, value: object, *, example: str) -> str:
    """The ``/data`` emptyDir's ``sizeLimit``: whole bytes, at least MIN_DATA_SIZE_LIMIT (1Mi)."""
    size = quantity(path, "data_size_limit", value, example=example, whole=True)
    if size < MIN_DATA_SIZE_LIMIT:
        raise fail(
            path,
            "data_size_limit",
            value,
            "must be at least 1Mi: the kubelet counts whole 4 KiB blocks and evicts the pod above the limit",
            f"Use 1Mi or more, e.g. {example!r}.",
        )
    return str(value)


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
            _headroom_fix(limit),
        )


def _headroom_fix(limit: Fraction) -> str:
    """Lower ``maxmemory`` to the headroom, or, when that is under MIN_MAXMEMORY, raise the limit."""
    most = int(limit * MAXMEMORY_HEADROOM)
    if most >= MIN_MAXMEMORY:
        return f"Use at most {_redis_floor(most)!r} or raise 'resources.memory_limit'."
    needed = -(-MIN_MAXMEMORY * MAXMEMORY_HEADROOM.denominator // MAXMEMORY_HEADROOM.numerator // 2**20)
    return f"Raise 'resources.memory_limit' to at least '{needed}Mi' (maxmemory cannot go below {MIN_MAXMEMORY_TEXT})."


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
    fallback = "Use [registry/]repository[:tag][@sha256:digest], repository in lowercase, e.g. 'redis:7-alpine'."
    if _IMAGE_REFERENCE.fullmatch(candidate):
        return did_you_mean(value, candidate, fallback)
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
        yaml_safe(path, f"labels[{key!r}]", item)
    return dict(value)


def label_key(path: PathArg, key: object) -> str:
    """A label key: ``[prefix/]name``, prefix a DNS subdomain, name like a label value."""
    if not isinstance(key, str) or not key:
        raise fail(path, "labels", key, "keys must be non-empty strings", "Use a key such as 'team'.")
    prefix, slash, name = key.rpartition("/")
    if slash and (len(prefix) > 253 or not _DNS1123_SUBDOMAIN.fullmatch(prefix)):
        candidate = f"{prefix.lower()}/{name}" if prefix else name
        fixable = (not prefix or (len(prefix) <= 253 and _DNS1123_SUBDOMAIN.fullmatch(prefix.lower()))) and (
            len(name) <= 63 and _LABEL_NAME.fullmatch(name)
        )
        fix = did_you_mean(key, candidate if fixable else None, "Use e.g. 'team' or 'example.com/team'.")
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
    return yaml_safe(path, "labels", key)


def _label_hint(text: str, fallback: str, *, prefix: str = "") -> str:
    """Did you mean ``text`` with other characters replaced by '-', trimmed and cut to 63?"""
    cleaned = re.sub(r"[^-A-Za-z0-9_.]+", "-", text)[:63]
    cleaned = re.sub(r"^[^A-Za-z0-9]+|[^A-Za-z0-9]+$", "", cleaned)
    if cleaned and _LABEL_NAME.fullmatch(cleaned):
        return did_you_mean(prefix + text, prefix + cleaned, fallback)
    return fallback


_SECRET_KEY = re.compile(r"[-._a-zA-Z0-9]+")


#: An example of the same kind for each prop that takes a DNS subdomain.
_SUBDOMAIN_EXAMPLES = {
    "cluster_domain": "cluster.local",
    "auth.secret_name": "redis-auth",
    "host": "my-redis.example.com",
    "url": "my-redis.example.com",
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


_SYSTEM_NAMESPACE_PREFIX = "kube-"
#: Namespaces every cluster has; ``kube-*`` is reserved for Kubernetes as a whole.
SYSTEM_NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system")


def own_namespace(path: PathArg, value: object) -> str:
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


#: Environment variable names: Kubernetes 1.27's IsEnvVarName (see README, "Input rules").
_ENV_VAR_NAME = re.compile(r"[-._a-zA-Z][-._a-zA-Z0-9]*", re.ASCII)


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


def wiring(value: object, name: object) -> None:
    """The arguments of ``redis_url_env``/``add_redis_url``: an endpoint and an env var name."""
    endpoint(None, "endpoint", value)
    env_var_name(None, "name", name)


def endpoint(path: PathArg, prop: str, value: object) -> object:
    """Anything with the RedisEndpoint handles (``host``, ``port``, ``url``, ``connection``)."""
    from .endpoint import RedisEndpoint

    if not isinstance(value, RedisEndpoint) or not isinstance(getattr(value, "connection", None), SecretKeyRef):
        raise fail(
            path,
            prop,
            "<redacted>" if isinstance(value, str) and "@" in value else value,
            "must be a RedisEndpoint (EphemeralRedis, ExternalRedis or your own), not a " + type(value).__name__,
            "Pass the construct itself, e.g. redis_url_env(redis) with redis = EphemeralRedis(...).",
        )
    return value


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
POD_SECURITY_VERSION = re.compile(r"v1\.(0|[1-9][0-9]*)")


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
    return yaml_safe(path, prop, value)


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
    if value.url_key == value.password_key:
        raise fail(
            path,
            "auth.url_key",
            value.url_key,
            "must differ from 'auth.password_key': one key cannot hold both the password and the URL",
            "Use two keys, e.g. password_key='redis-password' and url_key='redis-url' (the defaults).",
        )
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
    if not (version == "latest" or (isinstance(version, str) and POD_SECURITY_VERSION.fullmatch(version))):
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
