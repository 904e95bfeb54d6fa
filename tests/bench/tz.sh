#!/usr/bin/env bash
# acrcloud.tz before and after it read zone files itself (not part of ctest).
#
#   tests/bench/tz.sh [BASE [ROWS [RUNS]]]
#
# Builds BASE (default a328533, the last commit whose src/tz.c switched TZ
# and called tzset for every conversion) in a temporary git worktree, and
# this tree in build/ (if not built), then on a CSV of ROWS rows (default
# 10000) in Europe/Berlin, for each build:
#   tz      tests/bench/tz_rows.lua: report.lua's tz calls alone
#   report  scripts/report.lua --dry-run (the whole script, nothing sent;
#           each build runs its own tree's script)
# and prints the instructions each run executes (valgrind --tool=callgrind,
# one run) and the median wall time of RUNS runs (default 11), the old and
# new builds taking turns. The worktree is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
base=${1:-a328533}
rows=${2:-10000}
runs=${3:-11}

work=$(mktemp -d /tmp/tz-bench.XXXXXX)
old_tree=$work/base
cleanup() {
  git -C "$root" worktree remove --force "$old_tree" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

git worktree add --detach "$old_tree" "$base" >/dev/null 2>&1
echo "building $base in $old_tree ..." >&2
cmake -S "$old_tree" -B "$old_tree/build" -DACRLUA_TESTS=OFF >/dev/null
cmake --build "$old_tree/build" -j2 --target acrlua >/dev/null
if [ ! -x build/acrlua ]; then cmake -B build >/dev/null; fi
cmake --build build -j2 --target acrlua >/dev/null

# ROWS rows spread over four years, a row every ~3.5 hours: some fall into
# the spring gap and some into the autumn overlap, as in real files.
csv=$work/rows.csv
lua5.4 - "$rows" > "$csv" <<'LUA'
local n = tonumber(arg[1])
print("title,start,end,artists")
local t = os.time { year = 2019, month = 1, day = 1, hour = 0 }
for i = 1, n do
  local s = t + i * 12611
  print(string.format("row %d,%s,%s,artist %d", i, os.date("!%Y-%m-%d %H:%M:%S", s),
    os.date("!%Y-%m-%d %H:%M:%S", s + 215), i % 97))
end
LUA

old=("$old_tree/build/acrlua" "$old_tree")
new=("$root/build/acrlua" "$root")
workload() { # acrlua tree name
  case $3 in
    tz) echo "$1" "$root/tests/bench/tz_rows.lua" "$csv" Europe/Berlin ;;
    report) echo "$1" "$2/scripts/report.lua" --dry-run -z Europe/Berlin \
      -j "$work/journal" 1 s-bench "$csv" ;;
  esac
}

instructions() { # command...
  local out=$work/callgrind.out
  valgrind --tool=callgrind --callgrind-out-file="$out" "$@" >/dev/null 2>&1 || true
  awk '/^(summary|totals):/ { print $2; exit }' "$out"
}

median_wall() { # name: prints "old new" medians of interleaved runs
  local name=$1 i t0 t1 side
  : > "$work/old.t"
  : > "$work/new.t"
  for ((i = 0; i < runs; i++)); do
    for side in old new; do
      if [ $side = old ]; then set -- $(workload "${old[0]}" "${old[1]}" "$name")
      else set -- $(workload "${new[0]}" "${new[1]}" "$name"); fi
      t0=$(date +%s.%N)
      "$@" >/dev/null 2>&1 || true
      t1=$(date +%s.%N)
      echo "$t1 - $t0" | bc -l >> "$work/$side.t"
    done
  done
  for side in old new; do
    sort -n "$work/$side.t" | awk '{ a[NR] = $1 } END { printf "%.3f ", a[int((NR + 1) / 2)] }'
  done
}

echo "rows: $rows; zone: Europe/Berlin; base: $(git rev-parse --short "$base"); this tree: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src || echo ' (modified)')"
echo "sanity: old: $($(workload "${old[0]}" "${old[1]}" tz))"
echo "        new: $($(workload "${new[0]}" "${new[1]}" tz))"
printf '%-8s %16s %16s %8s   %10s %10s %8s\n' workload "instr. old" "instr. new" ratio \
  "wall old" "wall new" ratio
for name in tz report; do
  io=$(instructions $(workload "${old[0]}" "${old[1]}" "$name"))
  in=$(instructions $(workload "${new[0]}" "${new[1]}" "$name"))
  read -r wo wn <<< "$(median_wall "$name")"
  printf '%-8s %16s %16s %7.1fx   %9ss %9ss %7.1fx\n' "$name" "$io" "$in" \
    "$(echo "$io / $in" | bc -l)" "$wo" "$wn" "$(echo "$wo / $wn" | bc -l)"
done
echo "(wall: median of $runs runs each, old and new in turn)"
