"""Every construct: its scope and id are checked first, and a failed construction leaves nothing behind."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from typing import Any

import cdk8s
import pytest
from _bad_props import fresh_chart, home
from _support import ROOT, assert_config_error, in_memory_app
from constructs import Construct

from agentsmith import AgentsmithNamespace, EphemeralRedis
from testkit.constructs import CONSTRUCTS as REGISTRY

#: Each construct with one invalid and one valid set of props (the registry, testkit/constructs.py).
CONSTRUCTS: dict[str, tuple[Callable[..., Any], dict[str, Any], dict[str, Any]]] = {
    name: (entry.cls, entry.bad, entry.required) for name, entry in REGISTRY.items()
}


def chart_for(kind: str) -> cdk8s.Chart:
    # A Namespace is cluster-scoped: its chart has no namespace.
    return cdk8s.Chart(in_memory_app(), "bus", namespace=None if REGISTRY[kind].cluster_scoped else "jobs")


@pytest.mark.parametrize("kind", sorted(CONSTRUCTS))
def test_a_failed_construction_can_be_retried_with_the_same_id(kind: str) -> None:
    construct, bad, good = CONSTRUCTS[kind]
    chart = chart_for(kind)
    # GIVEN an invalid prop WHEN the construct is built THEN the error, and no child is left behind
    assert_config_error(lambda: construct(chart, "it", **bad))
    assert chart.node.try_find_child("it") is None
    # WHEN the prop is fixed, same id THEN it builds, and its objects are not refused as duplicates
    built = construct(chart, "it", **good)
    assert chart.node.try_find_child("it") is built
    assert cdk8s.Testing.synth(chart)


class _Unhashable(Construct):
    """A user's construct class that defines ``__eq__`` only, so its instances cannot be hashed."""

    def __eq__(self, other: object) -> bool:
        return self is other

    __hash__ = None  # type: ignore[assignment]


@pytest.mark.parametrize("kind", sorted(CONSTRUCTS))
def test_the_error_names_the_path_the_construct_would_have(kind: str) -> None:
    # GIVEN a scope nested in the chart, of a class that cannot be hashed, and ids with a path separator
    construct, bad, good = CONSTRUCTS[kind]
    scope = _Unhashable(chart_for(kind), "gr/oup")
    # WHEN the construct is refused, and then built with the same id
    error = assert_config_error(lambda: construct(scope, "i/t\nx", **bad))
    built = construct(scope, "i/t\nx", **good)
    # THEN the error named the path it now has (constructs writes '/' in an id as '--', and in recent
    # versions a newline too)
    assert error.path == built.node.path
    assert built.node.path.startswith("bus/gr--oup/i--t")


@pytest.mark.parametrize("id", ["redis", "a/b", "a\nb"])
def test_a_construct_refused_after_joining_the_tree_is_removed_whatever_its_id(id: str) -> None:
    # GIVEN a chart with a Service of the app's own named 'taken', and a chart of another namespace
    app = in_memory_app()
    chart = cdk8s.Chart(app, "bus", namespace="jobs")
    cdk8s.ApiObject(chart, "svc", api_version="v1", kind="Service", metadata={"name": "taken"})
    other = cdk8s.Chart(app, "other", namespace="elsewhere")
    # WHEN a bus named 'taken' and a namespace 'jobs' are refused by checks that read the tree
    assert_config_error(lambda: EphemeralRedis(chart, id, name="taken"), prop="name")
    assert_config_error(lambda: AgentsmithNamespace(other, id, name="jobs"), prop="name")
    # THEN nothing of them is left, and the same ids build once the props are fixed
    assert chart.node.try_find_child(id) is None and other.node.try_find_child(id) is None
    assert EphemeralRedis(chart, id, name="free").node.id == AgentsmithNamespace(other, id, name="elsewhere").node.id


@pytest.mark.parametrize("kind", sorted(CONSTRUCTS))
def test_an_id_taken_by_another_construct_is_left_alone(kind: str) -> None:
    construct, _, good = CONSTRUCTS[kind]
    chart = chart_for(kind)
    first = construct(chart, "it", **good)
    with pytest.raises(RuntimeError, match="There is already a Construct with name 'it'"):
        construct(chart, "it", **good)
    assert chart.node.try_find_child("it") is first


