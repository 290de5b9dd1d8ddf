"""The README's two quick-start commands are the project's real entry points, and CI runs the same test command."""

from __future__ import annotations

import re

from _support import ROOT

SETUP_AND_SYNTH = "bash tools/setup.sh && .venv/bin/python main.py"
TEST = "bash tools/test.sh"


def quick_start_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Quick start\n", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```bash\n(.*?)```", section, re.S)
    return [line for line in block.splitlines() if line and not line.startswith("#")]


def test_readme_quick_start_is_two_commands() -> None:
    assert quick_start_commands() == [SETUP_AND_SYNTH, TEST]


def test_ci_runs_the_readme_test_command() -> None:
    commands = [line for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines() if line.strip()]
    assert commands[-1] == TEST


def test_the_commands_name_files_that_exist() -> None:
    for path in ("tools/setup.sh", "tools/test.sh", "main.py", "DEVELOPMENT.md", "examples/consumer/test_main.py"):
        assert (ROOT / path).is_file(), path
    assert "[DEVELOPMENT.md](DEVELOPMENT.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
