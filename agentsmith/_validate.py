"""Validation of construct props: one rule per function, one error type.

Each check raises :class:`~agentsmith.errors.AgentsmithConfigError` with the
prop in quotes, the value given, the construct path and the fix. Constructs
call these before they create any API object.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from fractions import Fraction

from ._quantity import QuantityError, parse_quantity, parse_redis_memory
from .errors import AgentsmithConfigError
from .probes import ProbeTiming
from .resources import Resources

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
    rf"(?:{_DOMAIN}/)?{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*"
    r"(?P<tag>:[\w][\w.-]{0,127})?"
    r"(?P<digest>@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?"
)


def fail(path: str | None, prop: str, value: object, rule: str, fix: str) -> AgentsmithConfigError:
    """Build the library's error: ``'prop' <rule> (got <value>). <fix>``."""
    return AgentsmithConfigError(f"'{prop}' {rule} (got {value!r}). {fix}", prop=prop, value=value, path=path)


def dns_label(path: str | None, prop: str, value: object, *, service: bool = False) -> str:
    """A Kubernetes object name: DNS-1123 label, or DNS-1035 when it names a Service."""
    pattern, kind = (_DNS1035_LABEL, "RFC 1035") if service else (_DNS1123_LABEL, "RFC 1123")
    if not isinstance(value, str) or not value:
        raise fail(path, prop, value, "must be a non-empty string", "Use a name such as 'redis'.")
    if len(value) > 63:
        raise fail(path, prop, value, f"must be at most 63 characters, not {len(value)}", "Use a shorter name.")
    if not pattern.fullmatch(value):
        start = "a lowercase letter" if service else "a lowercase letter or digit"
        raise fail(
            path,
            prop,
            value,
            f"must be a {kind} label: lowercase letters, digits and '-', starting with {start} "
            "and ending with a letter or digit",
            f"Did you mean {_suggest_label(value, service=service)!r}?",
        )
    return value


def _suggest_label(value: str, *, service: bool) -> str:
    cleaned = re.sub(r"[^a-z0-9-]+", "-", value.lower()).strip("-")
    if service:
        cleaned = cleaned.lstrip("0123456789-")
    return cleaned[:63].rstrip("-") or "redis"


def maxmemory(path: str | None, value: object) -> int:
    """Redis ``maxmemory``: memory-size syntax and more than zero; returns bytes."""
    try:
        size = parse_redis_memory(value)  # type: ignore[arg-type]
    except QuantityError as error:
        raise fail(path, "maxmemory", value, "is not a Redis memory size", f"{error}.") from None
    if size <= 0:
        raise fail(path, "maxmemory", value, "must be greater than 0", "Use a size such as '256mb'; 0 means no limit.")
    return size


def maxmemory_policy(path: str | None, value: object) -> str:
    """One of Redis's eight eviction policies, with a did-you-mean hint."""
    if value in MAXMEMORY_POLICIES:
        return value  # type: ignore[return-value]
    close = difflib.get_close_matches(str(value), MAXMEMORY_POLICIES, n=1)
    hint = f"Did you mean {close[0]!r}?" if close else "Use 'allkeys-lru' (the seed's choice)."
    raise fail(path, "maxmemory_policy", value, f"must be one of {', '.join(MAXMEMORY_POLICIES)}", hint)


def quantity(path: str | None, prop: str, value: object, *, example: str) -> Fraction:
    """A Kubernetes quantity greater than zero."""
    try:
        amount = parse_quantity(value)  # type: ignore[arg-type]
    except QuantityError as error:
        raise fail(path, prop, value, "is not a Kubernetes quantity", f"{error}.") from None
    if amount <= 0:
        raise fail(path, prop, value, "must be greater than 0", f"Use a quantity such as {example!r}.")
    return amount


def resources(path: str | None, value: object) -> Resources:
    """Requests and limits are valid quantities and each request is at most its limit."""
    if not isinstance(value, Resources):
        raise fail(path, "resources", value, "must be an agentsmith.Resources", "Pass Resources(cpu_limit=..., ...).")
    cpu_request = quantity(path, "resources.cpu_request", value.cpu_request, example="100m")
    cpu_limit = quantity(path, "resources.cpu_limit", value.cpu_limit, example="500m")
    memory_request = quantity(path, "resources.memory_request", value.memory_request, example="128Mi")
    memory_limit = quantity(path, "resources.memory_limit", value.memory_limit, example="384Mi")
    for kind, request, limit in (("cpu", cpu_request, cpu_limit), ("memory", memory_request, memory_limit)):
        if request > limit:
            raise fail(
                path,
                f"resources.{kind}_request",
                getattr(value, f"{kind}_request"),
                f"must not exceed 'resources.{kind}_limit' ({getattr(value, f'{kind}_limit')})",
                f"Lower the request or raise the limit.",
            )
    return value


