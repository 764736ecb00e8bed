#!/usr/bin/env bash
# `evmatch s3 validate-notification` and `evmatch s3 route` on the example
# under examples/s3-notifications and on broken inputs.
# Usage: s3_cli_test.sh EVMATCH_BINARY EXAMPLES_DIR
# shellcheck source=expect.sh
source "$(dirname "$0")/expect.sh"
example=$2/s3-notifications

expect "valid example" 0 "2 configurations are valid; EventBridge delivery on" "" -- \
  s3 validate-notification "$example/notification.json"

cat >"$work/overlap.json" <<'JSON'
{"QueueConfigurations":[
 {"Id":"all","QueueArn":"arn:aws:sqs:us-east-1:1:a","Events":["s3:ObjectCreated:*"]},
 {"Id":"images","QueueArn":"arn:aws:sqs:us-east-1:1:b","Events":["s3:ObjectCreated:Put"],
  "Filter":{"Key":{"FilterRules":[{"Name":"prefix","Value":"images"}]}}}]}
JSON
expect "overlap" 2 "" \
  'InvalidArgument: Configuration is ambiguously defined. Cannot have overlapping suffixes in two rules if the prefixes are overlapping for the same event type. (configurations "all" and "images")' -- \
  s3 validate-notification "$work/overlap.json"
expect "missing file" 2 "" "cannot read" -- s3 validate-notification "$work/none.json"

want_route='{"line":1,"record":0,"eventName":"ObjectCreated:Put","bucket":"media","key":"photos/red+flower.jpg","configurations":["thumbnails"]}
{"line":2,"record":0,"eventName":"ObjectCreated:Put","bucket":"media","key":"photos/notes.txt","configurations":[]}
{"line":3,"record":0,"eventName":"ObjectRemoved:Delete","bucket":"media","key":"photos/red+flower.jpg","configurations":["audit-deletes"]}
{"line":4,"record":0,"test_event":true,"bucket":"media","configurations":[]}'
expect "route the example" 0 "$want_route" "" -- \
  s3 route --config "$example/notification.json" --events "$example/messages.ndjson"

printf '%s\n' 'not json' '{"Records":[{"eventName":"ObjectRemoved:Delete","s3":{"bucket":{"name":"b"},"object":{"key":"k"}}}]}' >"$work/mixed.ndjson"
expect "bad line reported, rest routed" 0 \
  '{"line":2,"record":0,"eventName":"ObjectRemoved:Delete","bucket":"b","key":"k","configurations":["audit-deletes"]}' \
  "line 1: Not an S3 notification message" -- \
  s3 route --config "$example/notification.json" --events "$work/mixed.ndjson"
expect "route needs a config" 2 "" "--config is required" -- s3 route
expect "unknown s3 command" 2 "" "unknown command 's3 list'" -- s3 list

finish s3_cli_test
