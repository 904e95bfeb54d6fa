#!/bin/bash
# The batch benchmark (issue 8, item 6): 1000 calls of one operation against
# the emulator, each answer delayed 50 ms, serially and through client:batch
# at concurrency 1, 8 and 32, next to the ideal. See tests/bench/batch.lua.
#
#   tests/bench/batch.sh [BUILD_DIR]
#
# Exit status: 0 when the target is met (concurrency 32 within 1.15x of the
# ideal), 4 when not, 3 when BUILD_DIR's client has no batch, 1 or 2 on a
# failure. Environment: BENCH_CALLS, BENCH_SCALED_CALLS, BENCH_ROUNDS (see
# batch.lua). About a minute with the defaults.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
[ -x "$build/acrlua" ] || { echo "batch.sh: $build/acrlua is missing: build it first (cmake --build $build)" >&2; exit 2; }
command -v curl >/dev/null || { echo "batch.sh: curl is not installed (.ci/install-deps)" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
# The emulator is the Lua process's child: batch.lua stops it, and it dies
# with its parent in any case.
BENCH_TMP=$tmp "$build/acrlua" "$here/batch.lua"
