#!/usr/bin/env bash
# The main job: analyse the bundled real Polis conversation and write the report.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/parley analyze src/parley/data/conversations/scoop-hivemind.biodiversity \
  --out parley-analysis.json --html parley-report.html "$@"
echo "Open parley-report.html in a browser to see the opinion map."
