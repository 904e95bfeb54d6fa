-- The batch benchmark (issue 8, item 6); tests/bench/batch.sh runs it:
--
--   BENCH_TMP=DIR acrlua tests/bench/batch.lua
--
-- 1000 calls of get_base_project{ id = 15 } against the emulator, every answer
-- of that operation held back 50 ms by its delay fault: a serial loop of
-- single calls, and client:batch at concurrency 1, 8 and 32, each next to the
-- ideal (calls / concurrency x 50 ms). Before that, a check that the emulator
-- itself answers 32 delayed requests in parallel (curl --parallel), and the
-- same 1000 requests through curl --parallel-max 32 as a reference.
--
-- Environment: BENCH_TMP (a directory for curl's files, required),
-- BENCH_CALLS (1000), BENCH_SCALED_CALLS (100: the calls the serial loop and
-- concurrency 1 make, scaled to BENCH_CALLS in the table; set it to
-- BENCH_CALLS to run them in full, about 50 s each), BENCH_ROUNDS (3: runs of
-- the others, interleaved, median shown).
local acrcloud = require "acrcloud"
local emulator = require "acrcloud.emulator"
-- the library's monotonic clock (acrcloud.httpd.now in older builds)
local now = dofile((debug.getinfo(1, "S").source:match("^@(.-)[^/]*$")) .. "clock.lua")
if not now then error("this build has no acrcloud.process.now or acrcloud.httpd.now", 0) end

local function env_number(name, default)
  local v = os.getenv(name)
  if v == nil or v == "" then return default end
  local n = math.tointeger(tonumber(v))
  if not n or n < 1 then error(name .. " must be a positive whole number, got " .. v, 0) end
  return n
end

local tmp = os.getenv("BENCH_TMP")
if not tmp or tmp == "" then error("BENCH_TMP must name a directory for temporary files", 0) end
local CALLS = env_number("BENCH_CALLS", 1000)
local SCALED = math.min(env_number("BENCH_SCALED_CALLS", 100), CALLS)
local ROUNDS = env_number("BENCH_ROUNDS", 3)
local DELAY = 0.05
local OPERATION, ID = "get_base_project", 15
local TARGET = 1.15

local q = require("acrcloud.process").quote

-- a random token (spawn makes one), stopped however this script ends
local emu <close> = setmetatable(emulator.spawn{}, { __close = function(e) e.stop() end })
local token = emu.token
local function new_client() return acrcloud.new{ token = token, base_url = emu.url } end
local admin = new_client()
assert(admin:request("POST", "/_emulator/faults", { body = {
  operation = OPERATION, delay = DELAY, count = 1000000000,
} }))
local url = emu.url .. "/base-projects/" .. ID

local has_batch = new_client().batch ~= nil

print(string.format("batch benchmark: %d x %s{ id = %d }, every answer delayed %g ms " ..
  "(the emulator's delay fault)", CALLS, OPERATION, ID, DELAY * 1000))
print("  interpreter: " .. (arg[-1] or "?"))
if not has_batch then
  print("  client:batch does not exist in this build: only the serial loop and the " ..
    "emulator's checks are measured")
end

-- curl_parallel(n, max) -> seconds, number of 200 answers: n GETs of the
-- delayed operation in one curl process, at most `max` in flight.
local headers = tmp .. "/headers"
do
  local f = assert(io.open(headers, "w"))
  f:write("Authorization: Bearer ", token, "\nAccept: application/json\n")
  f:close()
end
local function curl_parallel(n, max)
  local config = tmp .. "/curl.config"
  local f = assert(io.open(config, "w"))
  for _ = 1, n do f:write('url = "', url, '"\noutput = "/dev/null"\n') end
  f:close()
  local cmd = string.format("curl -s --parallel --parallel-immediate --parallel-max %d " ..
    "--no-progress-meter -H @%s -w '%%{http_code}\\n' -K %s 2>>%s", max, q(headers), q(config),
    q(tmp .. "/curl.err"))
  local start = now()
  local p = assert(io.popen(cmd))
  local out = p:read("a")
  p:close()
  local seconds = now() - start
  local ok = select(2, out:gsub("200\n", ""))
  return seconds, ok
end

local function median(list)
  local s = {}
  for i, v in ipairs(list) do s[i] = v end
  table.sort(s)
  local n = #s
  if n % 2 == 1 then return s[(n + 1) // 2] end
  return (s[n // 2] + s[n // 2 + 1]) / 2
end

-- The emulator holds delayed answers back without blocking the others.
local check_s, check_ok = curl_parallel(32, 32)
local parallel = check_ok == 32 and check_s < 4 * DELAY
print(string.format("  emulator check: 32 requests at once (curl --parallel): %.3f s, %d " ..
  "answered 200; one at a time they would take %.1f s: %s", check_s, check_ok, 32 * DELAY,
  parallel and "answered in parallel" or "NOT answered in parallel"))
if not parallel then
  io.stderr:write("batch.lua: the emulator does not answer delayed requests in parallel; " ..
    "the figures would measure it, not the client\n")
  os.exit(1, true)
end

-- The serial loop: SCALED single calls on one client.
local function serial(n)
  local client = new_client()
  local start = now()
  for i = 1, n do
    local body, err = client:get_base_project{ id = ID }
    if not body then error(string.format("serial call %d: %s", i, tostring(err)), 0) end
  end
  local seconds = now() - start
  client:close()
  return seconds
end

-- One batch of n calls at a concurrency; every result checked.
local function batch(n, concurrency)
  local client = new_client()
  local calls = {}
  for i = 1, n do calls[i] = { OPERATION, { id = ID } } end
  local start = now()
  local results = client:batch(calls, { concurrency = concurrency })
  local seconds = now() - start
  client:close()
  local failed, first = 0, nil
  for i = 1, n do
    local body, err = table.unpack(results[i] or {})
    if type(body) ~= "table" or type(body.data) ~= "table" or body.data.id ~= ID then
      failed = failed + 1
      first = first or string.format("entry %d: %s", i, tostring(err))
    end
  end
  if failed > 0 then
    error(string.format("batch at concurrency %d: %d of %d calls failed (%s)", concurrency,
      failed, n, first), 0)
  end
  return seconds
end

-- The rows: label, the ideal, and a list of measured times (scaled to CALLS).
local rows = {}
local function add_row(label, ideal, note)
  local r = { label = label, ideal = ideal, times = {}, note = note }
  rows[#rows + 1] = r
  return r
end
local scale = CALLS / SCALED
local scaled_note = SCALED < CALLS and string.format("%d calls measured, x%g", SCALED, scale) or nil

local ref = add_row("curl --parallel-max 32 (reference)", CALLS / 32 * DELAY)
local serial_row = add_row("serial loop of single calls", CALLS * DELAY, scaled_note)
serial_row.times[1] = serial(SCALED) * scale
local c1, c8, c32
if has_batch then
  c1 = add_row("client:batch, concurrency 1", CALLS * DELAY, scaled_note)
  c1.times[1] = batch(SCALED, 1) * scale
  c8 = add_row("client:batch, concurrency 8", CALLS / 8 * DELAY)
  c32 = add_row("client:batch, concurrency 32", CALLS / 32 * DELAY)
  c32.target = TARGET
end
for _ = 1, ROUNDS do
  local seconds, ok = curl_parallel(CALLS, 32)
  if ok ~= CALLS then error(string.format("curl: %d of %d answered 200", ok, CALLS), 0) end
  ref.times[#ref.times + 1] = seconds
  if has_batch then
    c8.times[#c8.times + 1] = batch(CALLS, 8)
    c32.times[#c32.times + 1] = batch(CALLS, 32)
  end
end

print(string.format("  times in seconds for %d calls; several runs: the median (min-max); " ..
  "2-core shared machine", CALLS))
print()
print(string.format("  %-36s %-21s %10s %8s", "", "time (s) (min-max)", "ideal (s)", "ratio"))
local met = true
for _, r in ipairs(rows) do
  local m = median(r.times)
  local spread = ""
  if #r.times > 1 then
    spread = string.format("(%.2f-%.2f)", math.min(table.unpack(r.times)),
      math.max(table.unpack(r.times)))
  end
  local ratio = m / r.ideal
  local note = r.note and "  " .. r.note or ""
  if r.target then
    local ok = ratio <= r.target
    met = met and ok
    note = note .. string.format("  target <= %.2fx: %s", r.target, ok and "met" or "NOT met")
  end
  print(string.format("  %-36s %7.3f %-13s %10.4f %7.3fx%s", r.label, m, spread, r.ideal, ratio,
    note))
end
if not has_batch then
  print()
  print("client:batch is missing in this build: the batch rows were not measured")
  os.exit(3, true)
end
os.exit(met and 0 or 4, true)
