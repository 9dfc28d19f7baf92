#!/usr/bin/env bash
# Runs the server's test binary twice: against SQLite (a temp file per test), then against a
# throwaway PostgreSQL started here (initdb in a temp dir, a free loopback port, stopped and
# deleted on exit). The PostgreSQL run also stops and restarts the database under a running
# server (DatabaseRestart). Prints both summaries; exits non-zero if either run failed.
#
#   server/tests/run-api-tests.sh [path/to/amplitude_server_tests] [extra gtest flags...]
set -uo pipefail
cd "$(dirname "$0")/../.."
binary=${1:-build/native/server/amplitude_server_tests}
shift || true
[[ -x "$binary" ]] || { echo "run-api-tests: no test binary at $binary (build amplitude_server_tests first)" >&2; exit 2; }
binary=$(realpath "$binary")

pg_bin=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
[[ -x "$pg_bin/initdb" ]] || { echo "run-api-tests: PostgreSQL not found (apt-get install postgresql)" >&2; exit 2; }

# initdb refuses to run as root: run the server as the postgres user then.
if [[ $(id -u) == 0 ]]; then as_db_user="runuser -u postgres --"; else as_db_user=""; fi

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
    echo $((20000 + RANDOM % 30000))
}

dir=$(mktemp -d /tmp/amplitude-pg.XXXXXX)
chmod 755 "$dir"
[[ -n $as_db_user ]] && chown postgres "$dir"
port=$(free_port)
pg_ctl="$as_db_user $pg_bin/pg_ctl -D $dir/data"
cleanup() {
  $pg_ctl -m fast stop >/dev/null 2>&1
  rm -rf "$dir"
}
trap cleanup EXIT

# fsync=off only speeds up the throwaway cluster; an immediate stop still loses nothing that
# was committed (the WAL is in the OS cache), which is what the restart test checks.
start_command="$pg_ctl -o '-k $dir -p $port -c listen_addresses=127.0.0.1 -c fsync=off' -l $dir/log -w start"
$as_db_user "$pg_bin/initdb" --no-sync -A trust -U postgres -D "$dir/data" >"$dir/initdb.log" 2>&1 ||
  { cat "$dir/initdb.log"; exit 1; }
eval "$start_command" >/dev/null || { cat "$dir/log"; exit 1; }
"$pg_bin/psql" -q -h 127.0.0.1 -p "$port" -U postgres -c 'CREATE DATABASE amplitude_test' || exit 1

run() {  # name, then environment assignments
  local name=$1 log="$dir/$1.out"
  shift
  printf '\n===== server tests on %s =====\n' "$name"
  local started=$SECONDS
  env "$@" "$binary" --gtest_brief=1 "${extra[@]}" 2>&1 | tee "$log" | grep -vE '^\[ +(RUN|OK) +\]'
  local status=${PIPESTATUS[0]}
  summaries+=("$(printf '%-10s %s (%ss)' "$name" "$(grep -E '^\[  (PASSED|FAILED)  \]|tests? from .* ran' "$log" | tr '\n' ' ')" $((SECONDS - started)))")
  return "$status"
}

extra=("$@")
summaries=()
failed=0
run sqlite AMPLITUDE_TEST_DATABASE_URL= || failed=1
run postgresql AMPLITUDE_TEST_DATABASE_URL="postgresql://postgres@127.0.0.1:$port/amplitude_test" \
  AMPLITUDE_TEST_PG_STOP="$pg_ctl -m immediate stop >/dev/null" \
  AMPLITUDE_TEST_PG_START="$start_command >/dev/null" || failed=1

printf '\n===== server test summary =====\n'
printf '%s\n' "${summaries[@]}"
exit $failed
