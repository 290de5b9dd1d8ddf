#!/usr/bin/env bash
# The release command: build the sdist and the wheel from the tracked files, then check both with
# `twine check --strict` (metadata a package index accepts, the long description renders).
#   bash tools/release.sh [OUTDIR]        # default OUTDIR: release/ (git-ignored); must be empty or missing
# Then publish: .venv/bin/twine upload OUTDIR/*   (see DEVELOPMENT.md, "Releasing").
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(realpath -m "${1:-release}")"
if [ -e "$out" ] && [ -n "$(ls -A "$out")" ]; then
  echo "error: $out is not empty; give an empty or missing folder (old artifacts would be checked and uploaded too)" >&2
  exit 1
fi
[ -x .venv/bin/twine ] || { echo "error: .venv/bin/twine is missing: run bash tools/setup.sh" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Only what git tracks (with its content in the working tree): no caches, venvs or local files.
mkdir "$work/src"
git ls-files -z | tar --null -T - -cf - | tar -xf - -C "$work/src"
# No build isolation: flit_core comes pinned from requirements/dev.lock, and no network is needed.
.venv/bin/python -m build --no-isolation --outdir "$out" "$work/src" >"$work/build.log" 2>&1 \
  || { cat "$work/build.log" >&2; exit 1; }
.venv/bin/twine check --strict "$out"/*
ls -1 "$out"
