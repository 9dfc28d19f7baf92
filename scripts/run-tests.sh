#!/usr/bin/env bash
# Runs every test suite, even after one fails, prints each runner's own summary, then one line
# per suite and a total. Exits non-zero if any suite failed.
set -uo pipefail
cd "$(dirname "$0")/.."
jobs=${JOBS:-$(nproc)}

suites=(
  "native (ctest: protocol, engine, server)|ctest --test-dir build/native --output-on-failure -j $jobs"
  "server API on SQLite and a throwaway PostgreSQL|server/tests/run-api-tests.sh build/native/server/amplitude_server_tests"
  "native under ASan/UBSan (ctest, then the server API on PostgreSQL too)|ctest --test-dir build/sanitize --output-on-failure -j $jobs && LSAN_OPTIONS=suppressions=$PWD/server/tests/lsan-suppressions.txt server/tests/run-api-tests.sh build/sanitize/server/amplitude_server_tests"
  "web unit (vitest)|cd web && npx vitest run"
  "browser end-to-end (playwright-core + chromium)|cd web && npm run --silent e2e"
  "fuzz, short (libFuzzer + ASan/UBSan)|scripts/fuzz.sh ${FUZZ_SECONDS:-10}"
)

passed=0
failed=0
report=()
for suite in "${suites[@]}"; do
  name=${suite%%|*}
  command=${suite#*|}
  printf '\n===== %s =====\n' "$name"
  if (eval "$command"); then
    passed=$((passed + 1))
    report+=("  PASS  $name")
  else
    failed=$((failed + 1))
    report+=("  FAIL  $name")
  fi
done

printf '\n===== summary =====\n'
printf '%s\n' "${report[@]}"
echo "suites: $passed passed, $failed failed"
((failed == 0))
