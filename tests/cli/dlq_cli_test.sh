#!/usr/bin/env bash
# `evmatch dlq simulate` on the example under examples/dlq-redrive (its
# timeline.txt is the expected output) and on broken inputs.
# Usage: dlq_cli_test.sh EVMATCH_BINARY EXAMPLES_DIR
# shellcheck source=expect.sh
source "$(dirname "$0")/expect.sh"
example=$2/dlq-redrive

expect "example timeline" 0 "$(cat "$example/timeline.txt")" "" -- \
  dlq simulate --policy "$example/policy.json" --script "$example/script.txt"

cat >"$work/policy.json" <<'JSON'
{"queues": {"arn:aws:sqs:eu-west-1:1:jobs.fifo": {"FifoQueue": "true", "RedrivePolicy": {"deadLetterTargetArn": "arn:aws:sqs:eu-west-1:1:dead.fifo", "maxReceiveCount": 1}},
            "arn:aws:sqs:eu-west-1:1:dead.fifo": {"FifoQueue": true, "MessageRetentionPeriod": 120}}}
JSON
# FIFO: duplicates within 5 minutes are dropped; the DLQ restarts retention.
printf '%s\n' 'send jobs.fifo a dedup=x' 'send jobs.fifo b dedup=x' 'receive jobs.fifo' \
  'wait 100s' 'receive jobs.fifo' 'wait 100s' 'counters dead.fifo' 'wait 20s' >"$work/fifo.txt"
expect "fifo" 0 "[+0s] queue jobs.fifo: visibility 30s, retention 4d, dead-letter queue dead.fifo (maxReceiveCount 1)
[+0s] queue dead.fifo: visibility 30s, retention 2m
[+0s] send jobs.fifo: a
[+0s] send jobs.fifo b: dropped as a duplicate of a (deduplication window)
[+0s] receive jobs.fifo: a (receive 1, invisible until +30s)
[+1m40s] wait 1m40s
[+1m40s] receive jobs.fifo: nothing
[+1m40s] a moved jobs.fifo -> dead.fifo (maxReceiveCount exceeded)
[+3m20s] wait 1m40s
[+3m20s] counters dead.fifo: visible 1, in flight 0, delayed 0, oldest 1m40s, moved to DLQ 0, expired 0
[+3m40s] wait 20s
[+3m40s] a expired from dead.fifo (retention)" "" -- \
  dlq simulate --policy "$work/policy.json" --script "$work/fifo.txt"

printf 'send jobs.fifo a dedup=x\nfly away\n' >"$work/bad.txt"
expect "bad line" 2 "[+0s] queue jobs.fifo: visibility 30s, retention 4d, dead-letter queue dead.fifo (maxReceiveCount 1)
[+0s] queue dead.fifo: visibility 30s, retention 2m
[+0s] send jobs.fifo: a" "bad.txt:2: unknown command fly" -- \
  dlq simulate --policy "$work/policy.json" --script "$work/bad.txt"
printf 'send nowhere a\n' >"$work/noqueue.txt"
expect "unknown queue" 2 "[+0s] queue jobs.fifo: visibility 30s, retention 4d, dead-letter queue dead.fifo (maxReceiveCount 1)
[+0s] queue dead.fifo: visibility 30s, retention 2m" "noqueue.txt:1: no queue nowhere in the policy file" -- \
  dlq simulate --policy "$work/policy.json" --script "$work/noqueue.txt"

echo '{"queues": {"arn:aws:sqs:eu-west-1:1:q": {"RedrivePolicy": "{\"deadLetterTargetArn\":\"arn:aws:sqs:eu-west-1:1:d\",\"maxReceiveCount\":0}"}}}' >"$work/zero.json"
expect "maxReceiveCount 0" 2 "" \
  "Reason: Invalid value for maxReceiveCount: 0, valid values are from 1 to 1000 both inclusive." -- \
  dlq simulate --policy "$work/zero.json" --script "$work/bad.txt"
echo '{"queues": {"arn:aws:sqs:eu-west-1:1:q": {"RedrivePolicy": "{\"deadLetterTargetArn\":\"arn:aws:sqs:eu-west-1:1:d\"}"}}}' >"$work/nodlq.json"
expect "missing DLQ" 2 "" "Reason: Dead-letter target does not exist." -- \
  dlq simulate --policy "$work/nodlq.json" --script "$work/bad.txt"
