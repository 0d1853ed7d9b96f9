#!/usr/bin/env bash
# Create the project venv (.venv) and install parley with what it needs to run.
# As root on Debian, first install the system libraries WeasyPrint needs for the brief's PDF
# (pango, and DejaVu fonts, which cover Latin, Cyrillic and Arabic), when they are missing.
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
missing_debs=()
libs=$(ldconfig -p 2>/dev/null || true)
grep -q 'libpango-1.0.so.0' <<<"$libs" || missing_debs+=(libpango-1.0-0)
grep -q 'libpangoft2-1.0.so.0' <<<"$libs" || missing_debs+=(libpangoft2-1.0-0)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing_debs+=(fonts-dejavu-core)
if [ ${#missing_debs[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    echo "== installing Debian packages: ${missing_debs[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=120 update -qq
    apt-get -o DPkg::Lock::Timeout=120 install -y -qq --no-install-recommends \
      "${missing_debs[@]}" >/dev/null
  else
    echo "== missing ${missing_debs[*]} (needs root and apt-get): the brief's PDF will not render"
  fi
fi
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e "$target"
