"""Objects that would overwrite each other, in the cluster or in dist/, are refused app-wide before any write."""

from __future__ import annotations

import functools
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cdk8s
import constructs
import jsii
import pytest
import yaml
from _support import ROOT, assert_synth_error, in_memory_app

import main
from agentsmith import (
    AgentsmithConfigError,
    AgentsmithNamespace,
    EphemeralRedis,
    ExternalRedis,
    RedisAccess,
    RedisConnectionSecret,
)
from agentsmith.base import manifest as _manifest
from agentsmith.checks import synth
from agentsmith.checks.collisions import file_name
from agentsmith.checks.synth import check_app


def two_charts(app: cdk8s.App, first: str | None, second: str | None) -> tuple[cdk8s.Chart, cdk8s.Chart]:
    return (
        cdk8s.Chart(app, "one", namespace=first, disable_resource_name_hashes=True),
        cdk8s.Chart(app, "two", namespace=second, disable_resource_name_hashes=True),
    )


def file_app() -> cdk8s.App:
    return cdk8s.App(outdir="/dev/null/never-written", yaml_output_type=cdk8s.YamlOutputType.FILE_PER_RESOURCE)


# --- at construction: an agentsmith construct compares its objects with every object of the app ---

CONSTRUCTION: dict[str, tuple[Callable[[cdk8s.Chart], object], str]] = {
    "two connection Secrets": (
        lambda chart: RedisConnectionSecret(chart, "b", url="redis://other:6379"),
        "'name' names Secret 'jobs/agentsmith-secrets', which [one/a] already defines",
    ),
    "two Redis Deployments": (
        lambda chart: EphemeralRedis(chart, "b", access=RedisAccess.open(publish_connection_secret=False)),
        "'name' names Deployment 'jobs/redis', which [one/a] already defines",
    ),
}


@pytest.mark.parametrize("make_second", CONSTRUCTION.values(), ids=CONSTRUCTION.keys())
def test_two_charts_in_one_namespace_cannot_define_one_object(
    make_second: tuple[Callable[[cdk8s.Chart], object], str],
) -> None:
    # GIVEN two charts of one app in namespace jobs, the first with the seed's Redis
    app = in_memory_app()
    one, two = two_charts(app, "jobs", "jobs")
    EphemeralRedis(one, "a")
    # WHEN the second chart defines an object of the same kind and name
    # THEN the error names the prop, the object, both construct paths and the fix
    with pytest.raises(AgentsmithConfigError) as raised:
        make_second[0](two)
    message = str(raised.value)
    assert message.startswith(f"[two/b] {make_second[1]}: one would overwrite the other"), message
    assert message.endswith("Give one of them another name.")


def test_a_chart_without_namespace_counts_as_default() -> None:
    app = in_memory_app()
    one, two = two_charts(app, None, "default")
    RedisConnectionSecret(one, "a", url="redis://redis:6379")
    with pytest.raises(AgentsmithConfigError, match=re.escape("Secret 'default/agentsmith-secrets', which [one/a]")):
        RedisConnectionSecret(two, "b", url="redis://redis:6379")


def test_separate_apps_do_not_share_claims() -> None:
    for _ in range(2):
        app = in_memory_app()
        EphemeralRedis(cdk8s.Chart(app, "c", namespace="jobs"), "redis")


def test_two_namespaces_with_one_name_in_two_charts() -> None:
    app = in_memory_app()
    one, two = two_charts(app, None, None)
    AgentsmithNamespace(one, "a", name="jobs")
    # a Namespace is cluster-scoped: the same name in another chart is the same object
    with pytest.raises(AgentsmithConfigError, match=re.escape("names Namespace 'jobs', which [one/a] already")):
        AgentsmithNamespace(two, "b", name="jobs")


def test_a_namespace_in_a_chart_of_another_namespace_is_refused_naming_both() -> None:
    chart = cdk8s.Chart(in_memory_app(), "bus", namespace="elsewhere")
    with pytest.raises(AgentsmithConfigError) as caught:
        AgentsmithNamespace(chart, "ns", name="jobs")
    assert caught.value.prop == "name"
    assert str(caught.value) == (
        "[bus/ns] 'name' differs from the namespace of its chart ('elsewhere'): the chart's other objects would go "
        "to a namespace this construct does not create (got 'jobs'). Use name='elsewhere', or create the chart "
        "with namespace='jobs'."
    )
    assert chart.node.try_find_child("ns") is None


