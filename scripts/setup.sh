#!/usr/bin/env bash
# Create the project venv (.venv) and install parley with its development tools into it.
# As root on Debian, first install the system libraries WeasyPrint needs for the brief's PDF
# (pango, and DejaVu fonts, which cover Latin, Cyrillic and Arabic), when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
missing_debs=()
ldconfig -p | grep -q 'libpango-1.0.so.0' || missing_debs+=(libpango-1.0-0)
ldconfig -p | grep -q 'libpangoft2-1.0.so.0' || missing_debs+=(libpangoft2-1.0-0)
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
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[dev]"
