#!/usr/bin/env bash
# Fuzzes the targets in tests/fuzz/targets/ with libFuzzer, under
# AddressSanitizer and UndefinedBehaviorSanitizer, for SECONDS each (default
# 30): the JSON codec, request building from params for every operation, the
# CSV reader, the emulator's multipart parser, the callback payload parser
# (targets in Lua, tests/fuzz/targets/*.lua, run by fuzz_lua), and the TZif
# reader (a target in C, tests/fuzz/tzfile_target.c: fuzz_tzfile).
#
#   tests/fuzz/run.sh [SECONDS] [TARGET ...]
#
# Builds build-fuzz/ with clang. Each target starts from its seed corpus
# (tests/fuzz/corpus/NAME, never written to); what it finds goes to a
# temporary directory. A crash (a sanitizer report, or a target's contract
# broken) stops the run with exit status 1: the reproducer is kept in
# build-fuzz/crashes/ and printed in base64, so that a CI log holds it. Run
# one again with: ACRLUA_FUZZ_TARGET=tests/fuzz/targets/NAME.lua
# build-fuzz/fuzz_lua FILE (a C target: build-fuzz/fuzz_NAME FILE)
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-30}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for t in tests/fuzz/targets/*.lua; do targets+=("$(basename "$t" .lua)"); done
  targets+=(tzfile)
fi

flags="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -g -O1"
CC=clang cmake -B build-fuzz -DACRLUA_FUZZ=ON -DACRLUA_TESTS=OFF \
  -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS="$flags" >/dev/null
cmake --build build-fuzz -j2 --target fuzz_lua fuzz_tzfile >/dev/null
rm -rf build-fuzz/crashes && mkdir -p build-fuzz/crashes
found=$(mktemp -d)
trap 'rm -rf "$found"' EXIT
# Lua's allocations are freed at exit by no one in a fuzzing process.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

status=0
for name in "${targets[@]}"; do
  mkdir -p "$found/$name"
  echo "fuzz: $name for ${seconds}s"
  runner=build-fuzz/fuzz_lua
  [ -e "tests/fuzz/targets/$name.lua" ] || runner=build-fuzz/fuzz_$name
  if ! ACRLUA_FUZZ_TARGET="tests/fuzz/targets/$name.lua" "$runner" \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="build-fuzz/crashes/$name-" "$found/$name" "tests/fuzz/corpus/$name" \
      >"$found/$name.log" 2>&1; then
    status=1
    tail -n 40 "$found/$name.log"
    for f in build-fuzz/crashes/"$name"-*; do
      [ -e "$f" ] || continue
      echo "fuzz: $name: reproducer $f (base64):"
      base64 -w 76 "$f"
    done
  else
    grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb" "$found/$name.log" |
      sed "s/^/fuzz: $name: /"
  fi
done
exit $status
