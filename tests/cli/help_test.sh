#!/usr/bin/env bash
# Every command of `evmatch --help` has its own --help, rejects an unknown
# flag with its usage, and reads --threads by the same rule.
# Usage: help_test.sh EVMATCH_BINARY
# shellcheck source=expect.sh
source "$(dirname "$0")/expect.sh"

overview=$("$evmatch" --help)
check "overview exit code" 0 $?
mapfile -t commands < <(sed -n 's/^  \([a-z0-9-]\+\( [a-z0-9-]\+\)\?\)  .*/\1/p' <<<"$overview")
# test-event-pattern, validate and match at least; the modules add theirs.
check "overview lists the commands" 1 $(( ${#commands[@]} >= 3 ))
for command in "${commands[@]}"; do
  read -ra words <<<"$command"
  out=$("$evmatch" "${words[@]}" --help)
  rc=$?
  check "$command --help exits 0" 0 "$rc"
  check "$command --help shows its usage" "usage: evmatch $command" "$(head -c $((15 + ${#command})) <<<"$out")"
  [[ "$out" == *"exit: 0 success"* ]]
  check "$command --help states the exit codes" 0 $?
  "$evmatch" "${words[@]}" --no-such-flag x >/dev/null 2>"$work/err"
  check "$command rejects an unknown flag" 2 $?
  grep -q -- "unknown flag --no-such-flag" "$work/err" && grep -q "usage: evmatch $command" "$work/err"
  check "$command names the flag and shows its usage" 0 $?
  if [[ "$out" == *"--threads N"* ]]; then
    "$evmatch" "${words[@]}" --threads 999 >/dev/null 2>"$work/err"
    check "$command --threads 999" 2 $?
    grep -q -- "--threads takes an integer from 0 to 256, got '999'" "$work/err"
    check "$command --threads range as everywhere" 0 $?
  fi
done
expect "unknown command" 2 "" "unknown command 'frobnicate'" -- frobnicate
expect "no command" 2 "" "no command given" --
finish help_test
