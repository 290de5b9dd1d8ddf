"""Types users see: real signatures for help() and IDEs, overloads and a Protocol that type checkers enforce."""

from __future__ import annotations

import inspect
import pydoc
import re
from pathlib import Path

import pytest

from agentsmith import AgentsmithNamespace, EphemeralRedis, ExternalRedis, RedisConnectionSecret


@pytest.mark.parametrize("cls", [EphemeralRedis, ExternalRedis, RedisConnectionSecret, AgentsmithNamespace])
def test_constructs_show_their_real_parameters(cls: type) -> None:
    # GIVEN a construct class (jsii's metaclass has __call__(*args, **kwargs)) WHEN inspected
    parameters = inspect.signature(cls).parameters
    # THEN it shows __init__'s parameters, without self
    assert list(parameters)[:2] == ["scope", "id"]
    assert "args" not in parameters and "kwargs" not in parameters
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in list(parameters.values())[2:])


def test_ephemeral_redis_signature_for_help() -> None:
    signature = inspect.signature(EphemeralRedis)
    assert signature.parameters["name"].default == "redis"
    assert signature.parameters["maxmemory"].default == "256mb"
    assert signature.parameters["client_namespaces"].default == ()
    assert str(signature).startswith("(scope: 'Construct', id: 'str', *, name: 'str' = 'redis', namespace:")
    text = pydoc.render_doc(EphemeralRedis, renderer=pydoc.TextDoc())
    assert "EphemeralRedis(scope: 'Construct', id: 'str', *, name: 'str' = 'redis'" in text
    assert "(*args" not in text.split("Method resolution order")[0]


SNIPPET = """
import cdk8s
import cdk8s_plus_27 as kplus
from cdk8s_plus_27 import k8s

from agentsmith import ExternalRedis, SecretKeyRef, add_redis_url

chart = cdk8s.Chart(cdk8s.App(), "c")
bus = ExternalRedis(chart, "a", url="redis://h:1")
ExternalRedis(chart, "b", url_secret=SecretKeyRef(name="s", key="k"), host="h")
ExternalRedis(chart, "c")  # line 11: neither url nor secret
ExternalRedis(chart, "d", url="redis://h:1", url_secret=SecretKeyRef(name="s", key="k"))  # line 12: both
ExternalRedis(chart, "e", url_secret=SecretKeyRef(name="s", key="k"))  # line 13: secret without host
container = kplus.Deployment(chart, "w").add_container(image="w:1")
add_redis_url(chart, container, bus)
add_redis_url(chart, k8s.Container(name="w", image="w:1"), bus)  # line 16: an L1 container
"""


@pytest.mark.slow
def test_type_checkers_refuse_wrong_calls(tmp_path: Path) -> None:
    # GIVEN a user's module with right and wrong calls WHEN mypy --strict checks it
    from mypy import api

    (tmp_path / "snippet.py").write_text(SNIPPET, encoding="utf-8")
    (tmp_path / "none.ini").write_text("[mypy]\n", encoding="utf-8")  # not the repository's pyproject
    out, err, status = api.run(
        ["--strict", "--no-incremental", "--config-file", str(tmp_path / "none.ini"), str(tmp_path / "snippet.py")]
    )
    # THEN exactly the wrong ones are errors: the ExternalRedis overloads and the PlusContainer protocol
    errors = re.findall(r"snippet\.py:(\d+): error: (.*)  \[([a-z-]+)\]", out)
    assert status == 1, out + err
    assert [(int(line), code) for line, _, code in errors] == [
        (11, "call-overload"),
        (12, "call-overload"),
        (13, "call-overload"),
        (16, "arg-type"),
    ], out
    assert 'expected "PlusContainer"' in errors[-1][1]
