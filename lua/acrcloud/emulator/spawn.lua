-- Starting the emulator as a child process (for tests and scripts).
--
-- The child is a Lua interpreter (normally the running one, see
-- interpreter() below) started with this process's package.path and
-- package.cpath, and ACRCLOUD_EMULATOR_CHILD=1 in its environment (a child
-- never spawns emulators itself). It prints one line, "<url> <pid>", then
-- writes only to stderr. It dies with its parent (PR_SET_PDEATHSIG) and by
-- itself when its lifetime is over.
local process = require "acrcloud.process"

local M = {}

local shell_quote = process.quote

-- A Lua literal for a flat table of strings, numbers and booleans.
local function literal(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys)
  local parts = {}
  for _, k in ipairs(keys) do
    local v = t[k]
    assert(type(k) == "string" and k:match("^[%a_][%w_]*$"), "bad option name")
    assert(type(v) == "string" or type(v) == "number" or type(v) == "boolean",
      "option " .. k .. " must be a string, a number or a boolean")
    parts[#parts + 1] = k .. "=" .. string.format("%q", v)
  end
  return "{" .. table.concat(parts, ",") .. "}"
end

-- A token nobody else knows, for emulators started without one.
function M.random_token()
  local f = io.open("/dev/urandom", "rb")
  local bytes = f and f:read(16)
  if f then f:close() end
  if not bytes or #bytes < 16 then
    bytes = tostring(os.time()) .. tostring(os.clock()) .. tostring({})
  end
  return "emu-" .. bytes:gsub(".", function(c) return string.format("%02x", c:byte()) end)
    :sub(1, 32)
end

-- The interpreter to run the child with: opts.interpreter, else this process's
-- executable when it is a Lua interpreter (acrlua, lua5.4, ...), else
-- $ACRLUA. An application embedding Lua is not an interpreter: re-running
-- it with -e would run the application again.
local function interpreter(opts)
  if opts.interpreter then return opts.interpreter end
  local self_exe = process.self_exe()
  local name = self_exe and self_exe:match("([^/]+)$") or ""
  if name:match("^acrlua") or name:match("^lua[%d.]*$") then return self_exe end
  local env = os.getenv("ACRLUA")
  if env and env ~= "" then return env end
  error("emulator.spawn: " .. (self_exe or "this program") .. " is not a Lua interpreter; " ..
    "pass interpreter = <path of acrlua or lua5.4> or set ACRLUA", 3)
end

local SPAWN_OPTIONS = { token = true, host = true, port = true, lifetime = true, quiet = true,
  interpreter = true }

-- spawn{ token =, host = "127.0.0.1", port = 0, lifetime = 600, quiet = true,
--        interpreter = <see interpreter()> }
--   -> { url =, port =, pid =, token =, stop = function }
-- stop() (also run by __close and __gc) ends the child and reaps it.
function M.spawn(opts)
  opts = opts or {}
  for k in pairs(opts) do
    if not SPAWN_OPTIONS[k] then
      error("emulator.spawn: unknown option '" .. tostring(k) .. "'", 2)
    end
  end
  -- A child never starts emulators of its own, whatever it runs.
  if os.getenv("ACRCLOUD_EMULATOR_CHILD") then
    error("emulator.spawn: refusing to start an emulator from an emulator's child process", 2)
  end
  local exe = interpreter(opts)
  local token = opts.token or M.random_token()
  local child = {
    token = token, host = opts.host or "127.0.0.1", port = opts.port or 0,
    lifetime = opts.lifetime or 600, quiet = opts.quiet ~= false, parent = process.getpid(),
  }
  local setup = string.format("package.path = %q; package.cpath = %q", package.path,
    package.cpath)
  local run = "require('acrcloud.emulator.spawn').child(" .. literal(child) .. ")"
  local cmd = "ACRCLOUD_EMULATOR_CHILD=1 exec " .. shell_quote(exe) .. " -e " ..
    shell_quote(setup) .. " -e " .. shell_quote(run)
  local pipe = assert(io.popen(cmd, "r"))
  local line = pipe:read("l")
  local url, pid = (line or ""):match("^(%S+) (%d+)$")
  if not url then
    pipe:close()
    error("the emulator did not start (its messages are on stderr)", 2)
  end
  local handle = { url = url, port = math.tointeger(tonumber(url:match(":(%d+)/"))),
    pid = math.tointeger(tonumber(pid)), token = token }
  local stopped = false
  function handle.stop()
    if stopped then return end
    stopped = true
    process.kill(handle.pid, "TERM")
    pipe:close()
  end
  return setmetatable(handle, { __gc = handle.stop, __close = handle.stop })
end

-- The child's side (see spawn above).
function M.child(opts)
  if opts.parent then process.exit_with_parent(opts.parent) end
  local server = require("acrcloud.emulator.server").new(opts)
  io.stdout:write(server.url, " ", process.getpid(), "\n")
  io.stdout:flush()
  server:run(opts.lifetime)
end

return M
