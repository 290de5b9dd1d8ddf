#!/usr/bin/env bash
# The test command: set up (idempotent), ruff + mypy, then the whole pytest suite.
# Extra arguments go to pytest, e.g. `bash tools/test.sh -m "not runtime"`.
set -uo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh || exit 1
# jsii runs on node_modules/.bin/node, the pinned LTS (tests/conftest.py sets JSII_NODE unless it is set).
export PATH="$PWD/.venv/bin:$PATH"
# Static checks first (seconds): lint, formatting, mypy --strict on every Python file (pyproject's
# [tool.mypy] files), the package's layers (pyproject's [tool.importlinter]: no import runs up, no cycle),
# then mypy on examples/consumer, an app of its own whose `main` module would shadow main.py.
.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy || exit 1
.venv/bin/lint-imports --no-cache || exit 1
.venv/bin/mypy --no-explicit-package-bases examples/consumer/main.py examples/consumer/test_main.py || exit 1
# The whole suite runs Hypothesis's full example counts (tests/_support.py HYPOTHESIS_PROFILE); the fast loop
# at a prompt runs a tenth of them.
export AGENTSMITH_HYPOTHESIS="${AGENTSMITH_HYPOTHESIS:-full}"
.venv/bin/python -m pytest "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "error: pytest collected no tests (exit 5); that is a failure here" >&2
  exit 1
fi
exit "$rc"
