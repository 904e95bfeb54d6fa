-- One row of the call benchmark (tests/bench/call.sh runs it):
--
--   lua5.4 tests/bench/call.lua cjson FILE N       cjson.decode of FILE's bytes
--   acrlua tests/bench/call.lua decoded BASE_URL N  client:list_base_projects{}
--   acrlua tests/bench/call.lua raw BASE_URL N      the same, { raw = true }
--
-- Each does one untimed warm-up (the connection is made there), then N timed
-- ones, and prints "calls=N seconds=S" like raw_curl.c. Exit status
-- 3 when the mode is not available in this build (raw mode before it
-- existed).
local mode, target, n = arg[1], arg[2], tonumber(arg[3])
if not (mode and target and n and n >= 1) then
  io.stderr:write("usage: call.lua cjson|decoded|raw FILE_OR_BASE_URL N\n")
  os.exit(2)
end

-- A wall clock: the library's monotonic one when it is there (acrlua:
-- acrcloud.process.now, acrcloud.httpd.now in older builds), else date(1),
-- read only before and after the loop.
local now = dofile((debug.getinfo(1, "S").source:match("^@(.-)[^/]*$")) .. "clock.lua")
if not now then
  now = function()
    local p = assert(io.popen("date +%s.%N"))
    local t = tonumber(p:read("l"))
    p:close()
    return t
  end
end

local once
if mode == "cjson" then
  local decode = require("cjson").decode
  local f = assert(io.open(target, "rb"))
  local text = f:read("a")
  f:close()
  once = function() return decode(text) end
else
  local client = require("acrcloud").new{ token = "x", base_url = target }
  local options
  if mode == "raw" then
    options = { raw = true }
  elseif mode ~= "decoded" then
    error("unknown mode " .. mode)
  end
  once = function()
    local body, err = client:list_base_projects({}, options)
    if not body then error(tostring(err), 0) end
    return body
  end
end

local ok, first = pcall(once)
if not ok then
  if mode == "raw" and tostring(first):find("option", 1, true) then
    io.stderr:write("call.lua: raw mode is not available in this build: ", first, "\n")
    os.exit(3)
  end
  io.stderr:write("call.lua: ", tostring(first), "\n")
  os.exit(1)
end
local expected = mode == "raw" and "string" or "table"
if type(first) ~= expected then
  io.stderr:write("call.lua: ", mode, " mode gave a ", type(first), " in this build, not a ",
    expected, "\n")
  os.exit(3)
end
local start = now()
for _ = 1, n do once() end
local seconds = now() - start
print(string.format("calls=%d seconds=%.6f", n, seconds))
