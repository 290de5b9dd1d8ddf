#!/usr/bin/env bash
# Regenerate imports/ (the Kubernetes API bindings for Python) with cdk8s-cli.
#
#   bash tools/import-k8s.sh            # version from cdk8s.yaml's imports: (k8s@1.27.0)
#
# If a local schema exists at $K8S_SCHEMA_DIR/v<version>/_definitions.json
# (default: ../shared/k8s-schemas), cdk8s-cli reads it from disk instead of
# downloading; otherwise this is plain `cdk8s import` and needs the internet.
set -euo pipefail
cd "$(dirname "$0")/.."

spec=$(sed -n 's/^ *- *\(k8s@[0-9.]*\) *$/\1/p' cdk8s.yaml | head -n 1)
[ -n "$spec" ] || { echo "error: no k8s@<version> under imports: in cdk8s.yaml" >&2; exit 1; }
version=${spec#k8s@}

{ [ -x node_modules/.bin/cdk8s ] && [ -x node_modules/.bin/node ]; } || npm ci --no-audit --no-fund
export PATH="$(pwd)/node_modules/.bin:$PATH"   # cdk8s-cli runs on the project's Node.js LTS
export K8S_SCHEMA_DIR=${K8S_SCHEMA_DIR:-$(cd .. && pwd)/shared/k8s-schemas}
if [ -f "$K8S_SCHEMA_DIR/v$version/_definitions.json" ]; then
  echo "importing $spec from $K8S_SCHEMA_DIR (offline)"
  export NODE_OPTIONS="--require $(pwd)/tools/k8s-schema-offline.cjs ${NODE_OPTIONS:-}"
else
  echo "importing $spec from the internet (no local schema under $K8S_SCHEMA_DIR)"
fi
rm -rf imports
node_modules/.bin/cdk8s --no-check-upgrade import "$spec" --language python --output imports
