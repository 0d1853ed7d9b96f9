#!/usr/bin/env bash
# Install what the optional tests need, only when it is missing: Debian's postgresql (server
# binaries for the throwaway test server) and chromium (browser tests), and the Python packages
# psycopg, playwright and pytest-playwright in .venv. Without root (and apt-get), the system
# packages are skipped with a message, and the tests that need them skip cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."

# Keep in step with pyproject.toml's extras "postgres" and "browser".
PYTHON_POSTGRES=("psycopg[binary]>=3.2,<4")
PYTHON_BROWSER=("playwright>=1.48,<2" "pytest-playwright>=0.6,<1")

missing_debs=()
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing_debs+=(postgresql)
[ -x /usr/bin/chromium ] || missing_debs+=(chromium)

if [ ${#missing_debs[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    echo "== installing Debian packages: ${missing_debs[*]}"
    start=$SECONDS
    export DEBIAN_FRONTEND=noninteractive
    # the tests start their own throwaway server: Debian need not create and start one
    mkdir -p /etc/postgresql-common/createcluster.d
    echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.d/parley-tests.conf
    if apt-get -o DPkg::Lock::Timeout=120 update -qq &&
      apt-get -o DPkg::Lock::Timeout=120 install -y -qq --no-install-recommends \
        "${missing_debs[@]}" >/dev/null; then
      echo "   done in $((SECONDS - start)) s"
    else
      echo "   WARNING: apt-get failed; the tests that need ${missing_debs[*]} will skip"
    fi
  else
    echo "== not installing ${missing_debs[*]} (needs root and apt-get);" \
      "the tests that need them will skip"
  fi
fi

missing_python=()
.venv/bin/python -c "import psycopg" 2>/dev/null || missing_python+=("${PYTHON_POSTGRES[@]}")
.venv/bin/python -c "import playwright, pytest_playwright" 2>/dev/null ||
  missing_python+=("${PYTHON_BROWSER[@]}")
if [ ${#missing_python[@]} -gt 0 ]; then
  echo "== installing Python packages: ${missing_python[*]}"
  .venv/bin/python -m pip install -q --disable-pip-version-check "${missing_python[@]}" ||
    echo "   could not install them; the tests that need them will skip"
fi
