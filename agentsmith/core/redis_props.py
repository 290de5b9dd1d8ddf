"""The rules of EphemeralRedis's own props: image, maxmemory and its headroom, eviction policy, UID, and the
access's client bounds (max clients, max value size)."""

from __future__ import annotations

import difflib
import re

from agentsmith.core import seed
from agentsmith.core.limits import (
    DEFAULT_MAX_CLIENTS,
    FRAGMENTATION_SHARE,
    MAX_MAX_CLIENTS,
    MIN_MAX_CLIENTS,
    MIN_MAX_VALUE_SIZE,
    PROBE_CONNECTIONS,
    PROTO_MAX_BULK_LEN,
)
from agentsmith.core.quantity import QuantityError, parse_redis_memory
from agentsmith.core.rules import INT32_MAX, PathArg, did_you_mean, fail, integer, quantity

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
#: memory limit: under eviction churn the allocator holds up to 13/16 of
#: ``maxmemory`` beyond it (``_limits.FRAGMENTATION_SHARE``, measured), so
#: ``maxmemory x 29/16`` must fit. The default 256mb under 512Mi passes; the
#: seed's 256mb under 384Mi does not (OOM-killed under churn, measured).
MAXMEMORY_HEADROOM = 1 / (1 + FRAGMENTATION_SHARE)

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


def image(path: PathArg, value: object, *, prop: str = "image", example: str = seed.REDIS_IMAGE) -> str:
    """A container image reference with a tag and/or a digest; ``prop`` and ``example`` go into errors."""
    if not isinstance(value, str) or not value.strip():
        raise fail(path, prop, value, "must be a non-empty string", f"Use an image such as {example!r}.")
    if any(character.isspace() for character in value):
        raise fail(
            path, prop, value, "must not contain whitespace", _image_hint(value, "-".join(value.split()), example)
        )
    match = _IMAGE_REFERENCE.fullmatch(value)
    if match is None:
        # Suggest the same reference with the repository in lowercase (tags are case-sensitive).
        name, at, digest = value.partition("@")
        repository, colon, tag = name.rpartition(":")
        if not colon or "/" in tag:
            repository, colon, tag = name, "", ""
        lowered = f"{repository.lower()}{colon}{tag}{at}{digest}"
        raise fail(path, prop, value, "is not a valid image reference", _image_hint(value, lowered, example))
    if match["digest"] and not _DIGEST.fullmatch(match["digest"]):
        raise fail(
            path,
            prop,
            value,
            "has an invalid digest",
            "A digest is 'sha256:' followed by 64 lowercase hex digits (or sha384/sha512).",
        )
    if len(match["name"]) > 255:
        raise fail(path, prop, value, "must have a name of at most 255 characters", "Use a shorter repository name.")
    if not match["tag"] and not match["digest"]:
        raise fail(
            path,
            prop,
            value,
            "must have a tag or a digest (an untagged image means ':latest')",
            f"Use e.g. '{value}:{example.rpartition(':')[2]}'.",
        )
    return value


def _image_hint(value: str, candidate: str, example: str) -> str:
    """A did-you-mean when ``candidate`` is a valid reference, else the generic fix."""
    fallback = f"Use [registry/]repository[:tag][@sha256:digest], repository in lowercase, e.g. {example!r}."
    if _IMAGE_REFERENCE.fullmatch(candidate):
        return did_you_mean(value, candidate, fallback)
    return fallback


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


