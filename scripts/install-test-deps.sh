#!/usr/bin/env bash
# Install the Debian packages the tests need, only when they are missing: postgresql (server
# binaries for the throwaway test server), chromium (browser tests) and fonts for Chinese and
# Persian text in its screenshots. The Python side (psycopg, playwright) comes with the "dev"
# extra that `scripts/setup.sh --dev` installs. Without root (and apt-get) nothing is installed: a
# message says so, and those tests skip cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."

missing_debs=()
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing_debs+=(postgresql)
[ -x /usr/bin/chromium ] || missing_debs+=(chromium fonts-liberation)
# fonts for the Chinese (and Arabic/Persian) pages in browser screenshots; the app needs none
fc-list :lang=zh family 2>/dev/null | grep -q . || missing_debs+=(fonts-wqy-microhei)
fc-list :lang=fa family 2>/dev/null | grep -q . || missing_debs+=(fonts-dejavu-core)

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

