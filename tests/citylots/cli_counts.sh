#!/usr/bin/env bash
# citylots2 through the CLI: for every category, `evmatch match --stats`
# (default mode, then --lazy --threads 2) must report exactly the per-rule
# counts of expected_counts.json. Exits 77 (skipped) when the data is absent.
#
#   cli_counts.sh EVMATCH DATA_DIR
set -euo pipefail
evmatch=$1
data=$2
if [[ ! -f "$data/expected_counts.json" ]]; then
  echo "citylots2 data not found at $data: skipped"
  exit 77
fi
stats=$(mktemp)
trap 'rm -f "$stats"' EXIT
failed=0
for rules in "$data"/rules/*.json; do
  category=$(basename "$rules" .json)
  for flags in "" "--lazy --threads 2"; do
    # shellcheck disable=SC2086  # flags are words
    "$evmatch" match --rules "$rules" --events "$data/events.jsonl.gz" --output none --stats \
      $flags 2>"$stats" >/dev/null
    if ! python3 - "$data/expected_counts.json" "$category" "$stats" <<'PY'
import json, sys
expected = json.load(open(sys.argv[1]))[sys.argv[2]]
stats = json.loads(open(sys.argv[3]).read().strip().splitlines()[-1])
got = stats["rule_matches"]
bad = {k: (got.get(k), v) for k, v in expected.items() if got.get(k) != v}
if bad or stats["invalid_events"] != 0 or stats["events"] != 213068:
    print("mismatch (got, expected):", bad, "invalid:", stats["invalid_events"])
    sys.exit(1)
PY
    then
      echo "FAIL $category ${flags:-(default)}"
      failed=1
    else
      echo "ok   $category ${flags:-(default)}"
    fi
  done
done
exit $failed
