#!/usr/bin/env bash
# Set up everything the app and the tests need, idempotently:
#   .venv/ with exactly requirements/dev.lock (this package's test and plus27 extras and the development tools:
#     ruff, mypy, kubectl, build, twine, pdoc, uv, ...) and this package, editable,
#   .venv-checkov/ with exactly requirements/checkov.lock (checkov, the security scan),
#   node_modules/ with the project's Node.js LTS (the npm `node` package), cdk8s-cli and ioredis
#     (package-lock.json; ioredis for tests/test_runtime_guard.py),
#   Debian's redis-server for the runtime tests (installed when missing and we are root).
#   Debian's podman, runc and catatonit for the pod tier (likewise).
#   Debian's prometheus (server, promtool) and prometheus-redis-exporter for the metrics tests (likewise).
# The locks change only through `bash tools/update-locks.sh` (DEVELOPMENT.md, "Locked dependencies").
set -euo pipefail
cd "$(dirname "$0")/.."

need() { echo "error: $1" >&2; exit 1; }
command -v python3 >/dev/null || need "python3 (>= 3.10) is required: apt-get install python3 python3-venv"
python3 -c 'import sys; sys.exit(sys.version_info < (3, 10))' || need "Python >= 3.10 is required (found $(python3 -V))"
# Any Node.js with npm bootstraps: npm ci installs the pinned Node.js LTS into node_modules/,
# and main.py, the tests and `npx cdk8s synth` run on that one (JSII_NODE, see DEVELOPMENT.md).
if ! command -v npm >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  else
    need "npm is required to install the project's Node.js: sudo apt-get install nodejs npm"
  fi
fi

# Each environment holds exactly its lock: pip checks every file against the lock's hashes and installs no
# dependency the lock does not list (--no-deps); after a changed lock, tools/sync_env.py --prune uninstalls what
# the lock does not pin (an earlier lock's packages, the setuptools `python -m venv` brings on Python < 3.12).
# On every run it puts back a pin that drifted and runs `pip check`; a package installed by hand stays, for
# tests/test_locks.py to name.
# The locked installs read no pip configuration file (PIP_CONFIG_FILE=/dev/null): a machine's pip.conf may add a
# constraint file (whose pins could conflict with the lock's), extra indexes and find-links (searched, and warned
# about, for every package), while the lock's hashes already decide what is installed. Environment variables
# (PIP_INDEX_URL for a mirror of PyPI, PIP_CERT, PIP_NO_CACHE_DIR) still apply.
install_lock() {  # VENV LOCK
  PIP_CONFIG_FILE=/dev/null "$1/bin/python" -m pip install --quiet --disable-pip-version-check \
    --require-hashes --no-deps -r "$2"
}
# An environment is redone when its lock (or, for .venv, pyproject.toml) differs from what it was made from.
stamp_of() { cat "$@" | sha256sum | cut -d' ' -f1; }

[ -x .venv/bin/python ] || python3 -m venv .venv
stamp=.venv/.agentsmith-installed
want="$(stamp_of requirements/dev.lock pyproject.toml)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  rm -f "$stamp"
  install_lock .venv requirements/dev.lock
  # This package itself, editable: it cannot be hashed, and its dependencies came with the lock.
  PIP_CONFIG_FILE=/dev/null .venv/bin/python -m pip install --quiet --disable-pip-version-check \
    --no-deps --no-build-isolation -e .
  .venv/bin/python tools/sync_env.py --prune .venv
  echo "$want" >"$stamp"
else
  .venv/bin/python tools/sync_env.py .venv
fi

# checkov (the security scan in tests/test_security.py) pins many packages of its
# own, so it lives in a separate environment. It runs offline (--skip-download).
[ -x .venv-checkov/bin/python ] || python3 -m venv .venv-checkov
stamp=.venv-checkov/.agentsmith-installed
want="$(stamp_of requirements/checkov.lock)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  rm -f "$stamp"
  install_lock .venv-checkov requirements/checkov.lock
  .venv/bin/python tools/sync_env.py --prune .venv-checkov
  echo "$want" >"$stamp"
else
  .venv/bin/python tools/sync_env.py .venv-checkov
fi

if [ ! -x node_modules/.bin/cdk8s ] || [ ! -x node_modules/.bin/node ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
node_modules/.bin/node -e 'process.exit(0)' || need "node_modules/.bin/node does not run: rm -rf node_modules and run this script again"

if ! command -v redis-server >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null
    # Debian starts a system redis on 6379; the tests run their own on free ports.
    (service redis-server stop || true) >/dev/null 2>&1
  else
    echo "note: redis-server is missing; the runtime tests need it: sudo apt-get install redis-server" >&2
  fi
fi

# openssl makes the CA and certificates of tests/test_runtime_tls.py (a TLS redis-server).
if ! command -v openssl >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openssl >/dev/null
  else
    echo "note: openssl is missing; the TLS runtime tests need it: sudo apt-get install openssl" >&2
  fi
fi

# Metrics (tests/metrics/test_alerts.py, tests/test_runtime_metrics.py): Debian's Prometheus server and promtool
# (package prometheus) and redis_exporter (package prometheus-redis-exporter). The tests start their own on
# loopback ports; the services the packages enable are stopped (no systemd in CI: nothing runs anyway).
if ! command -v promtool >/dev/null || ! command -v prometheus >/dev/null || ! command -v prometheus-redis-exporter >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      -o DPkg::Lock::Timeout=300 prometheus prometheus-redis-exporter >/dev/null
    (service prometheus stop; service prometheus-redis-exporter stop) >/dev/null 2>&1 || true
  else
    echo "note: prometheus/promtool/prometheus-redis-exporter are missing; the metrics tests need them: sudo apt-get install prometheus prometheus-redis-exporter" >&2
  fi
fi

# Pod tier (tests/test_pod.py, DEVELOPMENT.md "Pod tier (podman)"): Debian's podman with runc (crun
# fails on this host's hybrid cgroups) and catatonit (podman builds its local
# pause image from it: no registry is reachable), with the CNI plugins it was
# verified with (containernetworking-plugins, which pulls iptables). The tests pass
# tools/podman/containers.conf through CONTAINERS_CONF; /etc is never edited.
# The stand-in Redis and redis_exporter images are built by the tests (tools/podman/build-standin.sh).
if ! command -v podman >/dev/null || ! command -v runc >/dev/null || ! command -v catatonit >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      -o DPkg::Lock::Timeout=300 podman runc catatonit containernetworking-plugins >/dev/null
  else
    echo "note: podman/runc/catatonit are missing; the pod tier needs them: sudo apt-get install podman runc catatonit" >&2
  fi
fi
