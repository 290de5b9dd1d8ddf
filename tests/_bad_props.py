"""Bad props fail at construction, with one exact, helpful error each: the rows and the check they share.

Each test file holds the bad-input rows of its own props in a table ``BAD_PROPS`` of :func:`bad` rows,
and runs them with one test, ``test_bad_input_raises_one_exact_error_before_any_api_object``::

    @pytest.mark.parametrize("row", BAD_PROPS)
    def test_bad_input_raises_one_exact_error_before_any_api_object(row: BadInput, bad_chart: BadChart) -> None:
        bad_chart.refuses(row)

A row goes to the file :func:`home` names from its construct and prop (``tests/test_construct.py`` checks
that every row is there): a construct's own props in the construct's file (``tests/test_redis.py``,
``tests/test_namespace.py``, ``tests/test_connection_secret.py``), a prop under a value class in that
value's file (``resources.*`` in ``tests/pod/test_resources.py``, ``access.auth.*`` in
``tests/access/test_auth.py``, ``metrics.*`` in ``tests/metrics/test_metrics.py``, ...).

GIVEN a chart that already holds one unrelated ApiObject (``bad_chart``, one a test module),
WHEN the construct is built with the bad prop,
THEN it raises ``AgentsmithConfigError`` whose ``prop``, ``value`` and ``path``
are exact and whose message is exactly ``[test/<id>] '<prop>' <rule> (got
<value!r>). <fix>``, AND the chart still synthesises only the earlier object:
validation runs before the construct creates any API object.

A constructor that raises has already registered its construct id in the tree
(``Construct.__init__`` runs first); the construct removes itself again, so each
row checks that the id is free afterwards and the next row can use it in the same chart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import cdk8s
import pytest
from _support import assert_config_error, in_memory_app
from constructs import Node

from agentsmith import ProbeTiming
from testkit.constructs import BY_KEY

#: The public constructs by short name, and the props each needs (testkit/constructs.py).
CONSTRUCTS: dict[str, Any] = {key: entry.cls for key, entry in BY_KEY.items()}
REQUIRED: dict[str, dict[str, Any]] = {key: entry.required for key, entry in BY_KEY.items() if entry.required}

# Rules shared by the rows of several files, spelled out once.
RFC1123 = (
    "must be an RFC 1123 label: lowercase letters, digits and '-', starting with a lowercase letter or digit "
    "and ending with a letter or digit"
)
SUBDOMAIN = "must be a DNS subdomain: lowercase letters, digits, '-' and '.', at most 253 characters"
TOO_LONG = "must be at most 63 characters, not 64"
LABEL_CHARS = (
    "must be at most 63 characters of letters, digits, '-', '_' and '.', starting and ending with a letter or digit"
)
YAML_NUMBER = (
    "would be written unquoted to dist/ (cdk8s writes YAML 1.1) and read back as a number by "
    "YAML 1.2 readers such as Kustomize"
)

#: The test file of each value class's props (the prop's first segment), for a construct "redis" row.
VALUE_HOMES = {
    "resources": "pod/test_resources.py",
    "probes": "pod/test_probes.py",
    "filesystem": "pod/test_filesystem.py",
    "persistence": "pod/test_persistence.py",
    "network": "pod/test_network.py",
    "placement": "pod/test_placement.py",
    "pod_options": "pod/test_options.py",
    "disruption": "pod/test_disruption.py",
    "metrics": "metrics/test_metrics.py",
    "access": "access/test_access.py",
}
#: Deeper homes under a value: RedisAuth and RedisRole inside RedisAccess.
SUB_VALUE_HOMES = {"access.auth": "access/test_auth.py", "access.roles": "access/test_roles.py"}
#: The construct's own file, by the construct's short name.
CONSTRUCT_HOMES = {
    "redis": "test_redis.py",
    "external": "test_external_redis.py",
    "namespace": "test_namespace.py",
    "secret": "test_connection_secret.py",
}


def home(construct: str, prop: str) -> str:
    """The test file (relative to ``tests/``) that holds the bad-input row of ``prop`` on ``construct``."""
    for prefix, path in SUB_VALUE_HOMES.items():
        if construct == "redis" and re.match(rf"{re.escape(prefix)}\b", prop):
            return path
    first = re.split(r"[.\[]", prop)[0]
    if construct == "redis" and first in VALUE_HOMES:
        return VALUE_HOMES[first]
    return CONSTRUCT_HOMES[construct]


@dataclass(frozen=True)
class BadInput:
    """One bad input: build ``construct`` with ``kwargs``; the error names ``prop``, ``value``, ``rule`` and ``fix``."""

    construct: str
    kwargs: dict[str, Any]
    prop: str
    value: object
    rule: str
    fix: str


def bad(id: str, construct: str, prop: str, value: object, rule: str, fix: str, **kwargs: Any) -> Any:
    """One row: build ``construct`` with ``kwargs`` (default ``{prop: value}``)."""
    return pytest.param(BadInput(construct, kwargs or {prop: value}, prop, value, rule, fix), id=id)


def probe(initial_delay_seconds: int = 10, period_seconds: Any = 15, timeout_seconds: Any = 3) -> ProbeTiming:
    return ProbeTiming(
        initial_delay_seconds=initial_delay_seconds, period_seconds=period_seconds, timeout_seconds=timeout_seconds
    )


def fresh_chart() -> cdk8s.Chart:
    """A new app and chart ``test`` holding one unrelated ConfigMap named ``earlier``."""
    chart = cdk8s.Chart(in_memory_app(), "test", namespace="agentsmith", disable_resource_name_hashes=True)
    cdk8s.ApiObject(chart, "earlier", api_version="v1", kind="ConfigMap", metadata={"name": "earlier"})
    return chart


def build(chart: cdk8s.Chart, construct: str, kwargs: dict[str, Any]) -> Any:
    return CONSTRUCTS[construct](chart, construct, **{**REQUIRED.get(construct, {}), **kwargs})


class BadChart:
    """One chart for every bad-input row of a test module (the ``bad_chart`` fixture, conftest.py).

    Each row checks that its failed construction left the chart as it was. (A fresh app and chart per row
    would cost about 3 more jsii round trips a row, with the same checks.)
    """

    def __init__(self) -> None:
        self.chart = fresh_chart()
        #: ``chart.node``, read once (each read is a round trip to Node.js).
        self.node: Node = self.chart.node

    def refuses(self, row: BadInput) -> None:
        # GIVEN a chart with one earlier object (and the failed constructions of the rows before)
        chart = self.chart

        # WHEN the construct is built with one bad prop
        # THEN the error names the prop, the value, the path and the fix, exactly
        error = assert_config_error(
            lambda: build(chart, row.construct, row.kwargs),
            prop=row.prop,
            value=row.value,
            path=f"test/{row.construct}",
            message=f"[test/{row.construct}] '{row.prop}' {row.rule} (got {row.value!r}). {row.fix}",
        )
        assert isinstance(error, ValueError)
        assert type(error.value) is type(row.value)
        # AND no exception from a parser leaks through as context of the traceback
        assert error.__cause__ is None
        assert error.__suppress_context__ or error.__context__ is None
        # AND the construct created no API object: the chart holds only the earlier one
        assert [obj["metadata"]["name"] for obj in cdk8s.Testing.synth(chart)] == ["earlier"]
        # AND the construct is not in the chart, so the id can be used again
        assert self.node.try_find_child(row.construct) is None
