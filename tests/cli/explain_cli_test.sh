#!/usr/bin/env bash
# Explanations from the CLI: test-event-pattern --explain, explain, and
# match --explain. Usage: explain_cli_test.sh EVMATCH_BINARY EXAMPLES_DIR
# shellcheck source=expect.sh
source "$(dirname "$0")/expect.sh"
examples=$2
rules="$examples/explain/rules.json"

expect "test-event-pattern --explain, text" 1 \
'{"Result": false}
the event does not match the pattern
  [ok] source: equals ["aws.ec2"]  (pattern /source)
      satisfied by "aws.ec2" at /source
  [failed] detail.state: equals ["stopped"]  (pattern /detail/state)
      the event has "Stopped" at /detail/state
      hint: "Stopped" differs only in case: {"equals-ignore-case": "stopped"} would match' "" -- \
  test-event-pattern --event-pattern '{"source":["aws.ec2"],"detail":{"state":["stopped"]}}' \
  --event "file://$examples/explain/ec2-stopped.json" --explain

out=$("$evmatch" test-event-pattern --event-pattern '{"a":[1]}' --event '{"a":1}' --explain \
  --format json)
check "test-event-pattern --explain --format json" \
  '{"Result": true}
{"rule":"","refused":"","matched":true,"patterns":[{"matched":true,"root":{"pointer":"","satisfied":true,"conditions":[{"pointer":"/a","path":"a","operators":["equals"],"expected":"[1]","status":"satisfied","missing":false,"values":[{"pointer":"/a","json":"1"}],"more_values":0,"array":"","hints":[]}],"or":[]}}]}' \
  "$out"
expect "--explain with an invalid pattern is the usual error" 2 '' \
  'Reason: Empty arrays are not allowed' -- \
  test-event-pattern --event-pattern '{"a":[]}' --event '{}' --explain

out=$("$evmatch" explain --rules "$rules" --rule bucket-policy-changes \
  --event "file://$examples/explain/delete-bucket-policy.json")
check "explain --rule: exit 1 on no match" 1 "$?"
check "explain --rule names the typo" 1 \
  "$(grep -c 'hint: "DeleteBucketPolicy" is 1 edit away from "DeleteBuckectPolicy"' <<<"$out")"
out=$("$evmatch" explain --rules "$rules" --event "file://$examples/explain/raw-photo-uploaded.json" \
  --format json)
check "explain: one JSON line per rule" 3 "$(wc -l <<<"$out")"
check "explain: the URL-decoding hint" 1 "$(grep -c 'matches once URL-decoded' <<<"$out")"
expect "explain: a rule that matches exits 0" 0 \
  'rule "ec2-stopped": the event matches
  [ok] source: equals ["aws.ec2"]  (pattern /source)
      satisfied by "aws.ec2" at /source
  [ok] detail-type: equals ["EC2 Instance State-change Notification"]  (pattern /detail-type)
      satisfied by "EC2 Instance State-change Notification" at /detail-type
  [ok] detail.state: equals ["stopped"]  (pattern /detail/state)
      satisfied by "stopped" at /detail/state' "" -- \
  explain --rules "$rules" --rule ec2-stopped \
  --event '{"source":"aws.ec2","detail-type":"EC2 Instance State-change Notification","detail":{"state":"stopped"}}'
expect "explain: unknown rule" 2 '' 'no rule is named "nope"' -- \
  explain --rules "$rules" --rule nope --event '{}'
expect "explain: invalid event" 2 '' 'not a JSON object' -- \
  explain --rules "$rules" --event '[1]'

printf '%s\n' '{"source":"aws.ec2","detail":{"state":"stopped"}}' \
  '{"source":"aws.ec2","detail":{"state":"Stopped"}}' 'not json' \
  '{"source":"aws.ec2","detail-type":"EC2 Instance State-change Notification","detail":{"state":"stopped"}}' \
  >"$work/events.ndjson"
"$evmatch" match --rules "$rules" --events "$work/events.ndjson" --explain ec2-stopped \
  >"$work/out" 2>"$work/err"
check "match --explain: exit 0" 0 "$?"
check "match --explain: every valid line carries its explanation" 3 \
  "$(grep -c '"explain": {"rule":"ec2-stopped"' "$work/out")"
check "match --explain: the summary counts the failures" \
  'explain "ec2-stopped": matched 1 of 3 events; conditions that failed, most often first:
  2 events: /detail-type (detail-type ["EC2 Instance State-change Notification"]) failed
  1 event: /detail/state (detail.state ["stopped"]) failed' \
  "$(grep -v '^line ' "$work/err")"
expect "match --explain: unknown rule" 2 '' '--explain: no rule is named "nope"' -- \
  match --rules "$rules" --events "$work/events.ndjson" --explain nope
complex='{"k":[{"wildcard":"*a*a*a*a*a*a*a*a*a*a*a*b"}]}'
expect "test-event-pattern: a too complex wildcard is refused" 2 '' 'Reason: Rule is too complex' -- \
  test-event-pattern --event-pattern "$complex" --event '{"k":"aaaaaaaaaaaab"}'
expect "test-event-pattern --explain: what the refused pattern would do" 2 \
  'the pattern is refused: Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character; explained as if the wildcard complexity limit were raised
the event would match the pattern
  [ok] k: wildcard [{"wildcard":"*a*a*a*a*a*a*a*a*a*a*a*b"}]  (pattern /k)
      satisfied by "aaaaaaaaaaaab" at /k
      hint: this wildcard'"'"'s complexity is 24, above the limit of 10 (PatternOptions::max_wildcard_complexity): with the limit raised to 24 the pattern is accepted and this condition holds' \
  'Reason: Rule is too complex' -- \
  test-event-pattern --event-pattern "$complex" --event '{"k":"aaaaaaaaaaaab"}' --explain
finish explain_cli_test
