"""RedisAuth inside RedisAccess: one exact error per bad field (the password Secret's name and keys)."""

from __future__ import annotations

import pytest
from _bad_props import SUBDOMAIN, BadChart, BadInput, bad

from agentsmith import RedisAccess, RedisAuth

# -- Bad props: one exact error each, before any API object (tests/_bad_props.py) --------

SAME_KEYS = "must differ from 'access.auth.password_key': one key cannot hold both the password and the URL"
SAME_KEYS_FIX = "Use two keys, e.g. password_key='redis-password' and url_key='redis-url' (the defaults)."

BAD_PROPS = [
    bad(
        "auth-same-keys",
        "redis",
        "access.auth.url_key",
        "k",
        SAME_KEYS,
        SAME_KEYS_FIX,
        access=RedisAccess.password(RedisAuth(secret_name="redis-auth", password_key="k", url_key="k")),
    ),
    bad(
        "auth-secret-name-symbols",
        "redis",
        "access.auth.secret_name",
        "#",
        SUBDOMAIN,
        "Use a name such as 'redis-auth'.",
        access=RedisAccess.password(RedisAuth(secret_name="#")),
    ),
]


@pytest.mark.parametrize("row", BAD_PROPS)
def test_bad_input_raises_one_exact_error_before_any_api_object(row: BadInput, bad_chart: BadChart) -> None:
    bad_chart.refuses(row)
