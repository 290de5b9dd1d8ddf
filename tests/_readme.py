"""The user-facing Python snippets of README.md and PACKAGE.md, as a user would paste them into one main.py.

Files only (no jsii): used in process (tests/test_readme_snippets.py) and by the
installed-wheel job (_installed.py), which runs them with the newest cdk8s-plus line.
"""

from __future__ import annotations

import re
import shlex

from _support import ROOT

#: The one line a user edits: the cdk8s-plus import (the snippets say so).
PLUS_IMPORT = "import cdk8s_plus_27 as kplus"


#: (kind, namespace, name) of every object the blocks define, per document.
EXPECTED = {
    "README.md": [
        ("Deployment", "agentsmith", "bus-worker"),
        ("Deployment", "agentsmith", "redis"),
        ("Deployment", "managed", "managed-worker"),
        ("Deployment", "secured", "redis"),
        ("Namespace", "", "agentsmith"),
        ("NetworkPolicy", "agentsmith", "redis"),
        ("NetworkPolicy", "secured", "redis"),
        ("Secret", "agentsmith", "agentsmith-secrets"),
        ("Secret", "managed", "agentsmith-secrets"),
        ("Service", "agentsmith", "redis"),
        ("Service", "secured", "redis"),
    ],
    "PACKAGE.md": [
        ("Deployment", "agentsmith", "bus-worker"),
        ("Deployment", "agentsmith", "redis"),
        ("Namespace", "", "agentsmith"),
        ("NetworkPolicy", "agentsmith", "redis"),
        ("Secret", "agentsmith", "agentsmith-secrets"),
        ("Service", "agentsmith", "redis"),
    ],
}


def _section(text: str, heading: str) -> str:
    return text.split(f"\n{heading}\n", 1)[1].split("\n## ", 1)[0]


def _blocks(section: str) -> list[str]:
    return [block for block in re.findall(r"```python\n(.*?)```", section, re.S) if "from agentsmith import" in block]


def readme_blocks() -> list[str]:
    """README "Use it from your own cdk8s app": the library blocks (not main.py's one-line setting)."""
    return _blocks(_section((ROOT / "README.md").read_text(encoding="utf-8"), "## Use it from your own cdk8s app"))


def package_blocks() -> list[str]:
    """PACKAGE.md (the registry page) "Use it from your cdk8s app"."""
    return _blocks(_section((ROOT / "PACKAGE.md").read_text(encoding="utf-8"), "## Use it from your cdk8s app"))


#: The library as README.md's install commands name it; the install tests give the built wheel instead.
REPOSITORY_REQUIREMENT = "agentsmith-infra @ git+https://github.com/agentsmith/agentsmith-infra"


def install_command(tool: str, source: str) -> list[str]:
    """README "Install": the command that starts with ``tool`` (``pip``, ``uv``), taking the library from ``source``."""
    section = _section((ROOT / "README.md").read_text(encoding="utf-8"), "## Install")
    (block,) = re.findall(r"```bash\n(.*?)```", section, re.S)
    (line,) = [line for line in block.splitlines() if line.startswith(f"{tool} ")]
    words = shlex.split(line)
    assert REPOSITORY_REQUIREMENT in words, line
    return [source if word == REPOSITORY_REQUIREMENT else word for word in words]


def as_pasted(blocks: list[str], plus_module: str = "cdk8s_plus_27") -> str:
    """The blocks, in order, as one main.py; the cdk8s-plus import set to ``plus_module`` (the documented edit)."""
    text = "\n".join(blocks)
    assert text.count(PLUS_IMPORT) == 1, "each document imports cdk8s-plus once, in the documented form"
    return text.replace(PLUS_IMPORT, f"import {plus_module} as kplus")
