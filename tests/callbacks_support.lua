-- What the callback specs share: a receiver (scripts/receive-callbacks.lua)
-- started as a child process, posts of fixtures with curl, a look into its
-- database, and a PostgreSQL server of its own in a temporary directory.
--
--   local cbs = dofile(<this directory> .. "callbacks_support.lua")
--   local r = cbs.receiver{ db = "sqlite:" .. path, args = { "--max-body", "1000" },
--                           env = { ACRCLOUD_CALLBACK_KEY = "k" } }
--   cbs.post(r.url, "spec-result.json")    -> status, body
--   r.stop()                               -> exit status (SIGTERM)
--   cbs.stop_all()                         -> every receiver still running
local process = require "acrcloud.process"
local support = dofile(debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") .. "support.lua")

local M = {}

local q = support.q
M.ACRLUA = os.getenv("ACRLUA") or "build/acrlua"
-- The receiver script and export-results.lua, from the repository root.
M.RECEIVER = support.ROOT .. "/scripts/receive-callbacks.lua"
M.EXPORT_RESULTS = support.ROOT .. "/scripts/export-results.lua"
M.FIXTURES = support.ROOT .. "/tests/fixtures/callbacks/"

local running = {}

-- receiver(o) -> { url =, pid =, log = path, stop(signal) -> code, read_log() }
-- o: db (a URL, required), args (more arguments), env (variables), script
function M.receiver(o)
  local log = os.tmpname()
  local env = {}
  for k, v in pairs(o.env or {}) do env[#env + 1] = k .. "=" .. q(v) end
  local args = {}
  for _, a in ipairs(o.args or {}) do args[#args + 1] = q(a) end
  -- The shell prints its pid and becomes the receiver: that pid is the
  -- receiver's.
  local cmd = table.concat(env, " ") .. " sh -c 'echo $$; exec \"$0\" \"$@\"' " .. q(M.ACRLUA) ..
    " " .. q(M.RECEIVER) .. " --listen " .. q(o.listen or "127.0.0.1:0") ..
    " --db " .. q(o.db) .. " " .. table.concat(args, " ") .. " 2>" .. q(log)
  local pipe = assert(io.popen(cmd, "r"))
  local pid = math.tointeger(tonumber(pipe:read("l")))
  local url = pipe:read("l")
  if not url then
    pipe:close()
    local text = support.read_file(log) or ""
    os.remove(log)
    error("the receiver did not start: " .. text, 2)
  end
  local r = { url = url, pid = pid, log = log, port = tonumber(url:match(":(%d+)/")) }
  local stopped = false
  function r.stop(signal)
    if stopped then return r.code end
    stopped = true
    process.kill(pid, signal or "TERM")
    local _, how, code = pipe:close()
    r.code, r.how = code, how
    running[r] = nil
    return code, how
  end
  function r.read_log() return support.read_file(log) or "" end
  running[r] = true
  return r
end

function M.stop_all()
  for r in pairs(running) do
    r.stop("KILL")
    os.remove(r.log)
  end
end

-- post(url, fixture_or_nil, { body =, ctype =, method =, args = }) -> status, body
function M.post(url, name, o)
  o = o or {}
  local file, temp
  if o.body then
    temp = os.tmpname()
    support.write_file(temp, o.body)
    file = temp
  elseif name then
    file = M.FIXTURES .. name
  end
  local ctype = o.ctype
  if not ctype and name then
    ctype = name:match("%.form$") and "application/x-www-form-urlencoded" or "application/json"
  end
  local args = { "--max-time 10" }
  for _, a in ipairs(o.args or {}) do args[#args + 1] = a end
  local status, body = support.curl(o.method or "POST", url, { file = file,
    headers = ctype and { ["Content-Type"] = ctype } or nil, args = args })
  if temp then os.remove(temp) end
  return status, body
end

-- A URL of a new SQLite database in a temporary path of `temp` (from
-- support.temp_files()), which removes it with its -wal and -shm files.
function M.new_sqlite_db(temp)
  local path = temp.name()
  os.remove(path)
  temp.track(path .. "-wal")
  temp.track(path .. "-shm")
  return "sqlite:" .. path
end

-- The database of a receiver, read through the store module.
function M.open_db(url)
  return assert(require("acrcloud.callbacks.store").open(url))
end

-- PostgreSQL -----------------------------------------------------------------------

-- The newest /usr/lib/postgresql/N/bin holding initdb, or nil.
local function pg_bin()
  local p = io.popen("ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1")
  local dir = p and p:read("l")
  if p then p:close() end
  if dir and support.read_file(dir .. "/initdb") then return dir end
  return nil
end

local function run_ok(cmd)
  local ok = os.execute(cmd .. " >/dev/null 2>&1")
  return ok == true or ok == 0
end

local function free_port()
  local s = require("acrcloud.httpd").listen({ host = "127.0.0.1", port = 0 })
  local port = s:port()
  s:close()
  return port
end

-- postgres() -> cluster { url =, stop() } | nil, the reason it cannot run.
-- A cluster of its own (initdb) in a temporary directory, on a free port
-- of 127.0.0.1, trust authentication for the user "postgres". PostgreSQL
-- refuses to run as root: as root, the server runs as nobody.
function M.postgres()
  local bin = pg_bin()
  if not bin then
    return nil, "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb)"
  end
  if not pcall(require, "luasql.postgres") then
    return nil, "LuaSQL's PostgreSQL driver is not installed (Debian: lua-sql-postgres)"
  end
  local id = io.popen("id -u")
  local uid = id:read("l")
  id:close()
  local p = io.popen("mktemp -d")
  local dir = p:read("l")
  p:close()
  -- From the temporary directory, which the server's user can enter.
  local as = "cd " .. q(dir) .. " && "
  if uid == "0" then as = as .. "runuser -u nobody -- " end
  if uid == "0" then run_ok("chown nobody " .. q(dir)) end
  local data = dir .. "/data"
  if not run_ok(as .. q(bin .. "/initdb") .. " -D " .. q(data) ..
      " -U postgres --auth=trust -E UTF8 --no-sync --no-instructions") then
    run_ok("rm -rf " .. q(dir))
    return nil, "initdb failed"
  end
  local port = free_port()
  local started = run_ok(as .. q(bin .. "/pg_ctl") .. " -D " .. q(data) .. " -l " ..
    q(dir .. "/log") .. " -w -t 30 -o " ..
    q("-p " .. port .. " -k " .. dir .. " -c listen_addresses=127.0.0.1 -c fsync=off") ..
    " start")
  local cluster = { port = port, dir = dir,
    url = "postgresql://postgres@127.0.0.1:" .. port .. "/postgres" }
  function cluster.pg_ctl(action)
    return run_ok(as .. q(bin .. "/pg_ctl") .. " -D " .. q(data) .. " -l " ..
      q(dir .. "/log") .. " -w -t 30 -m immediate -o " ..
      q("-p " .. port .. " -k " .. dir .. " -c listen_addresses=127.0.0.1 -c fsync=off") ..
      " " .. action)
  end
  function cluster.stop()
    if cluster.stopped then return end
    cluster.stopped = true
    cluster.pg_ctl("stop")
    run_ok("rm -rf " .. q(dir))
  end
  if not started then
    local log = support.read_file(dir .. "/log") or ""
    cluster.stop()
    return nil, "the PostgreSQL server did not start: " .. log
  end
  return cluster
end

return M