def maxmemory_headroom(path: str | None, maxmemory_value: str, maxmemory_bytes: int, memory_limit: str) -> None:
    """``maxmemory`` <= 3/4 of the container's memory limit (see MAXMEMORY_HEADROOM)."""
    limit = parse_quantity(memory_limit)
    if maxmemory_bytes > limit * MAXMEMORY_HEADROOM:
        ceiling = int(limit * MAXMEMORY_HEADROOM) // 2**20
        raise fail(
            path,
            "maxmemory",
            maxmemory_value,
            f"must be at most 3/4 of 'resources.memory_limit' ({memory_limit}), leaving headroom "
            "for fragmentation and client buffers",
            f"Use at most '{ceiling}mb' or raise 'resources.memory_limit'.",
        )


def integer(path: str | None, prop: str, value: object, *, minimum: int, maximum: int | None = None, fix: str) -> int:
    """An ``int`` (not a bool) within [minimum, maximum]."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise fail(path, prop, value, "must be an integer", fix)
    if value < minimum or (maximum is not None and value > maximum):
        bounds = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        raise fail(path, prop, value, f"must be {bounds}", fix)
    return value


def port(path: str | None, value: object) -> int:
    return integer(path, "port", value, minimum=1, maximum=65535, fix="Use a TCP port such as 6379.")


def run_as_user(path: str | None, value: object) -> int:
    return integer(
        path,
        "run_as_user",
        value,
        minimum=1,
        fix="Use a non-root UID such as 999 (the redis user of the official image); 0 is root.",
    )


def probe(path: str | None, prop: str, value: object) -> ProbeTiming:
    """Kubernetes' minimums: initialDelaySeconds >= 0, periodSeconds and timeoutSeconds >= 1."""
    if not isinstance(value, ProbeTiming):
        raise fail(path, prop, value, "must be an agentsmith.ProbeTiming", "Pass ProbeTiming(...).")
    integer(path, f"{prop}.initial_delay_seconds", value.initial_delay_seconds, minimum=0, fix="Use 0 or more.")
    integer(path, f"{prop}.period_seconds", value.period_seconds, minimum=1, fix="Use 1 or more.")
    integer(path, f"{prop}.timeout_seconds", value.timeout_seconds, minimum=1, fix="Use 1 or more.")
    return value


def image(path: str | None, value: object) -> str:
    """A container image reference with a tag and/or a digest."""
    if not isinstance(value, str) or not value.strip():
        raise fail(path, "image", value, "must be a non-empty string", "Use an image such as 'redis:7-alpine'.")
    if any(character.isspace() for character in value):
        raise fail(path, "image", value, "must not contain whitespace", f"Did you mean {''.join(value.split())!r}?")
    match = _IMAGE_REFERENCE.fullmatch(value)
    if match is None:
        raise fail(
            path,
            "image",
            value,
            "is not a valid image reference",
            "Use [registry/]repository[:tag][@sha256:digest] in lowercase, e.g. 'redis:7-alpine'.",
        )
    if not match["tag"] and not match["digest"]:
        raise fail(
            path,
            "image",
            value,
            "must have a tag or a digest (an untagged image means ':latest')",
            f"Use e.g. '{value}:7-alpine'.",
        )
    return value


def labels(path: str | None, value: object, *, reserved: Iterable[str]) -> dict[str, str]:
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
        if not isinstance(item, str) or (item and (len(item) > 63 or not _LABEL_NAME.fullmatch(item))):
            raise fail(
                path,
                f"labels[{key!r}]",
                item,
                "must be a label value: at most 63 characters of letters, digits, '-', '_' and '.', "
                "starting and ending with a letter or digit",
                "Shorten it or replace the other characters with '-'.",
            )
    return dict(value)


def label_key(path: str | None, key: object) -> str:
    if not isinstance(key, str) or not key:
        raise fail(path, "labels", key, "keys must be non-empty strings", "Use a key such as 'team'.")
    prefix, _, name = key.rpartition("/")
    if prefix and (len(prefix) > 253 or not _DNS1123_SUBDOMAIN.fullmatch(prefix)):
        raise fail(path, "labels", key, "key prefix must be a DNS subdomain", "Use e.g. 'example.com/team'.")
    if len(name) > 63 or not _LABEL_NAME.fullmatch(name):
        raise fail(
            path,
            "labels",
            key,
            "key name must be at most 63 characters of letters, digits, '-', '_' and '.', "
            "starting and ending with a letter or digit",
            "Use e.g. 'team' or 'example.com/team'.",
        )
    return key
