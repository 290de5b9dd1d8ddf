"""Helpers shared by the test modules (fixtures live in conftest.py).

Test modules import these as ``from _support import ...``: pytest puts this
folder on ``sys.path`` (rootdir-based ``prepend`` import mode).
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pytest
import yaml

from testkit.kustomize import KUBECTL_HINT
from testkit.kustomize import run_kustomize as run_kustomize_with
from testkit.project import APP_FILES as APP_FILES
from testkit.project import IN_CLUSTER_BUS as IN_CLUSTER_BUS
from testkit.project import ROOT as ROOT
from testkit.project import bus_line as bus_line
from testkit.project import in_memory_app as in_memory_app

if TYPE_CHECKING:  # cdk8s starts jsii's Node.js kernel when imported: conftest.py chooses the Node.js first
    import cdk8s

    from agentsmith import AgentsmithConfigError

#: The design seed, vendored from shared/seed/ (tests/data/seed/README.md): a clone alone runs every test.
SEED = ROOT / "tests" / "data" / "seed" / "000_7557595a55f133eb.txt"


#: Hypothesis example counts: ``full`` under CI=true and from tools/test.sh (so .ci/run), ``fast`` otherwise
#: (the fast loop at a prompt); AGENTSMITH_HYPOTHESIS=full|fast chooses. conftest.py loads it as a profile.
HYPOTHESIS_PROFILE = os.environ.get("AGENTSMITH_HYPOTHESIS") or (
    "full" if os.environ.get("CI", "").lower() == "true" else "fast"
)
HYPOTHESIS_PROFILES = ("fast", "full")


def examples(full: int) -> int:
    """Examples for a property that runs ``full`` of them in the full profile: a tenth (at least 10) when fast."""
    return full if HYPOTHESIS_PROFILE == "full" else max(full // 10, 10)


def require_tool(name: str, install_hint: str) -> str:
    """Path of an executable; outside CI a missing tool skips, under CI=true it fails."""
    found = shutil.which(name)
    if found:
        return found
    message = f"'{name}' is not installed: {install_hint}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def require_redis_server(image: str) -> str:
    """Path of a redis-server (and redis-cli) whose major version matches ``image``'s tag.

    Missing or mismatched: skip outside CI, fail under CI=true, with an install hint.
    """
    from testkit.redis_runtime import redis_server_version

    path = require_tool("redis-server", "apt-get install redis-server")
    require_tool("redis-cli", "apt-get install redis-server")
    image_major = re.search(r"redis:(\d+)", image)
    assert image_major, f"cannot read Redis's major version from image {image!r}"
    version = redis_server_version(path)
    if version[0] != int(image_major[1]):
        message = (
            f"redis-server {'.'.join(map(str, version))} does not match image {image!r}: "
            f"install Redis {image_major[1]}.x (Debian bookworm: apt-get install redis-server)"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return path


class _NotChecked:
    def __repr__(self) -> str:
        return "NOT_CHECKED"


#: The default of :func:`assert_config_error`'s ``value`` and ``path``: not checked.
NOT_CHECKED: Any = _NotChecked()


def assert_config_error(
    build: Callable[[], object],
    *,
    prop: str | None = None,
    value: object = NOT_CHECKED,
    path: str | None = NOT_CHECKED,
    message: str | None = None,
    fix: str | None = None,
    match: str | None = None,
    secret: str | None = None,
) -> AgentsmithConfigError:
    """``build()`` raises exactly ``AgentsmithConfigError``; every keyword given is checked. Returns the error.

    ``prop``: ``error.prop`` and ``'<prop>'`` in the message; ``value``: ``error.value`` and ``(got <value!r>)``
    in the message; ``path``: ``error.path`` (``None`` outside a construct); ``message``: the whole message;
    ``fix``: the message's end; ``match``: a regular expression searched in the message; ``secret``: in
    neither the message nor ``repr(error.value)``. The one way the tests assert a configuration error.
    """
    from agentsmith import AgentsmithConfigError

    with pytest.raises(AgentsmithConfigError) as caught:
        build()
    error = caught.value
    text = str(error)
    assert type(error) is AgentsmithConfigError, f"{type(error).__name__}: {text}"
    if prop is not None:
        assert error.prop == prop, text
        assert f"'{prop}'" in text, f"the message does not name {prop!r}: {text}"
    if value is not NOT_CHECKED:
        assert error.value == value, text
        assert f"(got {value!r})" in text, f"the message does not show {value!r}: {text}"
    if path is not NOT_CHECKED:
        assert error.path == path, text
    if message is not None:
        assert text == message
    if fix is not None:
        assert text.endswith(fix), f"the message does not end with the fix {fix!r}: {text}"
    if match is not None:
        assert re.search(match, text), f"{match!r} not found in: {text}"
    if secret is not None:
        assert secret not in text and secret not in repr(error.value), f"the error repeats {secret!r}"
    return error


def assert_synth_error(
    build: Callable[[], object], *, match: str | None = None, message: str | None = None
) -> RuntimeError:
    """``build()`` (a synth: ``app.synth()``, ``app.synth_yaml()``, ``chart.to_json()``, ``cdk8s.Testing.synth``)
    raises the ``RuntimeError`` jsii turns a check's error into, with exactly one line. Returns the error.

    ``match``: a regular expression searched in the message; ``message``: the whole message. The one way the
    tests assert an error the app-wide check raises at synth (``assert_config_error`` is for construction).
    """
    with pytest.raises(RuntimeError) as caught:
        build()
    error = caught.value
    text = str(error)
    assert type(error) is RuntimeError, f"{type(error).__name__}: {text}"
    assert text and "\n" not in text, f"not one line: {text!r}"
    assert not text.startswith("Validation failed"), f"returned as a cdk8s validation error, not raised: {text}"
    if message is not None:
        assert text == message
    if match is not None:
        assert re.search(match, text), f"{match!r} not found in: {text}"
    return error


class SynthChart(Protocol):
    """The ``synth_chart`` fixture: build constructs in a fresh chart, return the synthesised objects."""

    def __call__(
        self, build: Callable[[cdk8s.Chart], object], *, namespace: str | None = "agentsmith"
    ) -> list[dict[str, Any]]: ...


class SynthRedis:
    """The ``synth_redis`` fixture: ``EphemeralRedis(chart, "redis", **props)`` alone in chart ``test``
    (namespace ``chart_namespace``) of an app of its own, synthesised.

    Each distinct ``(chart_namespace, props)`` is built once a session (told apart by ``repr``: every
    value class's repr is the call that rebuilds it). Calling it returns the objects (``Testing.synth``),
    a deep copy each time, so a test may change what it gets; :meth:`yaml` returns what
    ``App.synth_yaml()`` writes. Building and synthesising one bus is about 25 jsii round trips to
    Node.js, and the same few configurations are read by many tests. For anything else in the chart,
    and for props the library should refuse (a refused value may share its repr with an accepted one,
    e.g. ``RedisAccess.open(max_clients=10000.0)`` with the default), use ``synth_chart``.
    """

    def __init__(self) -> None:
        self._charts: dict[str, cdk8s.Chart] = {}
        self._objects: dict[str, list[dict[str, Any]]] = {}
        self._yaml: dict[str, str] = {}

    def _chart(self, chart_namespace: str | None, props: dict[str, Any]) -> tuple[str, cdk8s.Chart]:
        import cdk8s

        from agentsmith import EphemeralRedis

        key = repr((chart_namespace, sorted(props.items())))
        if key not in self._charts:
            chart = cdk8s.Chart(in_memory_app(), "test", namespace=chart_namespace, disable_resource_name_hashes=True)
            EphemeralRedis(chart, "redis", **props)
            self._charts[key] = chart
        return key, self._charts[key]

    def __call__(self, *, chart_namespace: str | None = "agentsmith", **props: Any) -> list[dict[str, Any]]:
        import cdk8s

        key, chart = self._chart(chart_namespace, props)
        if key not in self._objects:
            self._objects[key] = list(cdk8s.Testing.synth(chart))
        return copy.deepcopy(self._objects[key])

    def yaml(self, *, chart_namespace: str | None = "agentsmith", **props: Any) -> str:
        import cdk8s

        key, chart = self._chart(chart_namespace, props)
        if key not in self._yaml:
            app = chart.node.root
            assert isinstance(app, cdk8s.App)
            self._yaml[key] = app.synth_yaml()
        return self._yaml[key]


def load_dir(folder: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """Every object in ``folder/*.k8s.yaml`` keyed by (kind, name)."""
    objects: dict[tuple[str, str], dict[str, Any]] = {}
    for path in sorted(folder.glob("*.k8s.yaml")):
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            key = (document["kind"], document["metadata"]["name"])
            assert key not in objects, f"duplicate object {key}"
            objects[key] = document
    return objects


def read_seed() -> dict[tuple[str, str], dict[str, Any]]:
    """The seed's two YAML blocks that define Kubernetes objects, parsed."""
    if not SEED.is_file():
        pytest.fail(
            f"the design seed is missing: {SEED}. It is part of the repository (tests/data/seed/); "
            "restore it with `git checkout -- tests/data/seed`.",
            pytrace=False,
        )
    text = SEED.read_text(encoding="utf-8")
    objects = {}
    for block in text.split("```yaml\n")[1:]:
        document = yaml.safe_load(block.split("```", 1)[0])
        if isinstance(document, dict) and "kind" in document:
            objects[(document["kind"], document["metadata"]["name"])] = document
    assert set(objects) == {("Deployment", "redis"), ("Service", "redis")}, objects.keys()
    return objects


def run_kustomize(folder: Path, documents: list[str]) -> subprocess.CompletedProcess[str]:
    """``kubectl kustomize`` over ``documents`` written as one base in ``folder`` (testkit/kustomize.py)."""
    return run_kustomize_with(require_tool("kubectl", KUBECTL_HINT), folder, documents)


def kustomize(folder: Path, documents: list[str]) -> list[dict[str, Any]]:
    """Write ``documents`` as one Kustomize base in ``folder`` and return ``kubectl kustomize``'s objects."""
    from testkit.yaml12 import load_all

    result = run_kustomize(folder, documents)
    assert result.returncode == 0, result.stderr
    return load_all(result.stdout)  # Kustomize writes YAML 1.2: read it as such
