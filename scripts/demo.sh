#!/usr/bin/env bash
# The main job: the web app on SQLite with the demo conversation loaded (parley demo).
# Installs only what the app needs to run (scripts/setup.sh without --dev).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/parley demo "$@"