def maxmemory_headroom(
    path: PathArg,
    maxmemory_value: str,
    maxmemory_bytes: int,
    memory_limit: str,
    limit: int,
    *,
    clients: int = 0,
    persistent: bool = False,
) -> None:
    """``maxmemory`` <= MAXMEMORY_HEADROOM (16/29) of the memory limit (``limit`` bytes) minus ``clients`` bytes.

    ``clients``: the least client budget the access needs (with the guard, twice its largest value, so one
    value can be read back: ``access.max_value_size``), else 0. ``persistent``: an AOF rewrite forks Redis and
    copy-on-write can duplicate every page it holds, so the rule applies to half the limit.
    """
    room = (limit // 2 if persistent else limit) - clients
    if maxmemory_bytes > room * MAXMEMORY_HEADROOM:
        share = f"{MAXMEMORY_HEADROOM.numerator}/{MAXMEMORY_HEADROOM.denominator}"
        of = f"{'half of ' if persistent else ''}'resources.memory_limit' ({memory_limit})"
        if clients:
            of += f" minus twice 'access.max_value_size' ({_redis_floor(clients // 2)}, the clients' least budget)"
        fork = (
            "; with 'persistence' an AOF rewrite forks Redis, and copy-on-write can duplicate every page it "
            "holds (docs/operations.md, 'Persistence')"
            if persistent
            else ""
        )
        raise fail(
            path,
            "maxmemory",
            maxmemory_value,
            f"must be at most {share} of {of}: under eviction churn the allocator holds up to "
            f"{FRAGMENTATION_SHARE.numerator}/{FRAGMENTATION_SHARE.denominator} of maxmemory beyond it "
            f"(measured; docs/design.md, 'Sizing under eviction churn'){fork}",
            _headroom_fix(room, clients, copies=2 if persistent else 1, maxmemory_bytes=maxmemory_bytes),
        )


def _headroom_fix(room: int, clients: int, *, copies: int = 1, maxmemory_bytes: int = 0) -> str:
    """Lower ``maxmemory`` to the headroom, or, when that is under MIN_MAXMEMORY, raise the limit (with
    ``copies`` > 1, persistence: also the limit this ``maxmemory`` needs)."""
    most = int(room * MAXMEMORY_HEADROOM) if room > 0 else 0
    if most >= MIN_MAXMEMORY and copies > 1:
        needed_limit = -(-int((maxmemory_bytes / MAXMEMORY_HEADROOM + clients) * copies) // 2**20)
        return f"Use at most {_redis_floor(most)!r}, or raise 'resources.memory_limit' to at least '{needed_limit}Mi'."
    if most >= MIN_MAXMEMORY:
        return f"Use at most {_redis_floor(most)!r} or raise 'resources.memory_limit'."
    needed_bytes = (MIN_MAXMEMORY * MAXMEMORY_HEADROOM.denominator / MAXMEMORY_HEADROOM.numerator + clients) * copies
    needed = -(-needed_bytes // 2**20)
    return (
        f"Raise 'resources.memory_limit' to at least '{needed:.0f}Mi' (maxmemory cannot go below {MIN_MAXMEMORY_TEXT})."
    )


def _redis_floor(size: int) -> str:
    """``size`` bytes rounded down to whole mb (or kb, or bytes when smaller)."""
    for unit, factor in (("mb", 2**20), ("kb", 2**10)):
        if size >= factor:
            return f"{size // factor}{unit}"
    return str(size)


def data_size_limit(path: PathArg, value: object, *, prop: str, example: str) -> str:
    """The ``/data`` emptyDir's ``sizeLimit``: whole bytes, at least MIN_DATA_SIZE_LIMIT (1Mi)."""
    size = quantity(path, prop, value, example=example, whole=True)
    if size < MIN_DATA_SIZE_LIMIT:
        raise fail(
            path,
            prop,
            value,
            "must be at least 1Mi: the kubelet counts whole 4 KiB blocks and evicts the pod above the limit",
            f"Use 1Mi or more, e.g. {example!r}.",
        )
    return str(value)


def run_as_user(path: PathArg, value: object) -> int:
    return integer(
        path,
        "run_as_user",
        value,
        minimum=1,
        maximum=INT32_MAX,
        fix="Use a non-root UID such as 999 (the redis user of the official image); 0 is root.",
    )


def max_clients(path: PathArg, value: object, *, prop: str) -> int:
    """``prop``: an integer from the probes plus one client (3) to ``fs.nr_open`` minus Redis's 32 (1048544)."""
    fix = f"Use the number of clients you expect plus {PROBE_CONNECTIONS} for the probes, e.g. {DEFAULT_MAX_CLIENTS}."
    count = integer(path, prop, value, minimum=MIN_MAX_CLIENTS, fix=fix)
    if count > MAX_MAX_CLIENTS:
        rule = f"must be at most {MAX_MAX_CLIENTS} (Linux's open-file ceiling, fs.nr_open, minus Redis's 32)"
        raise fail(path, prop, value, rule, fix)
    return count


def max_value_size(path: PathArg, value: object, *, prop: str) -> str:
    """``prop``: a Redis memory size of at least 1mb (Redis's floor for ``proto-max-bulk-len``)."""
    fix = f"Use a Redis memory size such as {PROTO_MAX_BULK_LEN!r} (the default)."
    if not isinstance(value, str):
        raise fail(path, prop, value, "must be a Redis memory size string", fix)
    try:
        size = parse_redis_memory(value)
    except QuantityError as error:
        raise fail(path, prop, value, error.reason, fix) from None
    if size < parse_redis_memory(MIN_MAX_VALUE_SIZE):
        raise fail(
            path, prop, value, f"must be at least {MIN_MAX_VALUE_SIZE} (Redis's smallest proto-max-bulk-len)", fix
        )
    return value


def max_value_size_fits(path: PathArg, value: str, output_limit: int, *, prop: str) -> None:
    """``prop`` at most one client's output limit: a bigger value could be written but never read back."""
    if parse_redis_memory(value) > output_limit:
        raise fail(
            path,
            prop,
            value,
            f"must be at most one client's output limit ({_redis_floor(output_limit)}: half the client memory budget, "
            "what resources.memory_limit leaves after maxmemory and 13/16 of it), or a value could be written but "
            "a GET of it would disconnect the reader",
            "Lower max_value_size, or raise resources.memory_limit.",
        )
