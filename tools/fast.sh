#!/usr/bin/env bash
# The fast loop: every test that starts no process (not runtime, slow, pod or subprocess), in one process,
# with Hypothesis's fast profile. Extra arguments go to pytest, e.g. `bash tools/fast.sh tests/access/test_access.py`.
# Python's bytecode and pytest's rewritten test modules are cached in __pycache__/ (git ignores it) even where
# the environment sets PYTHONDONTWRITEBYTECODE: recompiling about 150 modules would cost more than the tests.
# Run `bash tools/setup.sh` once first.
set -uo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || { echo "error: .venv is missing: run bash tools/setup.sh" >&2; exit 1; }
unset PYTHONDONTWRITEBYTECODE
.venv/bin/python -m pytest -q -p no:cacheprovider -m "not runtime and not slow and not pod and not subprocess" "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "error: pytest collected no tests (exit 5); that is a failure here" >&2
  exit 1
fi
exit "$rc"
