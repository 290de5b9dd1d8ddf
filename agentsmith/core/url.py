"""The rules of a Redis URL and host: a URL given as a prop lands in ``dist/``, so it holds no credential."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import parse_qsl, unquote, urlsplit

from agentsmith.core.rules import (
    _DNS1123_LABEL,
    _SUBDOMAIN_EXAMPLES,
    PathArg,
    _subdomain_candidate,
    did_you_mean,
    fail,
    yaml_safe,
)
from agentsmith.errors import AgentsmithConfigError

__all__ = ["host", "redact_url", "redis_url"]

_REDIS_SCHEMES = {"redis": False, "rediss": True}  # scheme -> TLS
#: Query parameters that carry credentials (redis-py reads ``?password=`` and ``?username=``).
_CREDENTIAL_PARAMETERS = frozenset({"password", "username", "user", "pass", "passwd", "auth", "requirepass"})
_URL_CHARACTERS = re.compile(r"[!-~]*", re.ASCII)  # printable ASCII: no space, control or non-ASCII
_IPV4_LIKE = re.compile(r"[0-9.]+", re.ASCII)


def redact_url(text: str) -> str:
    """``text`` with everything that may be a credential replaced by ``<redacted>``.

    Userinfo (up to the last '@') and the whole query and fragment go; the
    scheme, host, port and path stay so that the message still says what is wrong.
    """
    scheme, sep, rest = text.partition("://")
    if not sep:
        scheme, rest = "", text
    if "@" in rest:
        rest = "<redacted>@" + rest.rpartition("@")[2]
    for mark in ("?", "#"):
        if mark in rest:
            rest = rest.partition(mark)[0] + mark + "<redacted>"
    return f"{scheme}{sep}{rest}"


def redis_url(path: PathArg, prop: str, value: object) -> tuple[str, int, bool]:
    """A ``redis://`` or ``rediss://`` URL without credentials; returns (host, port, tls).

    Credentials (userinfo, or ``?password=``/``?username=``) are refused
    because a URL given as a prop ends up in ``dist/`` in plain text; every
    message shows the URL with them redacted. The host is a DNS name, an IPv4
    address or a bracketed IPv6 address (``redis://[::1]:6379``); the scheme is
    lowercase; the path, if any, is a database number (``/0``).
    """
    if not isinstance(value, str):
        # Text (str, or bytes by mistake) may hold credentials: anything else is shown as it is.
        shown_value = "<redacted>" if isinstance(value, (bytes, bytearray)) else value
        raise fail(path, prop, shown_value, f"must be a string, not a {type(value).__name__}", _URL_FIX)
    shown = redact_url(value)
    if not _URL_CHARACTERS.fullmatch(value):
        stripped = value.strip()
        fix = _URL_FIX
        if stripped != value and _URL_CHARACTERS.fullmatch(stripped) and "@" not in stripped:
            fix = did_you_mean(shown, redact_url(stripped), _URL_FIX)
        raise fail(
            path,
            prop,
            shown,
            "must contain only printable ASCII: no spaces, control characters or non-ASCII letters "
            "(write an international host name in its xn-- form)",
            fix,
        )
    try:
        parts = urlsplit(value)
    except ValueError:  # Python checks brackets: "redis://[::g]:6379", "redis://[::1"
        raise fail(
            path, prop, shown, "has an invalid IPv6 address", "Write IPv6 in brackets, e.g. 'redis://[::1]:6379'."
        ) from None
    if "@" in value or parts.password or parts.username or _credential_parameter(parts.query):
        raise fail(
            path,
            prop,
            shown,
            "must not contain credentials: they would be written into dist/ in plain text",
            "Store the URL in a Secret created outside dist/ and pass url_secret=SecretKeyRef(name=..., key=...).",
        )
    scheme = value.partition("://")[0] if "://" in value else ""
    if scheme not in _REDIS_SCHEMES:
        if scheme.lower() in _REDIS_SCHEMES:
            candidate: str | None = scheme.lower() + value[len(scheme) :]
        elif not scheme and "/" not in value:
            candidate = "redis://" + value
        else:
            candidate = None
        raise fail(
            path,
            prop,
            shown,
            "must use the redis:// or rediss:// scheme",
            did_you_mean(
                shown,
                candidate and redact_url(candidate),
                "Use e.g. 'rediss://my-redis.example.com:6380' (rediss = TLS).",
            ),
        )
    try:
        port = 6379 if parts.port is None else parts.port
    except ValueError:
        raise fail(path, prop, shown, "has an invalid port", "Use a port between 1 and 65535.") from None
    if not 1 <= port <= 65535 or parts.netloc.endswith(":"):
        raise fail(path, prop, shown, "has an invalid port", "Use a port between 1 and 65535.")
    if not parts.hostname:
        raise fail(path, prop, shown, "has no host", "Use e.g. 'redis://my-redis.example.com:6379'.")
    raw_host = parts.netloc.rpartition("@")[2]
    raw_host = raw_host.partition("]")[0] + "]" if raw_host.startswith("[") else raw_host.partition(":")[0]
    host_name = host(path, prop, raw_host, shown=shown, url=value)
    if parts.path not in ("", "/") and not re.fullmatch(r"/[0-9]{1,5}", parts.path, re.ASCII):
        raise fail(
            path,
            prop,
            shown,
            "has a path that is not a database number",
            "Use '/<number>' after the host, e.g. 'redis://redis:6379/0', or no path.",
        )
    if parts.fragment or value.endswith("#"):
        raise fail(path, prop, shown, "must not have a '#fragment'", "Remove it.")
    return host_name, port, _REDIS_SCHEMES[scheme]


def _is_host(text: str) -> bool:
    try:
        host(None, "host", text, hints=False)
    except AgentsmithConfigError:
        return False
    return True


_URL_FIX = "Pass a URL such as 'redis://redis:6379' or 'rediss://my-redis.example.com:6380'."


def _credential_parameter(query: str) -> bool:
    try:
        names = [unquote(name).strip().lower() for name, _ in parse_qsl(query, keep_blank_values=True)]
    except ValueError:
        return True  # unparsable: treat as possibly secret
    return any(name in _CREDENTIAL_PARAMETERS for name in names) or "password" in query.lower()


def host(
    path: PathArg, prop: str, value: object, *, shown: object = None, url: str | None = None, hints: bool = True
) -> str:
    """A host clients can connect to: a DNS name, an IPv4 address, or an IPv6 address.

    IPv6 may be bracketed (``[::1]``); the brackets are dropped from the result.
    A DNS name follows RFC 1123: labels of at most 63 letters, digits and '-',
    not starting or ending with '-', at most 253 characters in all. Returns the
    host in lowercase (DNS names are case-insensitive). Inside a URL, ``shown``
    is the redacted URL and ``url`` the URL, so that a hint is a whole URL.
    ``hints=False`` skips the did-you-mean (used to check a candidate).
    """
    shown = value if shown is None else shown
    example = _SUBDOMAIN_EXAMPLES["host"]
    if not isinstance(value, str):
        raise fail(
            path, prop, shown, f"must be a string, not a {type(value).__name__}", f"Use a host such as {example!r}."
        )
    if not value:
        raise fail(path, prop, shown, "must have a non-empty host", f"Use a host such as {example!r}.")
    text = value[1:-1] if value.startswith("[") and value.endswith("]") else value
    if ":" in text or value.startswith("["):
        try:
            return str(ipaddress.IPv6Address(text))
        except ValueError:
            raise fail(
                path, prop, shown, "has an invalid IPv6 address", "Write IPv6 in brackets, e.g. 'redis://[::1]:6379'."
            ) from None
    lowered = text.lower()
    if _IPV4_LIKE.fullmatch(lowered):
        try:
            return str(ipaddress.IPv4Address(lowered))
        except ValueError:
            raise fail(
                path, prop, shown, "has an invalid IPv4 address", "Use four numbers from 0 to 255, e.g. '10.0.0.7'."
            ) from None
    labels = lowered.split(".")
    if len(lowered) > 253 or not all(len(label) <= 63 and _DNS1123_LABEL.fullmatch(label) for label in labels):
        candidate = _subdomain_candidate(text) if hints else None
        if candidate is not None and not _is_host(candidate):
            candidate = None  # e.g. "9-_" -> "9", which is no host either
        fallback = f"Use a host such as {example!r}."
        if url is None:
            fix = did_you_mean(text, candidate, fallback)
        else:
            fix = did_you_mean(shown, candidate and redact_url(url.replace(text, candidate, 1)), _URL_FIX)
        raise fail(
            path,
            prop,
            shown,
            "must have a DNS host name (letters, digits, '-' and '.', labels of at most 63 characters), "
            "an IPv4 address or a bracketed IPv6 address",
            fix,
        )
    return yaml_safe(path, prop, lowered)
