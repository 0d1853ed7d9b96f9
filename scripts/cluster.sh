#!/usr/bin/env bash
# A local cluster on this machine, on 127.0.0.1 only: a throwaway PostgreSQL server, two web
# processes (`parley serve --processes 2 --no-worker`), two `parley worker` processes and,
# when dask is installed (the "dask" extra), a Dask scheduler with two Dask workers.
# Everything stops, and the database is deleted, on Ctrl+C. See docs/deploy.md.
#   scripts/cluster.sh [--port 8000] [--keep DIR]
# --keep DIR keeps the PostgreSQL data in DIR (created if missing) instead of a temporary one.
# PARLEY_VENV=DIR uses an existing venv with parley installed instead of .venv (no set-up).
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=8000
KEEP=""
while [ $# -gt 0 ]; do
  case "$1" in
    --port) PORT="$2"; shift 2 ;;
    --keep) KEEP="$2"; shift 2 ;;
    *) echo "usage: scripts/cluster.sh [--port N] [--keep DIR]" >&2; exit 2 ;;
  esac
done

VENV=${PARLEY_VENV:-.venv}
if [ -z "${PARLEY_VENV:-}" ]; then
  scripts/setup.sh
  "$VENV"/bin/python -c "import psycopg" 2>/dev/null ||
    "$VENV"/bin/python -m pip install -q --disable-pip-version-check -e ".[postgres]"
fi
PG_BIN=${PARLEY_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
if [ ! -x "$PG_BIN/initdb" ]; then
  echo "no PostgreSQL server binaries: apt-get install postgresql (or set PARLEY_PG_BIN)" >&2
  exit 1
fi

ROOT=${KEEP:-$(mktemp -d -t parley-cluster-XXXXXX)}
mkdir -p "$ROOT"
as_pg=()
if [ "$(id -u)" -eq 0 ]; then # initdb refuses root: the server runs as postgres
  as_pg=(runuser -u postgres --)
  chown postgres:postgres "$ROOT"
fi
PIDS=()
cleanup() {
  trap - EXIT INT TERM
  echo "stopping the cluster"
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  "${as_pg[@]}" "$PG_BIN/pg_ctl" stop -D "$ROOT/data" -m fast >/dev/null 2>&1 || true
  [ -n "$KEEP" ] || rm -rf "$ROOT"
}
trap cleanup EXIT INT TERM

free_port() { "$VENV"/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PG_PORT=$(free_port)
if [ ! -d "$ROOT/data" ]; then
  "${as_pg[@]}" "$PG_BIN/initdb" --pgdata "$ROOT/data" --username postgres --auth=trust \
    --encoding=UTF8 --locale=C.UTF-8 >/dev/null
fi
"${as_pg[@]}" "$PG_BIN/pg_ctl" start -D "$ROOT/data" -l "$ROOT/server.log" -w \
  -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $ROOT" >/dev/null
"${as_pg[@]}" "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -q -tc \
  "SELECT 1 FROM pg_database WHERE datname = 'parley'" | grep -q 1 ||
  "${as_pg[@]}" "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres parley
export PARLEY_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/parley"
echo "PostgreSQL: $PARLEY_DATABASE_URL (data in $ROOT)"

if [ -x "$VENV"/bin/dask ] && "$VENV"/bin/python -c "import distributed" 2>/dev/null; then
  DASK_PORT=$(free_port)
  "$VENV"/bin/dask scheduler --host 127.0.0.1 --port "$DASK_PORT" --dashboard-address 127.0.0.1:0 \
    >"$ROOT/dask-scheduler.log" 2>&1 &
  PIDS+=($!)
  for n in 1 2; do
    "$VENV"/bin/dask worker "tcp://127.0.0.1:$DASK_PORT" --host 127.0.0.1 --nworkers 1 \
      --dashboard-address 127.0.0.1:0 >"$ROOT/dask-worker-$n.log" 2>&1 &
    PIDS+=($!)
  done
  # the parley workers send conversations from PARLEY_DASK_MIN_VOTES votes on to it
  export PARLEY_DASK_ADDRESS="tcp://127.0.0.1:$DASK_PORT"
  echo "Dask: scheduler tcp://127.0.0.1:$DASK_PORT, 2 workers (logs in $ROOT)"
else
  echo "Dask: not installed (pip install -e '.[dask]'); analyses run in the parley workers"
fi

"$VENV"/bin/parley worker --once >/dev/null # creates or migrates the schema, once
"$VENV"/bin/parley serve --host 127.0.0.1 --port "$PORT" --processes 2 --no-worker &
PIDS+=($!)
# one BLAS thread per worker: the workers are the parallelism (threads would fight for cores)
for n in 1 2; do
  OPENBLAS_NUM_THREADS=1 "$VENV"/bin/parley worker &
  PIDS+=($!)
done
echo "parley cluster: http://127.0.0.1:$PORT/  (2 web processes, 2 workers; Ctrl+C to stop)"
echo "a facilitator: PARLEY_DATABASE_URL=$PARLEY_DATABASE_URL "$VENV"/bin/parley admin create NAME"
wait -n "${PIDS[@]}" || true
