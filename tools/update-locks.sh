#!/usr/bin/env bash
# Move the Python locks forward, on purpose (DEVELOPMENT.md, "Locked dependencies"): recompile requirements/*.lock
# from requirements/*.in and pyproject.toml, install them, regenerate what depends on tool versions (docs/api/ from
# pdoc and markdown2; dist/ and the syrupy snapshots from cdk8s), then run the whole test suite.
#   bash tools/update-locks.sh                          # every package to the newest release its range allows
#   bash tools/update-locks.sh --upgrade-package ruff   # arguments replace --upgrade (uv pip compile's options)
#   bash tools/update-locks.sh --keep                   # only what an edited .in needs; other pins stay
# Then review `git diff` (the tests passed, but a changed manifest is still a change) and commit it all together.
set -euo pipefail
cd "$(dirname "$0")/.."
upgrade=(--upgrade)
if [ "$#" -gt 0 ]; then
  upgrade=("$@")
  [ "$1" = --keep ] && upgrade=()
fi

# The uv that writes the locks is the one dev.lock pins (in .venv).
bash tools/setup.sh
# One lock per environment, universal (any platform, Python 3.10 to 3.13: the range pyproject.toml supports) and
# with every file's hash, so that tools/setup.sh installs with pip --require-hashes and needs no uv.
compile() {  # LOCK INPUT... [uv options]
  local lock="requirements/$1"
  shift
  echo "locking $lock"
  .venv/bin/uv pip compile --quiet --universal --python-version 3.10 --generate-hashes \
    --custom-compile-command "bash tools/update-locks.sh" ${upgrade[@]+"${upgrade[@]}"} -o "$lock" "$@"
}
compile dev.lock pyproject.toml requirements/dev.in --extra test --extra plus27
compile consumers.lock pyproject.toml requirements/consumers.in
compile checkov.lock requirements/checkov.in

bash tools/setup.sh
# What the tools' versions write: the API reference, this repository's manifests, the construct snapshots.
bash tools/api-docs.sh
.venv/bin/python main.py
# syrupy keeps a test file's snapshots in __snapshots__/<test file>/ beside it, in tests/ or in a test folder.
snapshot_tests=()
shopt -s nullglob
for folder in tests/__snapshots__/*/ tests/*/__snapshots__/*/; do
  snapshot_tests+=("$(dirname "$(dirname "$folder")")/$(basename "$folder").py")
done
shopt -u nullglob
.venv/bin/python -m pytest -q -p no:cacheprovider --snapshot-update "${snapshot_tests[@]}"

bash tools/test.sh
echo "Locks updated and the tests pass. Review and commit:"
git status --short requirements docs/api dist tests/__snapshots__
