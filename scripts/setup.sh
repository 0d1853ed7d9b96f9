#!/usr/bin/env bash
# Create the project venv (.venv) and install parley with what it needs to run.
#   scripts/setup.sh          the app only (what scripts/demo.sh needs)
#   scripts/setup.sh --dev    also the development tools: linters, type checker, test and
#                             browser-test tools (what scripts/test.sh needs)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
target="."
if [ "${1:-}" = "--dev" ]; then
  target=".[dev]"
elif [ $# -gt 0 ]; then
  echo "usage: scripts/setup.sh [--dev]" >&2
  exit 2
fi
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e "$target"
