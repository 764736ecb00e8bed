#!/usr/bin/env bash
# MD5 of one file by `evmatch checksum --algorithm md5` and by
# `openssl dgst -md5`, alternated ROUNDS times from the page cache; prints
# each median wall time and their ratio (evmatch / openssl), and checks that
# both print the same digest.
#   bench/md5_vs_openssl.sh EVMATCH_BINARY [SIZE_MIB=512] [ROUNDS=9]
set -euo pipefail
evmatch=$1
size_mib=${2:-512}
rounds=${3:-9}
file=$(mktemp)
trap 'rm -f "$file"' EXIT
head -c $((size_mib << 20)) /dev/urandom >"$file"
cat "$file" >/dev/null

ours=$("$evmatch" checksum --algorithm md5 "$file" | sed 's/.*"ETag":"\\"\([0-9a-f]*\)\\"".*/\1/')
theirs=$(openssl dgst -md5 -r "$file" | cut -d' ' -f1)
[[ "$ours" == "$theirs" ]] || { echo "digests differ: $ours vs $theirs" >&2; exit 1; }

now() { date +%s%N; }
evmatch_ns=() openssl_ns=()
for ((i = 0; i < rounds; i++)); do
  t0=$(now); "$evmatch" checksum --algorithm md5 "$file" >/dev/null; t1=$(now)
  openssl dgst -md5 "$file" >/dev/null; t2=$(now)
  evmatch_ns+=($((t1 - t0))) openssl_ns+=($((t2 - t1)))
done
median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
e=$(median "${evmatch_ns[@]}") o=$(median "${openssl_ns[@]}")
awk -v e="$e" -v o="$o" -v mib="$size_mib" -v r="$rounds" 'BEGIN {
  printf "file %d MiB, %d rounds, medians: evmatch %.1f ms (%.0f MB/s), openssl %.1f ms (%.0f MB/s), ratio evmatch/openssl %.3f\n",
    mib, r, e / 1e6, mib * 1048576 / (e / 1e9) / 1e6, o / 1e6, mib * 1048576 / (o / 1e9) / 1e6, e / o }'
