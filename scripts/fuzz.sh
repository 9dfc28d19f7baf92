#!/usr/bin/env bash
# Runs every libFuzzer target for SECONDS each (default 10; `scripts/fuzz.sh 600` for a long run).
# Corpora persist in build/fuzz/corpus/<target>, seeded from the protocol vectors.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
status=0
for fuzzer in build/fuzz/engine/amplitude_*_fuzzer build/fuzz/protocol/amplitude_*_fuzzer; do
  [[ -x $fuzzer ]] || continue
  name=$(basename "$fuzzer")
  corpus=build/fuzz/corpus/$name
  case $name in
    *wav_reader*) node engine/fuzz/make-wav-seeds.mjs "$corpus" ;;
    *dawproject*) python3 engine/fuzz/make-dawproject-seeds.py "$corpus" ;;
    *project_document*) mkdir -p "$corpus" && cp protocol/project/examples/*.json protocol/project/examples/*/*.json "$corpus"/ 2>/dev/null || true ;;
    *) node engine/fuzz/make-seeds.mjs "$corpus" ;;
  esac
  echo "fuzzing $name for ${seconds}s"
  if "$fuzzer" -max_total_time="$seconds" -max_len=65536 -print_final_stats=1 -artifact_prefix=build/fuzz/ "$corpus" >"build/fuzz/$name.log" 2>&1; then
    grep -E '^(Done|stat::number_of_executed_units)' "build/fuzz/$name.log" || true
  else
    tail -40 "build/fuzz/$name.log"
    echo "FAIL: $name found a crashing input (see build/fuzz/$name.log)"
    status=1
  fi
done
exit $status
