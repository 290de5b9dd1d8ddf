"""The API reference (docs/api/, from the docstrings by pdoc) builds, is up to date and documents every public name."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from _support import ROOT

import agentsmith
from testkit.locks import UPDATE_COMMAND

pytestmark = pytest.mark.slow

API = ROOT / "docs" / "api"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``bash tools/api-docs.sh`` into a temporary folder (the documented command)."""
    out = tmp_path_factory.mktemp("api") / "api"
    result = subprocess.run(
        ["bash", str(ROOT / "tools" / "api-docs.sh"), str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    # pdoc reports unresolvable references and import problems as warnings: none allowed.
    assert "Warn" not in result.stderr, result.stderr
    return out


def test_committed_reference_is_up_to_date(built: Path) -> None:
    committed = {path.name: path.read_bytes() for path in sorted(API.iterdir())}
    fresh = {path.name: path.read_bytes() for path in sorted(built.iterdir())}
    # Exact: the HTML depends on the docstrings and on the versions of pdoc and markdown2 (requirements/dev.lock).
    assert committed == fresh, (
        "docs/api/ is out of date: after a docstring change run bash tools/api-docs.sh and commit it; "
        f"pdoc and markdown2 move only with the locks ({UPDATE_COMMAND}, which regenerates docs/api/ too)"
    )


def test_every_public_name_is_documented(built: Path) -> None:
    page = (built / "agentsmith.html").read_text(encoding="utf-8")
    anchors = set(re.findall(r'id="([A-Za-z_][A-Za-z0-9_]*)"', page))
    assert set(agentsmith.__all__) <= anchors, sorted(set(agentsmith.__all__) - anchors)
    # the docstrings' defaults reach the page, e.g. RedisMetrics's and EphemeralRedis's
    assert "oliver006/redis_exporter:v1.67.0" in page
    assert 'Default <code>"256mb"</code> (seed)' in page


def test_readme_links_the_reference() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "(docs/api/agentsmith.html)" in readme


def test_no_code_span_is_left_as_backticks(built: Path) -> None:
    # markdown2 (2.5.6) renders a docstring's ``code`` span that breaks across a line as literal backticks
    page = (built / "agentsmith.html").read_text(encoding="utf-8")
    lines = [line for line in page.splitlines() if "``" in line]
    assert not lines, f"keep each ``code`` span of a docstring on one line: {lines}"
