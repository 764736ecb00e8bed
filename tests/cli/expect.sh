# Helpers sourced by the CLI test scripts, whose first argument is the
# evmatch binary: sets `evmatch` and `work` (a scratch directory, removed on
# exit); `finish NAME` ends the script.
set -u
evmatch=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

expect() {  # expect NAME WANT_RC WANT_STDOUT WANT_STDERR_SUBSTRING -- ARGS...
  local name=$1 want_rc=$2 want_out=$3 want_err=$4
  shift 5
  local out err rc
  out=$("$evmatch" "$@" 2>"$work/err")
  rc=$?
  err=$(cat "$work/err")
  if [[ $rc -ne $want_rc || "$out" != "$want_out" || "$err" != *"$want_err"* ]]; then
    echo "FAIL $name: rc=$rc stdout=[$out] stderr=[$err]"
    failures=$((failures + 1))
  else
    echo "ok   $name"
  fi
}

check() {  # check NAME WANT GOT
  if [[ "$2" != "$3" ]]; then
    echo "FAIL $1: want [$2] got [$3]"
    failures=$((failures + 1))
  else
    echo "ok   $1"
  fi
}

finish() {  # finish NAME: report and set the exit status
  echo "$1: $failures failure(s)"
  [[ $failures -eq 0 ]]
}
