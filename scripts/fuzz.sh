#!/usr/bin/env bash
# Builds the libFuzzer targets (preset `fuzz`: clang + ASan + UBSan) and runs
# each for SECONDS (default 60) from its committed seeds, with the pattern
# dictionary, as many at once as there are cores. New inputs go to
# build/fuzz/corpus/<name>, findings to build/fuzz/findings/<name>/; a crash,
# leak or hang (10 s per input) fails.
#   scripts/fuzz.sh [SECONDS] [FUZZER...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
fuzzers=("$@")
((${#fuzzers[@]})) ||
  fuzzers=(pattern_fuzzer event_fuzzer differential_fuzzer matcher_load_fuzzer transform_fuzzer
           integrity_fuzzer s3_fuzzer dlq_fuzzer router_config_fuzzer)

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz

run() {  # run NAME: one fuzzer; its log in build/fuzz/findings/NAME/log
  local name=$1 corpus="build/fuzz/corpus/$1" findings="build/fuzz/findings/$1"
  mkdir -p "$corpus" "$findings"
  build/fuzz/fuzz/"$name" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
    -dict=fuzz/pattern.dict -artifact_prefix="$findings/" "$corpus" "fuzz/corpus/$name" \
    >"$findings/log" 2>&1
}

jobs=$(nproc)
declare -A pids
for name in "${fuzzers[@]}"; do
  while (($(jobs -rp | wc -l) >= jobs)); do wait -n || true; done
  echo "== $name: ${seconds} s"
  run "$name" &
  pids[$name]=$!
done
failed=0
for name in "${fuzzers[@]}"; do
  status=0
  wait "${pids[$name]}" || status=$?
  log="build/fuzz/findings/$name/log"
  echo "== $name"
  grep -E '^#[0-9]+[[:space:]]+DONE|^stat::(number_of_executed_units|average_exec_per_sec)' "$log" || true
  if ((status != 0)); then
    tail -n 40 "$log" >&2
    echo "$name failed (exit $status); reproducer in build/fuzz/findings/$name/" >&2
    failed=1
  fi
done
exit "$failed"
