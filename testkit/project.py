"""The checkout and its app: the paths and lines copies of the project need, and an in-memory cdk8s App."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import cdk8s

#: The checkout: main.py, agentsmith/, node_modules/ (the one definition; tests, tools and benchmarks import it).
ROOT = Path(__file__).resolve().parent.parent
#: main.py's one-line bus setting, as shipped; tests that run main.py in a copy of the project edit this line.
IN_CLUSTER_BUS = "MANAGED_REDIS_URL: str | None = None"
#: The app: main.py, its output-folder module and the cdk8s-cli configuration (copies of the project hold these).
APP_FILES = ("main.py", "outdir.py", "cdk8s.yaml")


def bus_line(url: str) -> str:
    """main.py's bus setting switched to ``url``, as a user edits it."""
    return f"MANAGED_REDIS_URL: str | None = {url!r}"


def in_memory_app() -> cdk8s.App:
    """A cdk8s App for ``Testing.synth``/``to_json`` only: ``app.synth()`` would fail loudly.

    ``cdk8s.Testing.app()`` creates a temporary folder per call and leaves it behind.
    """
    import cdk8s

    return cdk8s.App(outdir="/dev/null/in-memory-app-never-synthesised")
