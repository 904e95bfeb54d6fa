#!/usr/bin/env bash
# The README's demo: against a local emulator of the ACRCloud Console API,
# provision an account from scripts/samples/account.lua (plan, apply, and a
# second run that has nothing to do), push the user reports of
# scripts/samples/user-reports.csv, print day statistics, and list the
# projects with acr.
#
#   bash scripts/demo.sh            (after building: build/acrlua must exist)
#   bash scripts/demo.sh -h         this help
#
# The emulator listens on a free port of 127.0.0.1 only, with a random
# token, and is stopped at the end (it also stops by itself after 10
# minutes). Nothing outside a temporary directory is written. Set ACRLUA to
# use another interpreter.
set -euo pipefail

case "${1:-}" in
  -h | --help)
    sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
    exit 0
    ;;
  "") ;;
  *)
    echo "demo.sh: unexpected argument '$1' (it takes none; -h for help)" >&2
    exit 2
    ;;
esac

cd "$(dirname "$0")/.."
# The build tree's acrlua, else (an installed copy of this script) the one
# in PATH.
if [ -z "${ACRLUA:-}" ]; then
  ACRLUA=build/acrlua
  [ -x "$ACRLUA" ] || ACRLUA=$(command -v acrlua || echo build/acrlua)
fi
if [ ! -x "$ACRLUA" ]; then
  echo "demo.sh: $ACRLUA not found; build first: cmake -B build && cmake --build build" >&2
  exit 1
fi
# acr is acrlua under another name, beside it.
ACR=$(dirname "$ACRLUA")/acr

work=$(mktemp -d)
emu_pid=
cleanup() {
  if [ -n "$emu_pid" ]; then
    kill "$emu_pid" 2>/dev/null || true
    wait "$emu_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Prints a command as the user would type it, then runs it.
show() {
  printf '\n$ acrlua'
  printf ' %s' "$@"
  printf '\n'
  "$ACRLUA" "$@"
}

token="demo-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
"$ACRLUA" scripts/emulator.lua --port 0 --token "$token" --lifetime 600 --quiet \
  >"$work/emulator.out" 2>"$work/emulator.err" &
emu_pid=$!
url=
for _ in $(seq 1 200); do
  url=$(head -n 1 "$work/emulator.out" 2>/dev/null || true)
  [ -n "$url" ] && break
  if ! kill -0 "$emu_pid" 2>/dev/null; then break; fi
  sleep 0.05
done
if [ -z "$url" ]; then
  echo "demo.sh: the emulator did not start:" >&2
  cat "$work/emulator.err" >&2
  exit 1
fi
export ACRCLOUD_ACCESS_TOKEN="$token" ACRCLOUD_BASE_URL="$url"
echo "Emulator of the ACRCloud Console API running at $url"

echo
echo "== 1. Provisioning: the plan (nothing is changed yet)"
show scripts/provision.lua scripts/samples/account.lua

echo
echo "== 2. Provisioning: apply the plan"
show scripts/provision.lua --apply scripts/samples/account.lua

echo
echo "== 3. Provisioning again: the account already matches"
show scripts/provision.lua scripts/samples/account.lua

echo
echo "== 4. User reports for stream s-XXXXXX of Custom Streams project 17913"
echo "   (times in Europe/Berlin; the file has rows on both sides of both"
echo "   daylight-saving changes of 2021, and one bad row)"
# The journal goes to the temporary directory so that the repository stays
# clean; normally it sits next to the CSV.
status=0
show scripts/report.lua --timezone Europe/Berlin --journal "$work/reports.journal" \
  17913 s-XXXXXX scripts/samples/user-reports.csv || status=$?
# 3 means "done, but some rows were skipped": the bad row, on purpose.
if [ "$status" -ne 3 ]; then
  echo "demo.sh: report.lua exited with $status (expected 3: one bad row)" >&2
  exit 1
fi
echo "(exit status 3: finished, but a row was skipped)"

echo
echo "== 5. The same file again: nothing is sent twice"
status=0
show scripts/report.lua --timezone Europe/Berlin --journal "$work/reports.journal" \
  17913 s-XXXXXX scripts/samples/user-reports.csv 2>/dev/null || status=$?
[ "$status" -eq 3 ] || { echo "demo.sh: unexpected exit status $status" >&2; exit 1; }

echo
echo "== 6. Day statistics of the new project"
show scripts/stats.lua music-id 2021-04-09 2021-04-15

echo
echo "== 7. Any operation from the shell: the base projects of eu-west-1, with acr"
printf '\n$ acr list_base_projects --region eu-west-1 --fields id,name,service_type,buckets.id\n'
"$ACR" list_base_projects --region eu-west-1 --fields id,name,service_type,buckets.id

echo
echo "Done; the emulator is stopped."
