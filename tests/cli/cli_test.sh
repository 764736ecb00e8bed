#!/usr/bin/env bash
# The CLI mirrors `aws events test-event-pattern`: output, stderr text and
# exit codes. Usage: cli_test.sh EVMATCH_BINARY EXAMPLES_DIR
# shellcheck source=expect.sh
source "$(dirname "$0")/expect.sh"
examples=$2

expect "300 matches 300.0" 0 '{"Result": true}' "" -- \
  test-event-pattern --event-pattern '{"n":[300]}' --event '{"n":300.0}'
expect "300 vs string" 1 '{"Result": false}' "" -- \
  test-event-pattern --event-pattern '{"n":[300]}' --event '{"n":"300"}'
expect "Anna/Jones" 1 '{"Result": false}' "" -- \
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
expect "missing file" 2 '' 'cannot read' -- \
  test-event-pattern --event-pattern 'file:///nonexistent' --event '{}'
expect "usage" 2 '' '--event-pattern is required' -- test-event-pattern --event '{}'
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
expect "match --lazy ignores what follows the last rule field" 0 $'{"event": 1, "rules": ["r"]}' '' -- \
  match --rules /tmp/evmatch_cli_rules.$$ --events <(printf '{"a":"x","z":1}}\n') --lazy
expect "match default mode rejects it" 0 '' 'line 1: invalid event: invalid JSON' -- \
  match --rules /tmp/evmatch_cli_rules.$$ --events <(printf '{"a":"x","z":1}}\n')
expect "match --stats" 0 '' \
  '{"events": 3, "matched_events": 1, "invalid_events": 1, "rule_matches": {"r": 1}, "setup_seconds": ' -- \
  match --rules /tmp/evmatch_cli_rules.$$ --events /tmp/evmatch_cli_events.$$ --output none --stats

# compile, then match --matcher: the same output as --rules.
expect "compile" 0 '' '' -- compile --rules "$examples/rules.json" -o "$work/rules.evm"
expect "match --matcher" 0 "$(cat "$examples/expected_matches.ndjson")" '' -- \
  match --matcher "$work/rules.evm" --events "$examples/events.ndjson"
expect "match --matcher --stats" 0 '' '"setup_seconds": ' -- \
  match --matcher "$work/rules.evm" --events "$examples/events.ndjson" --output none --stats
expect "compile --stats" 0 '' '{"rules": 3, "bytes": ' -- \
  compile --rules "$examples/rules.json" --output "$work/rules.evm" --stats
printf '{"ok":{"a":["x"]},"bad":{"b":[{"prefix":1}]}}' >"$work/bad.json"
expect "compile of invalid rules writes nothing" 2 '' 'prefix match pattern must be a string' -- \
  compile --rules "$work/bad.json" -o "$work/none.evm"
check "no file after a refused compile" "absent" "$([[ -e $work/none.evm ]] && echo present || echo absent)"
expect "match --matcher of a rules file" 2 '' 'Not an evmatch matcher image' -- \
  match --matcher "$examples/rules.json" --events "$examples/events.ndjson"
head -c 100 "$work/rules.evm" >"$work/short.evm"
expect "match --matcher of a truncated image" 2 '' 'truncated or extended' -- \
  match --matcher "$work/short.evm" --events "$examples/events.ndjson"
expect "match needs --rules or --matcher" 2 '' 'give either --rules or --matcher' -- \
  match --events "$examples/events.ndjson"
expect "match refuses both" 2 '' 'give either --rules or --matcher' -- \
  match --rules "$examples/rules.json" --matcher "$work/rules.evm" --events "$examples/events.ndjson"
expect "match --matcher --watch" 2 '' 'need --rules' -- \
  match --matcher "$work/rules.evm" --watch --events "$examples/events.ndjson"
expect "unknown short flag" 2 '' 'unknown flag -x' -- compile --rules "$examples/rules.json" -x y

# Many events, malformed lines among them, over several chunks: --threads and
# --lazy give the same output as one thread, gzip input the same as plain.
python3 - >/tmp/evmatch_cli_events.$$ <<'PY'
import random
random.seed(7)
for i in range(60000):
    r = random.random()
    if r < 0.01:
        print('{"a": "x", broken')
    elif r < 0.02:
        print()
    else:
        print('{"a": "%s", "n": %d, "pad": "%s"}' % (random.choice("xyz"), i, "p" * random.randrange(200)))
PY
printf '{"r":{"a":["x"]},"big":{"n":[{"numeric":[">",30000]}]}}' >/tmp/evmatch_cli_rules.$$
one=$("$evmatch" match --rules /tmp/evmatch_cli_rules.$$ --events /tmp/evmatch_cli_events.$$ \
  2>"$work/err")
one_err=$(cat "$work/err")
gzip -c /tmp/evmatch_cli_events.$$ >/tmp/evmatch_cli_events.$$.gz
for flags in "--threads 2" "--threads 3 --lazy" "--lazy"; do
  for kind in plain gzip; do
    input=/tmp/evmatch_cli_events.$$
    [[ $kind == gzip ]] && input+=.gz
    # shellcheck disable=SC2086
    expect "match $flags on the $kind file equals one thread" 0 "$one" '' -- \
      match --rules /tmp/evmatch_cli_rules.$$ --events "$input" $flags
  done
done
expect "match on a pipe equals the mapped file" 0 "$one" '' -- \
  match --rules /tmp/evmatch_cli_rules.$$ --events <(cat /tmp/evmatch_cli_events.$$)
