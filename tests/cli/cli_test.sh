#!/usr/bin/env bash
# The CLI mirrors `aws events test-event-pattern`: output, stderr text and
# exit codes. Usage: cli_test.sh EVMATCH_BINARY EXAMPLES_DIR
set -u
evmatch=$1
examples=$2
failures=0

expect() {  # expect NAME WANT_RC WANT_STDOUT WANT_STDERR_SUBSTRING -- ARGS...
  local name=$1 want_rc=$2 want_out=$3 want_err=$4
  shift 5
  local out err rc
  out=$("$evmatch" "$@" 2>/tmp/evmatch_cli_err.$$)
  rc=$?
  err=$(cat /tmp/evmatch_cli_err.$$)
  if [[ $rc -ne $want_rc || "$out" != "$want_out" || "$err" != *"$want_err"* ]]; then
    echo "FAIL $name: rc=$rc stdout=[$out] stderr=[$err]"
    failures=$((failures + 1))
  else
    echo "ok   $name"
  fi
}


expect "300 matches 300.0" 0 '{"Result": true}' "" -- \
  test-event-pattern --event-pattern '{"n":[300]}' --event '{"n":300.0}'
expect "300 vs string" 0 '{"Result": false}' "" -- \
  test-event-pattern --event-pattern '{"n":[300]}' --event '{"n":"300"}'
expect "Anna/Jones" 0 '{"Result": false}' "" -- \
  test-event-pattern --event-pattern '{"e":{"f":["Anna"],"l":["Jones"]}}' \
  --event '{"e":[{"f":"Anna","l":"Smith"},{"f":"Peter","l":"Jones"}]}'
expect "exists false, parent missing" 0 '{"Result": true}' "" -- \
  test-event-pattern --event-pattern '{"d":{"x":[{"exists":false}]}}' --event '{"a":1}'
expect "invalid pattern" 2 '' \
  'InvalidEventPatternException: Event pattern is not valid. Reason: Empty arrays are not allowed' -- \
  test-event-pattern --event-pattern '{"a":[]}' --event '{}'
expect "wildcard position" 2 '' \
  'Reason: Consecutive wildcard characters at pos 26' -- \
  test-event-pattern --event-pattern '{"a":[{"wildcard":"arn:aws:events:us-east-1:**:event-bus/*"}]}' --event '{}'
expect "event not an object" 2 '' 'ValidationException: Parameter Event is not valid.' -- \
  test-event-pattern --event-pattern '{"a":[1]}' --event '["a"]'
expect "pattern from file" 0 '{"Result": true}' "" -- \
  test-event-pattern --event-pattern "file://$examples/s3-jpg-upload/pattern.json" \
  --event "file://$examples/s3-jpg-upload/event.json"
expect "missing file" 1 '' 'cannot read' -- \
  test-event-pattern --event-pattern 'file:///nonexistent' --event '{}'
expect "usage" 1 '' 'usage:' -- test-event-pattern --event '{}'
expect "validate ok" 0 '3 rules (4 patterns) are valid' '' -- \
  validate --rules "$examples/rules.json"
printf '{"ok":{"a":["x"]},"bad":{"b":[{"prefix":1}]}}' >/tmp/evmatch_cli_rules.$$
expect "validate bad" 2 '' 'rule "bad" at /bad/b/0/prefix (offset 40): prefix match pattern must be a string' -- \
  validate --rules /tmp/evmatch_cli_rules.$$
expect "match example" 0 "$(cat "$examples/expected_matches.ndjson")" '' -- \
  match --rules "$examples/rules.json" --events "$examples/events.ndjson"
printf '{"a":"x"}\nnot json\n\n{"b":1}\n' >/tmp/evmatch_cli_events.$$
printf '{"r":{"a":["x"]}}' >/tmp/evmatch_cli_rules.$$
expect "match skips invalid lines" 0 $'{"event": 1, "rules": ["r"]}\n{"event": 4, "rules": []}' \
  'line 2: invalid event' -- match --rules /tmp/evmatch_cli_rules.$$ --events /tmp/evmatch_cli_events.$$
rm -f /tmp/evmatch_cli_err.$$ /tmp/evmatch_cli_rules.$$ /tmp/evmatch_cli_events.$$
echo "cli_test: $failures failure(s)"
[[ $failures -eq 0 ]]
