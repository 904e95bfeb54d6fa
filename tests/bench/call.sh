#!/bin/bash
# The call benchmark (issue 7, item 4): what one client call costs next to
# its floor, raw libcurl plus lua-cjson's decode of the same body.
#
#   tests/bench/call.sh [BUILD_DIR] [BASELINE_BUILD_DIR]
#
# Serves tests/bench/base-projects.json (about 7 KB, the emulator's answer to
# GET /api/base-projects with 13 projects) from nginx on a free port of
# 127.0.0.1, then measures, side by side:
#   raw libcurl   tests/bench/raw_curl.c: one easy handle, N GETs
#   cjson.decode  lua5.4 + Debian's lua-cjson, decoding the same body N times
#   decoded       client:list_base_projects{} through BUILD_DIR/acrlua
#   raw mode      client:list_base_projects({}, { raw = true })
# and, with BASELINE_BUILD_DIR, the two client rows of that build too.
#
# Instructions per call: valgrind --tool=callgrind of a run of N calls and
# one of 2N; (I(2N) - I(N)) / N, so start-up and the first connection do not
# count. Only the client process is counted (nginx is another process). Lua
# seeds its string hashes anew in each process, which moves a decoded call's
# count by a percent or two from one process to the next: each row is
# measured BENCH_CALLGRIND_RUNS times, the median shown with its spread.
# Calls per second: each run makes one untimed call, then times the next ones
# with a monotonic clock; the median of BENCH_ROUNDS rounds, the rows
# interleaved (A B C D A B C D ...) because the machine is shared.
#
# Environment: BENCH_CALLGRIND_N (default 200), BENCH_CALLGRIND_RUNS (default
# 3), BENCH_RATE_N (calls per timed
# run, default 1000), BENCH_ROUNDS (default 15). The per-function profile of
# a decoded call goes to BUILD_DIR/bench/call-decoded-profile.txt.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-build}" 2>/dev/null && pwd) || { echo "call.sh: no build directory ${1:-build}" >&2; exit 2; }
baseline=
if [ $# -ge 2 ]; then
  baseline=$(cd "$2" 2>/dev/null && pwd) || { echo "call.sh: no baseline build directory $2" >&2; exit 2; }
fi
cg_n=${BENCH_CALLGRIND_N:-200}
cg_runs=${BENCH_CALLGRIND_RUNS:-3}
rate_n=${BENCH_RATE_N:-1000}
rounds=${BENCH_ROUNDS:-15}

for tool in nginx valgrind callgrind_annotate cc pkg-config lua5.4 curl; do
  command -v "$tool" >/dev/null || { echo "call.sh: $tool is not installed (.ci/install-deps)" >&2; exit 2; }
done
lua5.4 -e 'require "cjson"' 2>/dev/null || { echo "call.sh: lua5.4 cannot load cjson (Debian's lua-cjson)" >&2; exit 2; }
for b in "$build" ${baseline:+"$baseline"}; do
  [ -x "$b/acrlua" ] || { echo "call.sh: $b/acrlua is missing: build it first (cmake --build $b)" >&2; exit 2; }
done

tmp=$(mktemp -d)
nginx_pid=
cleanup() {
  if [ -n "$nginx_pid" ]; then
    kill "$nginx_pid" 2>/dev/null || true
    wait "$nginx_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# nginx's worker may run as another user (nobody, when started by root): it
# must be able to read the body under the temporary prefix.
chmod 755 "$tmp"
cp "$here/base-projects.json" "$tmp/base-projects.json"
chmod 644 "$tmp/base-projects.json"
size=$(wc -c <"$tmp/base-projects.json")

cc -O2 -o "$tmp/raw_curl" "$here/raw_curl.c" $(pkg-config --cflags --libs libcurl)

# nginx on a free port: try random ones until one binds.
port=
for _ in $(seq 20); do
  try=$((20000 + RANDOM % 40000))
  sed -e "s#@PORT@#$try#g" -e "s#@PREFIX@#$tmp#g" -e "s#@BODY@#$tmp/base-projects.json#g" \
    "$here/nginx.conf.in" >"$tmp/nginx.conf"
  nginx -p "$tmp" -c "$tmp/nginx.conf" -e "$tmp/error.log" 2>>"$tmp/error.log" &
  nginx_pid=$!
  for _ in $(seq 50); do
    if curl -sf -o "$tmp/check.json" "http://127.0.0.1:$try/api/base-projects" 2>/dev/null; then
      port=$try
      break
    fi
    kill -0 "$nginx_pid" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$port" ] && break
  kill "$nginx_pid" 2>/dev/null || true
  wait "$nginx_pid" 2>/dev/null || true
  nginx_pid=
done
if [ -z "$port" ]; then
  echo "call.sh: nginx did not start; its log:" >&2
  cat "$tmp/error.log" >&2
  exit 1
fi
cmp -s "$tmp/check.json" "$tmp/base-projects.json" || { echo "call.sh: nginx serves another body" >&2; exit 1; }
base="http://127.0.0.1:$port/api"
url="$base/base-projects"
ctype=$(curl -s -o /dev/null -w '%{content_type}' "$url")
[ "$ctype" = application/json ] || { echo "call.sh: nginx answers Content-Type $ctype" >&2; exit 1; }

# The rows: a key, a label, and the command that takes N as its last word.
keys=(curl cjson decoded raw)
declare -A label cmd
label[curl]="raw libcurl (C loop, one handle)"
cmd[curl]="$tmp/raw_curl $url"
label[cjson]="lua5.4 cjson.decode (no transfer)"
cmd[cjson]="lua5.4 $here/call.lua cjson $tmp/base-projects.json"
label[decoded]="client:list_base_projects{}"
cmd[decoded]="$build/acrlua $here/call.lua decoded $base"
label[raw]="  the same, { raw = true }"
cmd[raw]="$build/acrlua $here/call.lua raw $base"
if [ -n "$baseline" ]; then
  keys+=(base_decoded base_raw)
  label[base_decoded]="baseline: list_base_projects{}"
  cmd[base_decoded]="$baseline/acrlua $here/call.lua decoded $base"
  label[base_raw]="baseline:   { raw = true }"
  cmd[base_raw]="$baseline/acrlua $here/call.lua raw $base"
fi

# run KEY N -> "calls=N seconds=S" on stdout; exit status 3: not available
run() { ${cmd[$1]} "$2"; }

echo "call benchmark: GET /api/base-projects ($size bytes of JSON) from nginx on 127.0.0.1:$port"
echo "  build:    $build"
[ -n "$baseline" ] && echo "  baseline: $baseline"

# Which rows work in these builds (raw mode may be missing in a baseline).
declare -A ok
for k in "${keys[@]}"; do
  if run "$k" 1 >/dev/null 2>"$tmp/$k.err"; then
    ok[$k]=1
  else
    ok[$k]=
    echo "  (${label[$k]# }: not measured: $(tail -n 1 "$tmp/$k.err"))"
  fi
done
[ -n "${ok[curl]}" ] && [ -n "${ok[cjson]}" ] && [ -n "${ok[decoded]}" ] || exit 1

# Instructions per call, median of cg_runs processes (pairs of runs).
total_ir() { awk '/^summary:/ { print $2; exit }' "$1"; }
median() { tr ' ' '\n' | awk 'NF' | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
declare -A ir irs spread
echo "measuring instructions (callgrind, $cg_runs x runs of $cg_n and $((2 * cg_n)) calls per row)..." >&2
for r in $(seq "$cg_runs"); do
  for k in "${keys[@]}"; do
    [ -n "${ok[$k]}" ] || continue
    for n in "$cg_n" $((2 * cg_n)); do
      valgrind --tool=callgrind -q --callgrind-out-file="$tmp/$k.$r.$n.cg" ${cmd[$k]} "$n" >/dev/null
    done
    irs[$k]="${irs[$k]:-} $(( ($(total_ir "$tmp/$k.$r.$((2 * cg_n)).cg") - $(total_ir "$tmp/$k.$r.$cg_n.cg")) / cg_n ))"
    # only the first pair of the decoded call is kept, for its profile
    [ "$r" = 1 ] && [ "$k" = decoded ] || rm -f "$tmp/$k.$r".*.cg
  done
done
for k in "${keys[@]}"; do
  [ -n "${ok[$k]}" ] || continue
  ir[$k]=$(echo "${irs[$k]}" | median | awk '{ printf "%d", $1 }')
  spread[$k]=$(echo "${irs[$k]}" | tr ' ' '\n' | awk -v m="${ir[$k]}" 'NF {
      if (lo == "" || $1 < lo) lo = $1; if (hi == "" || $1 > hi) hi = $1 }
    END { printf "%.1f%%", 100 * (hi - lo) / m }')
done
decoded_ir1=$(echo "${irs[decoded]}" | awk '{ print $1 }')

# Calls per second, interleaved rounds, median per row.
declare -A rates
echo "measuring calls per second ($rounds interleaved rounds of $rate_n calls per row)..." >&2
for _ in $(seq "$rounds"); do
  for k in "${keys[@]}"; do
    [ -n "${ok[$k]}" ] || continue
    r=$(run "$k" "$rate_n" | awk '{ split($1, c, "="); split($2, s, "="); printf "%.1f", c[2] / s[2] }')
    rates[$k]="${rates[$k]:-} $r"
  done
done
declare -A rate
for k in "${keys[@]}"; do
  [ -n "${ok[$k]}" ] && rate[$k]=$(echo "${rates[$k]}" | median)
done

# thousands separators (mawk's printf has no %\047d)
commas='function commas(x,  s, out) { s = sprintf("%d", x); out = ""
  while (length(s) > 3) { out = "," substr(s, length(s) - 2) out; s = substr(s, 1, length(s) - 3) }
  return s out }'
row() { # label instructions spread rate [note]
  awk -v l="$1" -v i="$2" -v sp="$3" -v r="$4" -v note="${5:-}" "$commas"'
  BEGIN {
    fi = (i == "") ? "n/a" : commas(i)
    fr = (r == "") ? "n/a" : commas(r + 0.5)
    fu = (r == "") ? "n/a" : sprintf("%.1f", 1e6 / r)
    printf "  %-36s %12s %7s %10s %9s%s\n", l, fi, sp, fr, fu, (note == "") ? "" : "  " note }'
}
floor_ir=$(( ${ir[curl]} + ${ir[cjson]} ))
floor_rate=$(awk -v a="${rate[curl]}" -v b="${rate[cjson]}" 'BEGIN { print 1 / (1 / a + 1 / b) }')

echo
echo "  instructions per call: callgrind, (run of $((2 * cg_n)) - run of $cg_n) / $cg_n, client process only;"
echo "    the median of $cg_runs processes, spread: (max - min) / median"
echo "  calls/s: median of $rounds interleaved runs of $rate_n calls (2-core shared machine: noisy)"
echo
printf "  %-36s %12s %7s %10s %9s\n" "" "instr/call" "spread" "calls/s" "us/call"
for k in "${keys[@]}"; do
  row "${label[$k]}" "${ir[$k]:-}" "${spread[$k]:-}" "${rate[$k]:-}"
  if [ "$k" = cjson ]; then
    row "  floor: raw libcurl + cjson.decode" "$floor_ir" "" "$floor_rate" "(sum of the two rows)"
  fi
done

echo
ratio() { # label numerator denominator target
  awk -v l="$1" -v a="$2" -v b="$3" -v t="$4" 'BEGIN {
    if (a == "" || b == "") { printf "  %-46s %8s\n", l, "n/a"; exit }
    r = a / b
    printf "  %-46s %7.3fx  target <= %.2fx  %s\n", l, r, t, (r <= t) ? "met" : "NOT met" }'
}
echo "  ratios of instructions per call:"
ratio "decoded call / (raw libcurl + cjson.decode)" "${ir[decoded]}" "$floor_ir" 1.15
ratio "raw-mode call / raw libcurl" "${ir[raw]:-}" "${ir[curl]}" 1.3
if [ -n "$baseline" ]; then
  ratio "decoded call: build / baseline" "${ir[decoded]}" "${ir[base_decoded]:-}" 1.05
  ratio "raw-mode call: build / baseline" "${ir[raw]:-}" "${ir[base_raw]:-}" 1.05
fi
echo "  the same in time (calls/s of the floor / calls/s of the row):"
awk -v a="$floor_rate" -v b="${rate[decoded]}" 'BEGIN { printf "  %-46s %7.3fx\n", "decoded call / (raw libcurl + cjson.decode)", a / b }'
[ -n "${rate[raw]:-}" ] && awk -v a="${rate[curl]}" -v b="${rate[raw]}" 'BEGIN { printf "  %-46s %7.3fx\n", "raw-mode call / raw libcurl", a / b }'

# Where a decoded call's instructions go: self cost per shared object, and
# the heaviest functions, all per call (run of 2N minus run of N).
per_call_costs() { # inclusive(yes|no) -> "cost<TAB>function [object]" per call
  for n in "$cg_n" $((2 * cg_n)); do
    callgrind_annotate --inclusive="$1" --threshold=100 --auto=no "$tmp/decoded.1.$n.cg" |
      awk -v n="$n" '/^ *[0-9,]+ +\( *[0-9.]+%\) / && !/PROGRAM TOTALS/ {
        c = $1; gsub(",", "", c); sub(/^ *[0-9,]+ +\( *[0-9.]+%\) +/, ""); print n "\t" c "\t" $0 }'
  done | awk -F '\t' -v lo="$cg_n" '{ if ($1 == lo) v[$3] -= $2; else v[$3] += $2 }
    END { for (f in v) if (v[f] / lo >= 1) printf "%d\t%s\n", v[f] / lo, f }' | sort -t "$(printf '\t')" -k1,1nr
}
mkdir -p "$build/bench"
profile="$build/bench/call-decoded-profile.txt"
per_call_costs no >"$tmp/self.txt"
per_call_costs yes >"$tmp/incl.txt"
{
  echo "client:list_base_projects{} on $size bytes: instructions per call, callgrind run of $((2 * cg_n)) minus run of $cg_n, / $cg_n"
  echo "total per call: $decoded_ir1 (the first of the $cg_runs processes measured)"
  echo
  echo "== self cost, by function"
  head -n 60 "$tmp/self.txt"
  echo
  echo "== inclusive cost, by function (NAME'2 is the deeper levels of a recursive NAME,"
  echo "   counted once per level: over-counted; NAME's own line holds the whole)"
  head -n 60 "$tmp/incl.txt"
} >"$profile"
echo
echo "  where a decoded call's instructions go (self cost by shared object; one process: $decoded_ir1):"
awk -F '\t' '{
    o = ($2 ~ /\[/) ? $2 : ""; sub(/.*\[/, "", o); sub(/\].*/, "", o)
    if (o ~ /libcurl/) g = "libcurl (the transfer)"
    else if (o ~ /cjson/) g = "lua-cjson (the parser)"
    else if (o ~ /liblua|\/lua5\.4$/) g = "Lua VM (liblua5.4: tables, Lua code, GC)"
    else if (o ~ /\/libc\.so/) g = "libc (malloc, memcpy, strtod, ...)"
    else if (o ~ /\/acrlua$/) g = "acrlua'"'"'s own C code (the acrlua binary)"
    else g = "other (ld.so, libcrypto, inlined code named by no object...)"
    s[g] += $1 }
  END { for (g in s) printf "%d\t%s\n", s[g], g }' "$tmp/self.txt" | sort -k1,1nr |
  awk -F '\t' -v t="$decoded_ir1" "$commas"'
    { printf "    %10s  %5.1f%%  %s\n", commas($1), 100 * $1 / t, $2 }'
echo "  acrlua's heaviest functions (inclusive, per call):"
# (the start-up wrappers around the whole run, at 100%, left out, and the
# deeper levels of a recursive function, NAME'2, whose inclusive cost
# callgrind_annotate counts once per level: NAME's own line holds the whole)
grep -P '\t.*\[[^]]*/acrlua\]' "$tmp/incl.txt" | grep -v -P "'[0-9]+ \[" |
  awk -F '\t' -v t="$decoded_ir1" "$commas"'
  $1 < 0.995 * t && shown++ < 10 { f = $2; sub(/ \[.*/, "", f); sub(/^.*:/, "", f)
    printf "    %10s  %5.1f%%  %s\n", commas($1), 100 * $1 / t, f }'
echo "  the full profile: $profile"
