#!/bin/sh
# Instructions per decode of the ~7 KB base-projects list, lua5.4 with
# lua-cjson's decode against acrcloud.decode, counted by callgrind: each
# codec runs N and 2N decodes and the difference over N is one decode, so
# that start-up and loading do not count.
#
#   tests/bench/json-decode.sh [BUILD_DIR] [N]      (from the repository root)
set -eu
build=${1:-build}
n=${2:-200}
body=tests/bench/base-projects.json
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Total instructions of one run: callgrind's "Collected" line.
count() {
  LUA_CPATH="$build/?.so;;" LUA_PATH="lua/?.lua;;" valgrind --tool=callgrind \
    --callgrind-out-file="$tmp/out" lua5.4 tests/bench/json_decode.lua "$1" "$2" "$body" \
    2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
  sed -n 's/.*Collected : *\([0-9]*\).*/\1/p' "$tmp/err"
}

printf '%s, %d bytes, N=%d\n' "$body" "$(wc -c <"$body")" "$n"
for codec in cjson acrcloud; do
  one=$(count "$codec" "$n")
  two=$(count "$codec" $((2 * n)))
  printf '%-9s %8d instructions per decode\n' "$codec" $(((two - one) / n))
done