echo '{"queues": {"arn:aws:sqs:eu-west-1:1:q": {"VisibilityTimeout": "soon"}}}' >"$work/soon.json"
expect "non-numeric attribute" 2 "" \
  "queue arn:aws:sqs:eu-west-1:1:q: InvalidAttributeValue: Invalid value for the parameter VisibilityTimeout." -- \
  dlq simulate --policy "$work/soon.json" --script "$work/bad.txt"

# Attributes as `aws sqs get-queue-attributes --attribute-names All` prints
# them: FifoQueue must agree with the name, read-only ones are ignored,
# unknown ones refused.
echo '{"queues": {"arn:aws:sqs:eu-west-1:1:j.fifo": {"VisibilityTimeout": "30"}}}' >"$work/nofifo.json"
expect ".fifo name without FifoQueue" 2 "" \
  "InvalidParameterValue: Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length" -- \
  dlq simulate --policy "$work/nofifo.json" --script "$work/bad.txt"
echo '{"queues": {"arn:aws:sqs:eu-west-1:1:j": {"FifoQueue": "true"}}}' >"$work/fifoname.json"
expect "FifoQueue without .fifo name" 2 "" \
  "InvalidParameterValue: The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length." -- \
  dlq simulate --policy "$work/fifoname.json" --script "$work/bad.txt"
echo '{"queues": {"arn:aws:sqs:eu-west-1:1:q": {"Colour": "blue"}}}' >"$work/colour.json"
expect "unknown attribute" 2 "" "InvalidAttributeName: Unknown Attribute Colour." -- \
  dlq simulate --policy "$work/colour.json" --script "$work/bad.txt"
cat >"$work/all.json" <<'JSON'
{"queues": {"arn:aws:sqs:eu-west-1:1:orders.fifo": {
  "QueueArn": "arn:aws:sqs:eu-west-1:1:orders.fifo", "ApproximateNumberOfMessages": "0",
  "ApproximateNumberOfMessagesNotVisible": "0", "ApproximateNumberOfMessagesDelayed": "0",
  "CreatedTimestamp": "1700000000", "LastModifiedTimestamp": "1700000000",
  "VisibilityTimeout": "30", "MaximumMessageSize": "262144", "MessageRetentionPeriod": "345600",
  "DelaySeconds": "0", "ReceiveMessageWaitTimeSeconds": "0", "SqsManagedSseEnabled": "true",
  "FifoQueue": "true", "ContentBasedDeduplication": "true", "DeduplicationScope": "queue",
  "FifoThroughputLimit": "perQueue"}}}
JSON
# ContentBasedDeduplication: the same body (label) within 5 minutes is a duplicate.
printf '%s\n' 'send orders.fifo a' 'send orders.fifo a' 'send orders.fifo b' >"$work/cbd.txt"
expect "ContentBasedDeduplication" 0 "[+0s] queue orders.fifo: visibility 30s, retention 4d
[+0s] send orders.fifo: a
[+0s] send orders.fifo a: dropped as a duplicate of a (deduplication window)
[+0s] send orders.fifo: b" "" -- \
  dlq simulate --policy "$work/all.json" --script "$work/cbd.txt"
# Without it, a FIFO send needs dedup= (SQS's error; the scenario goes on).
printf 'send jobs.fifo a\n' >"$work/nodedup.txt"
expect "FIFO send without deduplication" 0 "[+0s] queue jobs.fifo: visibility 30s, retention 4d, dead-letter queue dead.fifo (maxReceiveCount 1)
[+0s] queue dead.fifo: visibility 30s, retention 2m
[+0s] send jobs.fifo: error: InvalidParameterValue: The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly (1 to 128 characters)." "" -- \
  dlq simulate --policy "$work/policy.json" --script "$work/nodedup.txt"
expect "no script" 2 "" "--script is required" -- \
  dlq simulate --policy "$work/policy.json"
expect "no subcommand" 2 "" "dlq needs a subcommand" -- dlq

finish dlq_cli_test
