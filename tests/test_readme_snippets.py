"""README.md's and PACKAGE.md's Python blocks, pasted in order into one main.py, synthesise every object."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from _readme import EXPECTED, as_pasted, package_blocks, readme_blocks
from _support import ROOT

pytestmark = pytest.mark.slow  # a Python process of its own per document

DOCS = {"README.md": readme_blocks, "PACKAGE.md": package_blocks}


def run_pasted(folder: Path, text: str, python: str = sys.executable) -> list[tuple[str, str, str]]:
    """Write ``text`` as ``folder/main.py`` beside a copy of imports/ (as in `cdk8s init python-app`), run it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "main.py").write_text(text, encoding="utf-8")
    shutil.copytree(ROOT / "imports", folder / "imports", ignore=shutil.ignore_patterns("__pycache__"))
    result = subprocess.run([python, "main.py"], cwd=folder, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "!!" not in result.stderr, result.stderr  # no jsii banner
    return sorted(
        (o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"])
        for path in (folder / "dist").glob("*.k8s.yaml")
        for o in yaml.safe_load_all(path.read_text(encoding="utf-8"))
    )


@pytest.mark.parametrize("doc", DOCS)
def test_blocks_pasted_in_order_synthesise_every_object(tmp_path: Path, doc: str) -> None:
    # GIVEN the document's blocks pasted in order into one main.py WHEN it runs
    objects = run_pasted(tmp_path / "app", as_pasted(DOCS[doc]()))
    # THEN every object the blocks define is in dist/, once
    assert objects == EXPECTED[doc]


@pytest.mark.parametrize("doc", DOCS)
def test_the_cdk8s_plus_import_is_the_only_line_to_change(doc: str) -> None:
    text = as_pasted(DOCS[doc](), "cdk8s_plus_33")
    assert "import cdk8s_plus_33 as kplus" in text
    imports = [line for line in text.splitlines() if "import cdk8s_plus" in line]
    assert len(imports) == 1 and imports[0].startswith("import cdk8s_plus_33 as kplus")
