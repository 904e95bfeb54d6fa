#!/usr/bin/env bash
# The README's demo: against a local emulator of the ACRCloud Console API,
# provision an account from scripts/samples/account.lua (plan, apply, and a
# second run that has nothing to do), push the user reports of
# scripts/samples/user-reports.csv, print day statistics, then let the
# emulator's monitoring post results and state changes to the callback
# receiver (scripts/receive-callbacks.lua) that the provisioning pointed the
# Broadcast Database project at, read back what it stored, and list the
# projects with acr.
#
#   bash scripts/demo.sh            (after building: build/acrlua must exist)
#   bash scripts/demo.sh -h         this help
#
# The emulator and the receiver listen on free ports of 127.0.0.1 only (the
# emulator with a random token) and are stopped at the end (they also stop
# by themselves after 10 minutes). Nothing outside a temporary directory is
# written. Set ACRLUA to use another interpreter.
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
recv_pid=
# The emulator's URL and the receiver's (set by start).
url=
recv_url=
cleanup() {
  for pid in $emu_pid $recv_pid; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# first_line FILE PID: waits (up to 10 s) for the first line a background
# process writes to FILE and prints it; nothing if the process died.
first_line() {
  local line=
  for _ in $(seq 1 200); do
    line=$(head -n 1 "$1" 2>/dev/null || true)
    [ -n "$line" ] && break
    if ! kill -0 "$2" 2>/dev/null; then break; fi
    sleep 0.05
  done
  printf '%s' "$line"
}

# start PID_VAR URL_VAR NAME WHAT COMMAND...: runs a server's COMMAND in the
# background, its output in $work/NAME.out and NAME.err; sets PID_VAR to its
# pid (for cleanup) and URL_VAR to the first line it prints (its URL), or
# stops the demo saying that WHAT did not start.
start() {
  local pid_var=$1 url_var=$2 name=$3 what=$4
  shift 4
  "$@" >"$work/$name.out" 2>"$work/$name.err" &
  printf -v "$pid_var" '%s' "$!"
  printf -v "$url_var" '%s' "$(first_line "$work/$name.out" "$!")"
  if [ -z "${!url_var}" ]; then
    echo "demo.sh: $what did not start:" >&2
    cat "$work/$name.err" >&2
    exit 1
  fi
}

# Prints a command as the user would type it, then runs it.
show() {
  printf '\n$ acrlua'
  printf ' %s' "$@"
  printf '\n'
  "$ACRLUA" "$@"
}

token="demo-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
start emu_pid url emulator "the emulator" \
  "$ACRLUA" scripts/emulator.lua --port 0 --token "$token" --lifetime 600 --quiet
export ACRCLOUD_ACCESS_TOKEN="$token" ACRCLOUD_BASE_URL="$url"
echo "Emulator of the ACRCloud Console API running at $url"

# The callback receiver, storing into SQLite in the temporary directory.
db="sqlite:$work/callbacks.db"
start recv_pid recv_url receiver "the callback receiver" \
  "$ACRLUA" scripts/receive-callbacks.lua --listen 127.0.0.1:0 --db "$db" --lifetime 600
echo "Callback receiver running at $recv_url"

# The sample account, its callback URLs pointed at the receiver (filed
# under the project's name: /callback/radio-monitor).
account="$work/account.lua"
sed -e "s#https://example.com/acr/results#$recv_url/radio-monitor#" \
  -e "s#https://example.com/acr/state#$recv_url/radio-monitor#" \
  scripts/samples/account.lua >"$account"

echo
echo "== 1. Provisioning: the plan (nothing is changed yet)"
echo "   (scripts/samples/account.lua, its callback URLs pointed at the receiver)"
show scripts/provision.lua "$account"

echo
echo "== 2. Provisioning: apply the plan"
show scripts/provision.lua --apply "$account"

echo
echo "== 3. Provisioning again: the account already matches"
show scripts/provision.lua "$account"

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
echo "== 7. Callbacks: the emulator's monitoring posts to the receiver"
# Through the API and the emulator's admin routes: two channels for the
# project, six hours of monitoring, then a channel that times out.
cat >"$work/callbacks.lua" <<'LUA'
local acrcloud = require "acrcloud"
local client = acrcloud.new{}
local pid
for p in client:each("list_bd_projects", {}) do
  if p.name == "radio-monitor" then pid = p.id end
end
assert(client:add_channels{ pid = pid, channels = { 100251, 300101 } })
print(string.format("Project radio-monitor (id %d) now monitors channels 100251 and 300101.", pid))
local function advance(seconds)
  local r = assert(client:request("POST", "/_emulator/clock", { body = { advance = seconds } }))
  return r.data
end
local d = advance(6 * 3600)
print(string.format("The emulator's clock moved 6 hours (now %s UTC): %d callbacks delivered, " ..
  "%d failed.", d.now, d.delivered, d.failed))
assert(client:request("POST", "/_emulator/states", { body = { channel_id = 300101, code = 1 } }))
d = advance(60)
print(string.format("Channel 300101 timed out, a minute later: %d callback(s) delivered.",
  d.delivered))
LUA
"$ACRLUA" "$work/callbacks.lua"

echo
echo "== 8. What the receiver stored, read back from its database"
show scripts/receive-callbacks.lua --db "$db" --summary --project radio-monitor
# The Berlin day of the first result received.
day=$(DB="$db" "$ACRLUA" -e '
  local db = assert(require("acrcloud.callbacks.store").open(os.getenv("DB")))
  local first = db:rows("SELECT MIN(timestamp_utc) AS t FROM results")[1].t
  io.write((require("acrcloud.tz").to_local("Europe/Berlin", first):sub(1, 10)))')
printf '\n$ acrlua scripts/receive-callbacks.lua --db %s --export %s -z Europe/Berlin --project radio-monitor | head -n 4\n' "$db" "$day"
"$ACRLUA" scripts/receive-callbacks.lua --db "$db" --export "$day" -z Europe/Berlin \
  --project radio-monitor >"$work/export.csv"
head -n 4 "$work/export.csv"

# A clean stop: SIGTERM, and the receiver's last words.
kill -TERM "$recv_pid"
wait "$recv_pid" || true
recv_pid=
echo
echo "The receiver stopped on SIGTERM:"
tail -n 1 "$work/receiver.err" | sed 's/^[0-9-]* [0-9:]* /  /'

echo
echo "== 9. Any operation from the shell: the base projects of eu-west-1, with acr"
printf '\n$ acr list_base_projects --region eu-west-1 --fields id,name,service_type,buckets.id\n'
"$ACR" list_base_projects --region eu-west-1 --fields id,name,service_type,buckets.id

echo
echo "Done; the emulator and the receiver are stopped."