@pytest.mark.parametrize(
    ("scope", "id", "prop", "message"),
    [
        ("none", "redis", "scope", "'scope' must be a construct: a cdk8s.Chart or a construct inside one (got None)"),
        ("string", "redis", "scope", "'scope' must be a construct: a cdk8s.Chart or a construct inside one"),
        ("app", "redis", "scope", "'scope' is not inside a cdk8s.Chart, and Kubernetes objects need one"),
        ("chart", "", "id", "'id' must be a non-empty string (got '')"),
        ("chart", None, "id", "'id' must be a non-empty string (got None)"),
    ],
)
@pytest.mark.parametrize("kind", sorted(CONSTRUCTS))
def test_scope_and_id_are_checked_before_anything_exists(
    kind: str, scope: str, id: object, prop: str, message: str
) -> None:
    construct, _, good = CONSTRUCTS[kind]
    chart = chart_for(kind)
    app = chart.node.root
    given = {"none": None, "string": "bus", "app": app, "chart": chart}[scope]
    assert_config_error(lambda: construct(given, id, **good), prop=prop, match=f"^{re.escape(message)}")
    # nothing was created: the app still holds only the chart, and the chart nothing
    assert [child.node.id for child in app.node.children] == ["bus"]
    assert chart.node.children == []


def test_a_construct_nested_inside_a_chart_is_fine() -> None:
    from constructs import Construct

    chart = cdk8s.Chart(in_memory_app(), "bus", namespace="jobs")
    group = Construct(chart, "group")
    redis = EphemeralRedis(group, "redis")
    assert redis.node.path == "bus/group/redis"


#: A public attribute of each construct that a user might try to change after construction.
HANDLES = {
    "EphemeralRedis": "maxmemory",
    "ExternalRedis": "host",
    "AgentsmithNamespace": "labels",
    "RedisConnectionSecret": "name",
}


@pytest.mark.parametrize("kind", sorted(CONSTRUCTS))
def test_public_attributes_are_read_only_after_construction(kind: str) -> None:
    construct, _bad, good = CONSTRUCTS[kind]
    chart = chart_for(kind)
    built = construct(chart, "it", **good)
    before = cdk8s.Testing.synth(chart)
    attribute = HANDLES[kind]
    # WHEN a user assigns a resolved prop THEN it raises instead of silently changing nothing
    with pytest.raises(AttributeError) as raised:
        setattr(built, attribute, "changed")
    assert str(raised.value) == (
        f"{kind}.{attribute} is read-only: the manifests were built when the construct was created, so "
        f"assigning it would change nothing. Pass {attribute}=... to {kind}(...) instead."
    )
    assert getattr(built, attribute) != "changed"
    # AND new public attributes are refused too; private ones (jsii's own) still work
    with pytest.raises(AttributeError):
        built.extra = 1
    built._scratch = 1
    assert cdk8s.Testing.synth(chart) == before


def test_assigning_a_handle_names_no_prop_that_does_not_exist() -> None:
    # GIVEN a bus WHEN its Deployment handle is assigned THEN the error sends the user to the object, not to a prop
    construct, _bad, good = CONSTRUCTS["EphemeralRedis"]
    built = construct(chart_for("EphemeralRedis"), "it", **good)
    with pytest.raises(AttributeError) as raised:
        built.deployment = None
    assert str(raised.value) == (
        "EphemeralRedis.deployment is read-only: the manifests were built when the construct was created, so "
        "assigning it would change nothing. It is a handle: change the object it names (add_json_patch on an "
        "ApiObject) instead."
    )


def test_a_failed_construct_frees_its_id_for_a_retry() -> None:
    # GIVEN a construct that failed validation
    chart = fresh_chart()
    assert_config_error(lambda: EphemeralRedis(chart, "redis", port=0))
    # WHEN the same id is used again in the same chart, with the prop fixed THEN it builds
    redis = EphemeralRedis(chart, "redis")
    assert chart.node.try_find_child("redis") is redis


def bad_rows() -> list[tuple[str, str, str, str]]:
    """Every bad-input row in tests/ as (file under tests/, id, construct, prop), read from the source.

    A row is a call ``bad("<id>", "<construct>", "<prop>", ...)`` (``_bad_props.bad``) in a test file.
    """
    tests = ROOT / "tests"
    rows = []
    for path in sorted(tests.rglob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "bad":
                id, construct, prop = (ast.literal_eval(arg) for arg in node.args[:3])
                rows.append((path.relative_to(tests).as_posix(), id, construct, prop))
    return rows


def test_table_has_at_least_40_bad_inputs() -> None:
    rows = bad_rows()
    assert len(rows) >= 40
    ids = [id for _, id, _, _ in rows]
    assert len(set(ids)) == len(ids), sorted(id for id in set(ids) if ids.count(id) > 1)


def test_each_bad_input_row_is_in_the_file_of_its_prop() -> None:
    # One place for each bad prop: the construct's own file, or the file of the value class the prop is under.
    misplaced = [
        f"{file}: {id} ({construct} {prop!r}) belongs in tests/{home(construct, prop)}"
        for file, id, construct, prop in bad_rows()
        if file != home(construct, prop)
    ]
    assert misplaced == []
