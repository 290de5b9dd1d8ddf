#!/usr/bin/env bash
# The API reference: HTML generated from the library's docstrings by pdoc (Google style), into docs/api/
# (committed; tests/test_api_docs.py rebuilds it and fails when it is out of date or misses a public name).
#   bash tools/api-docs.sh [OUTDIR]        # default OUTDIR: docs/api
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-docs/api}"
[ -x .venv/bin/pdoc ] || { echo "error: .venv/bin/pdoc is missing: run bash tools/setup.sh" >&2; exit 1; }
# Importing the library starts jsii's Node.js process, which pdoc only allows with PDOC_ALLOW_EXEC.
export PDOC_ALLOW_EXEC=1
if [ -z "${JSII_NODE:-}" ] && [ -x node_modules/.bin/node ]; then
  export JSII_NODE="$PWD/node_modules/.bin/node"
fi
rm -rf "$out"
.venv/bin/pdoc --docformat google --no-search --no-show-source --output-directory "$out" agentsmith