def service(chart: cdk8s.Chart, id: str, name: str) -> cdk8s.ApiObject:
    return cdk8s.ApiObject(chart, id, api_version="v1", kind="Service", metadata=cdk8s.ApiObjectMetadata(name=name))


def test_an_object_of_the_app_created_before_is_refused_at_construction_naming_the_prop() -> None:
    # GIVEN a plain Service of the app's own named like the seed's, in the chart (namespace jobs)
    chart = cdk8s.Chart(in_memory_app(), "bus", namespace="jobs")
    service(chart, "svc", "redis")
    # WHEN an EphemeralRedis is built afterwards THEN refused before anything exists, naming its prop 'name'
    with pytest.raises(AgentsmithConfigError) as raised:
        EphemeralRedis(chart, "redis")
    assert raised.value.prop == "name"
    assert str(raised.value) == (
        "[bus/redis] 'name' names Service 'jobs/redis', which [bus/svc] already defines: one would overwrite "
        "the other (got 'redis'). Give one of them another name."
    )
    assert chart.node.try_find_child("redis") is None
    # AND with another name it builds
    EphemeralRedis(chart, "redis", name="bus")


def kplus_deployment(app: cdk8s.App, chart: cdk8s.Chart, other: cdk8s.Chart) -> str:
    import cdk8s_plus_27 as kplus  # its ApiObject is created on the Node.js side, under the L2 construct

    kplus.Deployment(chart, "worker", metadata=cdk8s.ApiObjectMetadata(name="redis")).add_container(image="w:1")
    return "[one/redis/Deployment] 'metadata.name' names Deployment 'jobs/redis', which [one/worker/Resource]"


def service_in_another_chart(app: cdk8s.App, chart: cdk8s.Chart, other: cdk8s.Chart) -> str:
    service(other, "svc", "redis")
    return "[two/svc] 'metadata.name' names Service 'jobs/redis', which [one/redis/Service] already defines"


BEFORE_BUT_UNSEEN = {"nested in a construct": kplus_deployment, "in another chart": service_in_another_chart}


@pytest.mark.parametrize("define", BEFORE_BUT_UNSEEN.values(), ids=BEFORE_BUT_UNSEEN.keys())
def test_an_object_created_before_elsewhere_than_directly_in_the_chart_is_refused_at_synth(
    define: Callable[[cdk8s.App, cdk8s.Chart, cdk8s.Chart], str],
) -> None:
    # GIVEN an object of the app's own named like the seed's, not a direct child of the construct's chart
    app = in_memory_app()
    one, two = two_charts(app, "jobs", "jobs")
    message = define(app, one, two)
    # WHEN an EphemeralRedis is built afterwards THEN it builds (construction does not read the whole tree)
    EphemeralRedis(one, "redis")
    # AND the app refuses to synthesise, naming metadata.name and both paths
    assert_synth_error(app.synth_yaml, match="^" + re.escape(message))


SERVICE_CLASH = (
    "[bus/svc] 'metadata.name' names Service 'jobs/redis', which [bus/redis/Service] already defines: one "
    "would overwrite the other in the cluster (got 'redis'). Give one of them another name (or put them in "
    "different namespaces)."
)


def test_an_object_of_the_app_created_after_is_refused_at_synth() -> None:
    # GIVEN an EphemeralRedis, then a plain Service of the app's own with its name, in the same chart
    chart = cdk8s.Chart(in_memory_app(), "bus", namespace="jobs", disable_resource_name_hashes=True)
    EphemeralRedis(chart, "redis")
    service(chart, "svc", "redis")
    # WHEN the app synthesises THEN refused, naming metadata.name and both paths
    assert_synth_error(lambda: cdk8s.Testing.synth(chart), message=SERVICE_CLASH)


