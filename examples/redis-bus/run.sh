#!/usr/bin/env bash
# The event bus end to end, on a private Redis: starts redis-server on a free
# port in a temporary directory and evmatch-router on config.json, produces
# EC2 state-change events, and shows the deliveries, a dead letter (the
# billing target's key holds a string, so every XADD fails with WRONGTYPE),
# a rejected event and a replay from the archive. Stops everything at the end.
#
#   examples/redis-bus/run.sh [PATH/TO/evmatch-router]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
router=${1:-$here/../../build/release/router/evmatch-router}
command -v redis-server > /dev/null || { echo "redis-server not found (scripts/bootstrap.sh installs it)"; exit 77; }
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cleanup() {
  [[ -n ${router_pid:-} ]] && kill "$router_pid" 2> /dev/null && wait "$router_pid" 2> /dev/null
  redis-cli -p "$port" shutdown nosave > /dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
redis-server --port "$port" --bind 127.0.0.1 --dir "$work" --save "" --daemonize yes \
  --logfile "$work/redis.log" > /dev/null
cli() { redis-cli -p "$port" "$@"; }
until cli ping > /dev/null 2>&1; do sleep 0.05; done

sed "s/\"Port\": 6379/\"Port\": $port/" "$here/config.json" > "$work/config.json"
cli set billing "not a stream" > /dev/null   # the billing target will fail
"$router" run --config "$work/config.json" --consumer example --final-stats \
  > "$work/stats.out" 2> "$work/router.err" &
router_pid=$!

event() {  # account state instance
  printf '{"version":"0","id":"%s","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","account":"%s","time":"2026-12-03T10:00:00Z","region":"eu-west-1","resources":[],"detail":{"instance-id":"%s","state":"%s"}}' \
    "$RANDOM" "$1" "$3" "$2"
}
first=$(cli xadd bus '*' event "$(event 123456789012 stopped i-0abc)")
cli xadd bus '*' event "$(event 123456789012 running i-0def)" > /dev/null
cli xadd bus '*' event "$(event 999999999999 stopped i-0bad)" > /dev/null   # another account
cli xadd bus '*' event "$(event 123456789012 terminated i-0ghi)" > /dev/null

# Wait until the four entries are settled (billing's retries take ~1.5 s).
until [[ $(cli xlen billing-dlq) == 2 && $(cli xpending bus routers | head -1) == 0 ]]; do
  sleep 0.1
done
echo "== pager (InputTransformer)"; cli --raw xrange pager - + | grep '^"Instance'
echo "== audit (the whole event): $(cli xlen audit) entries"
echo "== billing-dlq (WRONGTYPE, retried 3 times):"
cli --raw xrange billing-dlq - + COUNT 1 | paste -sd' ' | tr -s ' ' | cut -c1-400
echo "== bus-rejected (account 999999999999): $(cli xlen bus-rejected) entry"
echo "== bus-archive: $(cli xlen bus-archive) events"

# Replay the first event's millisecond window: it is routed again, with
# "replay-name", and not archived twice.
ms=${first%-*}
"$router" replay --config "$work/config.json" --from "$ms" --to "$ms" --name example-replay
until [[ $(cli xlen audit) == 3 ]]; do sleep 0.1; done
echo "== audit after the replay:"; cli --raw xrange audit - + | grep replay-name | cut -c1-80
echo "== bus-archive after the replay: $(cli xlen bus-archive) events"
until [[ $(cli xlen billing-dlq) == 3 && $(cli xpending bus routers | head -1) == 0 ]]; do
  sleep 0.1
done
kill -TERM "$router_pid"; wait "$router_pid"; router_pid=
echo "== the router's counters:"; cat "$work/stats.out"
