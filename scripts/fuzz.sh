#!/usr/bin/env bash
# Builds the libFuzzer targets (preset `fuzz`: clang + ASan + UBSan) and runs
# each for SECONDS (default 60) from its committed seeds, with the pattern
# dictionary. New inputs go to build/fuzz/corpus/<name>, findings to
# build/fuzz/findings/<name>/; a crash, leak or hang (10 s per input) fails.
#   scripts/fuzz.sh [SECONDS] [FUZZER...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
fuzzers=("$@")
((${#fuzzers[@]})) || fuzzers=(pattern_fuzzer event_fuzzer differential_fuzzer integrity_fuzzer s3_fuzzer)

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
for name in "${fuzzers[@]}"; do
  corpus="build/fuzz/corpus/$name"
  findings="build/fuzz/findings/$name"
  mkdir -p "$corpus" "$findings"
  echo "== $name: ${seconds} s"
  status=0
  build/fuzz/fuzz/"$name" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
    -dict=fuzz/pattern.dict -artifact_prefix="$findings/" "$corpus" "fuzz/corpus/$name" \
    >"$findings/log" 2>&1 || status=$?
  grep -E '^#[0-9]+[[:space:]]+DONE|^stat::(number_of_executed_units|average_exec_per_sec)' "$findings/log" || true
  if ((status != 0)); then
    tail -n 40 "$findings/log" >&2
    echo "$name failed (exit $status); reproducer in $findings/" >&2
    exit "$status"
  fi
done