def test_both_moments_use_one_key_another_api_group_is_another_object() -> None:
    # GIVEN a Secret of another API group with the connection Secret's name, created before in the chart
    app = in_memory_app()
    one, two = two_charts(app, "jobs", "jobs")
    cdk8s.ApiObject(one, "b", api_version="example.com/v1", kind="Secret", metadata=cdk8s.ApiObjectMetadata(name="s"))
    # WHEN the connection Secret is built and the app checked THEN neither moment refuses it
    RedisConnectionSecret(one, "a", url="redis://redis:6379", name="s")
    check_app(app)
    # AND a core Secret of that name is refused at construction, as at synth, from any chart
    with pytest.raises(AgentsmithConfigError, match=re.escape("'name' names Secret 'jobs/s', which [one/a]")):
        RedisConnectionSecret(two, "c", url="redis://redis:6379", name="s")


def test_a_construct_removed_half_way_leaves_nothing_claimed(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN an EphemeralRedis that fails after it created its Deployment (the Service cannot be added)
    app = in_memory_app()
    chart = cdk8s.Chart(app, "bus", namespace="jobs", disable_resource_name_hashes=True)
    original = _manifest.add_manifest

    def failing(scope: Any, id: str, manifest: Any) -> cdk8s.ApiObject:
        if id == "Service":
            raise AgentsmithConfigError("half-way", prop="name", value=None, path=None)
        return original(scope, id, manifest)

    monkeypatch.setattr(_manifest, "add_manifest", failing)
    with pytest.raises(AgentsmithConfigError, match="half-way"):
        EphemeralRedis(chart, "first")
    assert chart.node.try_find_child("first") is None
    monkeypatch.undo()
    # WHEN the same objects are defined again, by a construct with another id
    # THEN they build (nothing holds their names), and the app synthesises them once
    EphemeralRedis(chart, "second")
    kinds = [obj["kind"] for obj in chart.to_json()]
    assert kinds.count("Deployment") == 1 and kinds.count("Service") == 1


def test_a_manifest_in_another_api_group_than_claims_assume_is_refused() -> None:
    # Claims name the kind only; a manifest of a kind agentsmith claims in another group would make them disagree
    chart = cdk8s.Chart(in_memory_app(), "c")
    with pytest.raises(AssertionError, match=re.escape("Deployment in API group 'extensions'")):
        _manifest.add_manifest(
            chart, "d", {"apiVersion": "extensions/v1beta1", "kind": "Deployment", "metadata": {"name": "d"}}
        )


# --- before synthesis: every ApiObject of the app, and the output files ---


def raw_secret(chart: cdk8s.Chart, id: str, name: str, namespace: str | None = None) -> cdk8s.ApiObject:
    return cdk8s.ApiObject(
        chart, id, api_version="v1", kind="Secret", metadata=cdk8s.ApiObjectMetadata(name=name, namespace=namespace)
    )


def test_plain_api_objects_in_two_charts_are_checked() -> None:
    # GIVEN an object no agentsmith construct claimed, clashing with the seed's Secret
    app = file_app()
    one, two = two_charts(app, "jobs", "jobs")
    RedisConnectionSecret(one, "a", url="redis://redis:6379")
    raw_secret(two, "raw", "agentsmith-secrets")
    # WHEN the app is checked THEN the error names both paths
    with pytest.raises(AgentsmithConfigError) as raised:
        check_app(app)
    assert str(raised.value) == (
        "[two/raw] 'metadata.name' names Secret 'jobs/agentsmith-secrets', which [one/a/Secret] already "
        "defines: one would overwrite the other in the cluster (got 'agentsmith-secrets'). "
        "Give one of them another name (or put them in different namespaces)."
    )


def test_same_name_in_two_namespaces_would_share_one_file() -> None:
    # GIVEN the case: same-named objects in two namespaces, one file per resource
    app = file_app()
    one, two = two_charts(app, "jobs", "other")
    EphemeralRedis(one, "a")
    EphemeralRedis(two, "b")  # fine for the cluster: another namespace
    # WHEN checked THEN refused: both would be written to Deployment.redis.k8s.yaml
    with pytest.raises(AgentsmithConfigError) as raised:
        check_app(app)
    assert str(raised.value) == (
        "[two/b/Deployment] 'metadata.name' would be written to 'Deployment.redis.k8s.yaml', the file of "
        "Deployment 'jobs/redis' from [one/a/Deployment]: cdk8s names each file Kind.name.k8s.yaml without "
        "the namespace, so one file would overwrite the other (got 'redis'). Give one of them another name."
    )


def test_file_names_are_compared_as_cdk8s_writes_them_and_case_insensitively() -> None:
    assert file_name("Secret", "A:b") == "Secret.Ab.k8s.yaml"
    app = file_app()
    one, two = two_charts(app, "x", "y")
    RedisConnectionSecret(one, "first", url="redis://redis:6379", name="ab")
    raw_secret(two, "second", "A:b")
    with pytest.raises(AgentsmithConfigError, match=re.escape("'Secret.Ab.k8s.yaml', the file of Secret 'x/ab'")):
        check_app(app)


def test_one_file_per_chart_folder_allows_the_same_file_in_two_charts() -> None:
    app = cdk8s.App(outdir="/dev/null/x", yaml_output_type=cdk8s.YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE)
    one, two = two_charts(app, "jobs", "other")
    raw_secret(one, "a", "s")
    RedisConnectionSecret(two, "b", url="redis://redis:6379", name="s")
    check_app(app)  # no exception: each chart has its own folder
    raw_secret(two, "c", "s", namespace="third")
    with pytest.raises(AgentsmithConfigError, match=re.escape("[two/c] 'metadata.name' would be written to")):
        check_app(app)


def test_cluster_scoped_objects_ignore_the_chart_namespace() -> None:
    app = in_memory_app()
    one, two = two_charts(app, None, "other")
    AgentsmithNamespace(one, "a", name="ns")
    cdk8s.ApiObject(two, "b", api_version="v1", kind="Namespace", metadata=cdk8s.ApiObjectMetadata(name="ns"))
    with pytest.raises(AgentsmithConfigError, match=re.escape("[two/b] 'metadata.name' names Namespace 'ns', which")):
        check_app(app)


def test_same_kind_in_another_api_group_is_another_object() -> None:
    app = in_memory_app()  # one file per chart: only identities count
    one, two = two_charts(app, "jobs", "jobs")
    RedisConnectionSecret(one, "a", url="redis://redis:6379", name="s")
    cdk8s.ApiObject(two, "b", api_version="example.com/v1", kind="Secret", metadata=cdk8s.ApiObjectMetadata(name="s"))
    check_app(app)


def test_the_default_app_passes(synth_dir: Path) -> None:
    app = file_app()
    main.build(app)
    check_app(app)


def test_a_clash_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a previous dist/ WHEN the app gains a second Deployment redis in another namespace
    shutil.copytree(ROOT / "dist", tmp_path / "dist")
    before = {path.name: path.read_bytes() for path in (tmp_path / "dist").iterdir()}
    original = main.build

    def build(app: Any, managed_redis_url: str | None = None) -> Any:
        endpoint = original(app, managed_redis_url)
        EphemeralRedis(
            cdk8s.Chart(app, "extra", namespace="other"),
            "redis",
            access=RedisAccess.open(publish_connection_secret=False),
        )
        return endpoint

    monkeypatch.setattr(main, "build", build)
    # THEN exit 1 with one line, and dist/ and its folder are as before
    assert main.main(["--outdir", str(tmp_path / "dist")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: [extra/redis/Deployment] 'metadata.name' would be written to 'Deployment.redis")
    assert {path.name: path.read_bytes() for path in (tmp_path / "dist").iterdir()} == before
    assert [path.name for path in tmp_path.iterdir()] == ["dist"]


def test_objects_that_cdk8s_plus_creates_are_seen() -> None:
    # GIVEN a cdk8s-plus Deployment (its ApiObject is created on the Node.js side) named like the seed's
    import cdk8s_plus_27 as kplus

    app = file_app()
    one, two = two_charts(app, "jobs", "jobs")
    EphemeralRedis(one, "a")
    kplus.Deployment(two, "worker", metadata=cdk8s.ApiObjectMetadata(name="redis")).add_container(image="w:1")
    # WHEN checked THEN the clash is found, with the L2 construct's ApiObject path
    with pytest.raises(
        AgentsmithConfigError, match=re.escape("[two/worker/Resource] 'metadata.name' names Deployment")
    ):
        check_app(app)


# --- in every app that uses agentsmith constructs: cdk8s runs the check before it writes anything ---

#: The reviewer's repro (/tmp/review-app/variants.py): three charts, one file per resource.
VARIANTS_CLASH = (
    "[v2/redis/Deployment] 'metadata.name' would be written to 'Deployment.redis.k8s.yaml', the file of "
    "Deployment 'v1/redis' from [v1/redis/Deployment]: cdk8s names each file Kind.name.k8s.yaml without the "
    "namespace, so one file would overwrite the other (got 'redis'). Give one of them another name."
)


def variants_app(outdir: Path) -> tuple[cdk8s.App, list[cdk8s.Chart]]:
    app = cdk8s.App(outdir=str(outdir), yaml_output_type=cdk8s.YamlOutputType.FILE_PER_RESOURCE)
    charts = [cdk8s.Chart(app, f"v{i}", namespace=f"v{i}", disable_resource_name_hashes=True) for i in (1, 2, 3)]
    for chart in charts:
        EphemeralRedis(chart, "redis")
    return app, charts


def written(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*")) if folder.exists() else []


SYNTHS: dict[str, Callable[[cdk8s.App, list[cdk8s.Chart]], object]] = {
    "App.synth": lambda app, charts: app.synth(),
    "App.synth_yaml": lambda app, charts: app.synth_yaml(),
    "Testing.synth": lambda app, charts: cdk8s.Testing.synth(charts[2]),  # the whole app is checked
}


@pytest.mark.parametrize("synth", SYNTHS.values(), ids=SYNTHS.keys())
def test_a_consumer_app_that_never_calls_check_app_is_refused_at_synth(
    tmp_path: Path, synth: Callable[[cdk8s.App, list[cdk8s.Chart]], object]
) -> None:
    # GIVEN the reviewer's app: EphemeralRedis in namespaces v1, v2, v3, one file per resource, no check_app call
    app, charts = variants_app(tmp_path / "out")
    # WHEN it synthesises THEN cdk8s's validation raises one line naming both paths, the value and the fix
    assert_synth_error(lambda: synth(app, charts), message=VARIANTS_CLASH)
    # AND no manifest was written (App.synth creates the output folder before it validates)
    assert [path.name for path in tmp_path.iterdir()] in ([], ["out"])
    assert written(tmp_path / "out") == []


def test_the_check_is_registered_once_per_app_however_many_constructs(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN an app with many agentsmith objects in four charts (each add_manifest call asks for the check)
    calls: list[cdk8s.App] = []
    monkeypatch.setattr(synth, "check_app", calls.append)
    app = in_memory_app()
    main.build(app)
    chart = cdk8s.Chart(app, "more", namespace="jobs")
    EphemeralRedis(chart, "redis")
    ExternalRedis(cdk8s.Chart(app, "external", namespace="ext"), "managed", url="rediss://cache.example.com:6380")
    assert calls == []  # nothing checked at construction: the tree may still change
    # WHEN the app's own validations run THEN the check ran once, on this app: registered once
    assert app.node.validate() == []
    assert calls == [app]
    # AND every synth runs it once, though cdk8s validates the app once, then again for each chart it renders
    app.synth_yaml()
    assert calls == [app, app]


# --- once per synth: every call into cdk8s checks the tree as it is then ---


def counted(monkeypatch: pytest.MonkeyPatch) -> list[cdk8s.App]:
    """Count the app-wide checks (they still run)."""
    calls: list[cdk8s.App] = []
    original = synth.check_app

    def check(app: cdk8s.App) -> None:
        calls.append(app)
        original(app)

    monkeypatch.setattr(synth, "check_app", check)
    return calls


SYNTH_CALLS: dict[str, Callable[[cdk8s.App, cdk8s.Chart], object]] = {
    "App.synth": lambda app, chart: app.synth(),
    "App.synth_yaml": lambda app, chart: app.synth_yaml(),
    "Chart.to_json": lambda app, chart: chart.to_json(),
    "Testing.synth": lambda app, chart: cdk8s.Testing.synth(chart),
}


@pytest.mark.parametrize("synthesise", SYNTH_CALLS.values(), ids=SYNTH_CALLS.keys())
def test_each_synth_checks_once_however_many_charts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, synthesise: Callable[[cdk8s.App, cdk8s.Chart], object]
) -> None:
    # GIVEN an app of five charts, one EphemeralRedis each
    calls = counted(monkeypatch)
    app = cdk8s.App(outdir=str(tmp_path / "out"))
    charts = [cdk8s.Chart(app, f"c{i}", namespace=f"ns{i}") for i in range(5)]
    for chart in charts:
        EphemeralRedis(chart, "redis")
    # WHEN synthesised twice in a row THEN each call checks the app exactly once
    synthesise(app, charts[0])
    assert calls == [app]
    synthesise(app, charts[0])
    assert calls == [app, app]


@pytest.mark.parametrize("synthesise", SYNTH_CALLS.values(), ids=SYNTH_CALLS.keys())
def test_a_clash_added_after_a_synth_is_refused_at_the_next(
    tmp_path: Path, synthesise: Callable[[cdk8s.App, cdk8s.Chart], object]
) -> None:
    # GIVEN an app that synthesised once, fine
    app = cdk8s.App(outdir=str(tmp_path / "out"))
    chart = cdk8s.Chart(app, "bus", namespace="jobs", disable_resource_name_hashes=True)
    EphemeralRedis(chart, "redis")
    synthesise(app, chart)
    # WHEN a clashing object is added THEN the next synth, of any kind, refuses it
    service(chart, "svc", "redis")
    for again in SYNTH_CALLS.values():
        assert_synth_error(functools.partial(again, app, chart), message=SERVICE_CLASH)


def test_testing_synth_of_one_chart_after_a_full_synth_checks_the_whole_app(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN an app of three charts synthesised whole, then a clash added in the first chart
    calls = counted(monkeypatch)
    app = in_memory_app()
    one, two = two_charts(app, "jobs", "other")
    third = cdk8s.Chart(app, "three", namespace="third")
    EphemeralRedis(one, "redis")
    app.synth_yaml()
    service(one, "svc", "redis")
    # WHEN one other chart is synthesised alone THEN the app is checked again, and the clash refused
    assert_synth_error(lambda: cdk8s.Testing.synth(third), match=re.escape("[one/svc] 'metadata.name' names Service"))
    assert calls == [app, app]
    # AND so does every later call, however small
    assert_synth_error(two.to_json, match=re.escape("[one/svc] 'metadata.name' names Service"))
    assert calls == [app, app, app]


def test_an_agentsmith_construct_added_during_a_synth_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a validation (run by cdk8s before ours in the same synth) that adds an EphemeralRedis to the app
    calls = counted(monkeypatch)
    app = in_memory_app()
    one, two = two_charts(app, "jobs", "jobs")
    EphemeralRedis(one, "a", access=RedisAccess.open(publish_connection_secret=False))

    @jsii.implements(constructs.IValidation)
    class AddsOneLater:
        added = False

        def validate(self) -> list[str]:
            if calls and not self.added:  # after our first check of this synth
                self.added = True
                service(two, "late", "redis")  # not ours: left to the rule below
                EphemeralRedis(two, "b", name="b", access=RedisAccess.open(publish_connection_secret=False))
            return []

    two.node.add_validation(AddsOneLater())
    # WHEN the app synthesises THEN the object added after the first check is still seen: the next validation
    # of the same synth checks again, because an agentsmith object was added since
    assert_synth_error(app.synth_yaml, match=re.escape("[two/late] 'metadata.name' names Service 'jobs/redis'"))
    assert len(calls) >= 2


def test_a_clash_added_after_the_agentsmith_constructs_is_found(tmp_path: Path) -> None:
    # GIVEN a plain ApiObject, defined after the library's objects, with the seed Secret's name and namespace
    app = cdk8s.App(outdir=str(tmp_path / "out"))
    one, two = two_charts(app, "jobs", "jobs")
    EphemeralRedis(one, "a")
    raw_secret(two, "raw", "agentsmith-secrets")
    # WHEN synthesised (one file per chart) THEN refused: both objects would be one in the cluster
    assert_synth_error(app.synth, match="^" + re.escape("[two/raw] 'metadata.name' names Secret 'jobs/agentsmith"))
    assert written(tmp_path / "out") == []


def test_a_fixed_app_synthesises_every_object(tmp_path: Path) -> None:
    # GIVEN the reviewer's app with distinct names WHEN synthesised THEN every object has its own file
    app = cdk8s.App(outdir=str(tmp_path), yaml_output_type=cdk8s.YamlOutputType.FILE_PER_RESOURCE)
    for i in (1, 2, 3):
        EphemeralRedis(cdk8s.Chart(app, f"v{i}", namespace=f"v{i}"), "redis", name=f"redis-v{i}")
    app.synth()
    deployments = sorted(path.name for path in tmp_path.glob("Deployment.*"))
    assert deployments == [f"Deployment.redis-v{i}.k8s.yaml" for i in (1, 2, 3)]


def test_apps_without_agentsmith_objects_are_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[cdk8s.App] = []
    monkeypatch.setattr(synth, "check_app", calls.append)
    app = in_memory_app()
    raw_secret(cdk8s.Chart(app, "plain"), "s", "s")
    app.synth_yaml()
    assert calls == []


# --- in its lane: clashes between the app's own objects are left to cdk8s ---


def config_map(chart: cdk8s.Chart, id: str, name: str) -> cdk8s.ApiObject:
    return cdk8s.ApiObject(chart, id, api_version="v1", kind="ConfigMap", metadata=cdk8s.ApiObjectMetadata(name=name))


@pytest.mark.parametrize(
    "output",
    [cdk8s.YamlOutputType.FILE_PER_CHART, cdk8s.YamlOutputType.FILE_PER_RESOURCE],
    ids=["file-per-chart", "file-per-resource"],
)
def test_two_same_name_user_objects_are_left_to_cdk8s(tmp_path: Path, output: cdk8s.YamlOutputType) -> None:
    # GIVEN two same-name ConfigMaps of the app's own in two charts (plain cdk8s writes both)
    app = cdk8s.App(outdir=str(tmp_path / "out"), yaml_output_type=output)
    one, two = two_charts(app, "jobs", "jobs")
    config_map(one, "settings", "settings")
    config_map(two, "settings", "settings")
    # AND one EphemeralRedis in a third chart (which registers the app-wide check)
    EphemeralRedis(cdk8s.Chart(app, "bus", namespace="jobs", disable_resource_name_hashes=True), "redis")
    # WHEN the app synthesises THEN nothing is refused: the clash does not involve an agentsmith object
    check_app(app)
    app.synth()
    kinds = sorted(d["kind"] for f in (tmp_path / "out").iterdir() for d in yaml.safe_load_all(f.read_text()))
    assert kinds.count("ConfigMap") == (2 if output == cdk8s.YamlOutputType.FILE_PER_CHART else 1)
    assert kinds.count("Deployment") == 1


def test_a_user_object_that_clashes_with_an_agentsmith_object_is_still_refused() -> None:
    # GIVEN the same two ConfigMaps, and a third object of the app's that takes the bus's Service name
    app = in_memory_app()
    one, two = two_charts(app, "jobs", "jobs")
    config_map(one, "settings", "settings")
    config_map(two, "settings", "settings")
    EphemeralRedis(cdk8s.Chart(app, "bus", namespace="jobs"), "redis")
    cdk8s.ApiObject(two, "svc", api_version="v1", kind="Service", metadata=cdk8s.ApiObjectMetadata(name="redis"))
    # WHEN checked THEN only the clash with agentsmith's Service is reported
    with pytest.raises(AgentsmithConfigError) as raised:
        check_app(app)
    assert str(raised.value).startswith(
        "[bus/redis/Service] 'metadata.name' names Service 'jobs/redis', which [two/svc] already defines"
    )