# A gzip file of one member is inflated at once (libdeflate); one of several
# members, or a damaged one, is streamed through zlib.
head -c 3000000 /tmp/evmatch_cli_events.$$ | gzip -c >/tmp/evmatch_cli_events.$$.gz
tail -c +3000001 /tmp/evmatch_cli_events.$$ | gzip -c >>/tmp/evmatch_cli_events.$$.gz
expect "match on a gzip file of two members equals one thread" 0 "$one" '' -- \
  match --rules /tmp/evmatch_cli_rules.$$ --events /tmp/evmatch_cli_events.$$.gz
gzip -c /tmp/evmatch_cli_events.$$ | head -c 100000 >/tmp/evmatch_cli_events.$$.gz
expect "match on a truncated gzip file fails" 2 "$(printf '%s\n' "$one" | head -n 0)" \
  'error reading' -- \
  match --rules /tmp/evmatch_cli_rules.$$ --events /tmp/evmatch_cli_events.$$.gz --output none

check "match reports every malformed line, by line number" \
  "$(grep -n broken /tmp/evmatch_cli_events.$$ | cut -d: -f1 | sed 's/.*/line &: invalid event: invalid JSON/')" \
  "$one_err"
check "match writes one line per well-formed event" \
  "$(grep -c '"pad"' /tmp/evmatch_cli_events.$$)" "$(printf '%s\n' "$one" | wc -l)"
# A plain file is memory-mapped: one ending exactly at a page boundary, so
# that its last line has no padding in the mapping, and one without a final
# line break, match as their lines do.
python3 - >/tmp/evmatch_cli_events.$$ <<'PY'
import sys
line = '{"a": "x", "pad": "%s"}\n'
body = "".join(line % ("p" * 80) for _ in range(40))
last = line % ("q" * (4096 * 2 - len(body) - len(line % "")))
sys.stdout.write(body + last)
PY
check "the page-sized events file is 8192 bytes" 8192 "$(wc -c </tmp/evmatch_cli_events.$$)"
expect "match reads a file that ends at a page boundary" 0 \
  "$(for i in $(seq 1 41); do printf '{"event": %d, "rules": ["r"]}\n' "$i"; done)" '' -- \
  match --rules /tmp/evmatch_cli_rules.$$ --events /tmp/evmatch_cli_events.$$
printf '{"a": "y"}\n\n{"a": "x"}' >/tmp/evmatch_cli_events.$$
expect "match reads a last line without a line break" 0 \
  $'{"event": 1, "rules": []}\n{"event": 3, "rules": ["r"]}' '' -- \
  match --rules /tmp/evmatch_cli_rules.$$ --events /tmp/evmatch_cli_events.$$
: >/tmp/evmatch_cli_events.$$
expect "match reads an empty file" 0 '' '' -- \
  match --rules /tmp/evmatch_cli_rules.$$ --events /tmp/evmatch_cli_events.$$
rm -f /tmp/evmatch_cli_rules.$$ /tmp/evmatch_cli_events.$$ /tmp/evmatch_cli_events.$$.gz

# --watch: events from a pipe are matched as they arrive; a new version of
# the rules file applies to the events after it, an invalid one is reported
# and the rules in force stay.
wait_for() {  # wait_for FILE PATTERN: up to 10 s for PATTERN to appear in FILE
  for _ in $(seq 1 100); do
    grep -q -- "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "timed out waiting for [$2] in $1: [$(cat "$1")]"
  return 1
}
mkfifo "$work/events"
echo '{"a": {"x": [1]}}' >"$work/rules.json"
"$evmatch" match --rules "$work/rules.json" --watch --events "$work/events" --stats \
  >"$work/watch.out" 2>"$work/watch.err" &
watch_pid=$!
exec 3>"$work/events"
echo '{"x": 1}' >&3
wait_for "$work/watch.out" '"event": 1'
echo '{"a": {"x": [2]}, "b": {"x": [1]}}' >"$work/rules.new"
mv "$work/rules.new" "$work/rules.json"
wait_for "$work/watch.err" 'reloaded'
printf '{"x": 1}\n{"x": 2}\n' >&3
wait_for "$work/watch.out" '"event": 3'
# Each version is renamed into place, so that the watcher never reads a
# half-written file (that would be one more invalid version to report).
echo '{"a": {"x": [}' >"$work/rules.new"
mv "$work/rules.new" "$work/rules.json"
wait_for "$work/watch.err" 'is invalid'
echo '{"x": 2}' >&3
exec 3>&-
wait "$watch_pid"
check "match --watch exits 0 at the end of the events" 0 "$?"
check "match --watch applies each valid version to the events after it" \
  $'{"event": 1, "rules": ["a"]}\n{"event": 2, "rules": ["b"]}\n{"event": 3, "rules": ["a"]}\n{"event": 4, "rules": ["a"]}' \
  "$(cat "$work/watch.out")"
check "match --watch reports each version" \
  "evmatch match: reloaded $work/rules.json: 2 rules, 2 changed|evmatch match: $work/rules.json changed but is invalid; the previous rules stay in force" \
  "$(grep '^evmatch match' "$work/watch.err" | paste -sd'|')"
check "match --watch --stats counts by name across versions" 1 \
  "$(grep -c '"rule_matches": {"a": 3, "b": 1}' "$work/watch.err")"
expect "match --watch with --explain is refused" 2 '' 'cannot be used together' -- \
  match --rules "$work/rules.json" --watch --explain a
gzip -c <<<'{"x": 1}' >"$work/events.gz"
expect "match --watch reads a gzip pipe as an error" 2 '' 'must be plain NDJSON' -- \
  match --rules "$examples/rules.json" --watch --events <(cat "$work/events.gz")
finish cli_test
