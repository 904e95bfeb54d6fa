-- What the specs share: an emulator for a spec file with its admin client
-- (fresh clients, the request log, faults, the request count), the request
-- log's entries, temporary files, and curl.
--
--   -- found beside the spec, whatever the working directory:
--   local support = dofile(debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") .. "support.lua")
--   local emu = support.emulator(TOKEN)
--   setup(emu.start)         -- spawns it; emu.url, emu.admin from then on
--   teardown(emu.stop)
--   before_each(emu.reset)   -- seed data again, no faults, empty request log
--
-- or, for a spec that wants a fresh client for each test:
--   local client
--   emu.hook(_ENV, function(c) client = c end)
--
-- Busted's own functions (assert.*, setup...) are not visible in a file
-- loaded this way: `assert` here is Lua's. The acrcloud modules are loaded
-- only by the helpers that use them, so that specs of other modules can use
-- the rest without loading those.
local M = {}

-- The repository's root, from where this file lives (tests/support.lua).
M.ROOT = (debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") or "") .. ".."

-- The emulator --------------------------------------------------------------

-- emulator(token, opts) -> emu, whose functions need no `self`, so that they can
-- be handed to busted as they are:
--   emu.start(), emu.stop()       spawn it with an admin client; stop both
--   emu.reset()                   back to the seed data, no faults armed, the
--                                 request log emptied
--   emu.new_client(opts)          a client for it: acrcloud.new(opts), the
--                                 token and base_url filled in unless given
--   emu.requests()                the API requests it received since the
--                                 last reset (not the admin ones), oldest first
--   emu.last_request()            the newest of them
--   emu.fault(spec)               arm a fault (POST /_emulator/faults)
--   emu.request_count()           how many requests (admin ones too) it has
--                                 received since it started
--   emu.operations()              emu.requests() as "METHOD operation" strings
--   emu.reports(pid, stream_id)   the user reports stored for a stream
--   emu.hook(env, on_client)      wires start, stop and reset into busted's
--                                 setup, teardown and before_each (env: the
--                                 spec's _ENV); with on_client, a fresh client
--                                 for each test, handed to on_client, closed
--                                 after it
-- opts.lifetime: seconds after which the emulator ends by itself even if the
-- spec dies before stopping it.
function M.emulator(token, options)
  local lifetime = (options or {}).lifetime
  local emu = { token = token }

  function emu.new_client(opts)
    opts = opts or {}
    opts.token = opts.token or token
    opts.base_url = opts.base_url or emu.url
    return require("acrcloud").new(opts)
  end

  function emu.start()
    emu.handle = require("acrcloud.emulator").spawn{ token = token, lifetime = lifetime }
    emu.url = emu.handle.url
    emu.admin = emu.new_client()
  end

  function emu.stop()
    emu.admin:close()
    emu.handle.stop()
  end

  function emu.reset()
    assert(emu.admin:request("POST", "/_emulator/reset"))
  end

  function emu.requests()
    return assert(emu.admin:request("GET", "/_emulator/requests")).data
  end

  function emu.last_request()
    local log = emu.requests()
    return log[#log]
  end

  function emu.fault(spec)
    assert(emu.admin:request("POST", "/_emulator/faults", { body = spec }))
  end

  function emu.request_count()
    return assert(emu.admin:request("GET", "/_emulator/state")).data.requests
  end

  function emu.operations()
    local out = {}
    for i, r in ipairs(emu.requests()) do out[i] = r.method .. " " .. tostring(r.operation) end
    return out
  end

  function emu.reports(pid, stream_id)
    return assert(emu.admin:request("GET", "/_emulator/user-reports/" .. pid .. "/"
      .. stream_id)).data
  end

  function emu.hook(env, on_client)
    env.setup(emu.start)
    env.teardown(emu.stop)
    if not on_client then return env.before_each(emu.reset) end
    local client
    env.before_each(function()
      emu.reset()
      client = emu.new_client()
      on_client(client)
    end)
    env.after_each(function() client:close() end)
  end

  return emu
end

-- Entries of the request log ------------------------------------------------

-- The entry's body, decoded from JSON.
function M.wire_body(r) return require("acrcloud").decode(r.body) end

local B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

-- The entry's exact body bytes: `body` is text (bytes that are not UTF-8
-- shown as U+FFFD); `body_base64` holds the bytes of a body that is not.
function M.wire_bytes(r)
  if not r.body_base64 then return r.body end
  local bits = r.body_base64:gsub("[^%w+/]", ""):gsub(".", function(c)
    local v, out = B64:find(c, 1, true) - 1, {}
    for i = 5, 0, -1 do out[#out + 1] = (v >> i) & 1 end
    return table.concat(out)
  end)
  bits = bits:sub(1, #bits - #bits % 8) -- the padding's bits are not a byte
  return (bits:gsub("........", function(byte) return string.char(tonumber(byte, 2)) end))
end

-- Whether the entry's query string has `part` ("name=value") as one of its
-- &-separated parts.
function M.query_has(r, part)
  return ("&" .. r.query .. "&"):find("&" .. part .. "&", 1, true) ~= nil
end

-- Seconds since the epoch -> "YYYYmmddHHMMSS" in UTC, as timestamp_utc
-- parameters take it.
function M.utc_stamp(t) return os.date("!%Y%m%d%H%M%S", t) end

-- The ids of a list of records, in order.
function M.ids(list)
  local out = {}
  for i, item in ipairs(list) do out[i] = item.id end
  return out
end

-- Files ---------------------------------------------------------------------

-- A file's bytes, or nil when it cannot be opened (there is none).
M.read_file = require("acrcloud.files").read

function M.write_file(path, bytes)
  local f = assert(io.open(path, "wb"))
  f:write(bytes)
  f:close()
end

-- A new temporary file holding `bytes`; its path.
function M.temp_file(bytes)
  local path = os.tmpname()
  M.write_file(path, bytes)
  return path
end

-- Temporary files that a spec removes all at once:
--   local temp = support.temp_files()
--   temp.name() -> a new temporary path; temp.file(bytes) -> one holding
--   bytes; temp.track(path) adds a path; temp.remove_all() removes them.
function M.temp_files()
  local paths = {}
  local temp = {}
  function temp.track(path)
    paths[#paths + 1] = path
    return path
  end
  function temp.name() return temp.track(os.tmpname()) end
  function temp.file(bytes) return temp.track(M.temp_file(bytes)) end
  function temp.remove_all()
    for _, path in ipairs(paths) do os.remove(path) end
    paths = {}
  end
  return temp
end

-- A fresh temporary directory (mode 700).
function M.tmpdir()
  local p = os.tmpname()
  os.remove(p)
  assert(os.execute("mkdir -m 700 " .. M.q(p)))
  return p
end

function M.rmdir(p)
  if p and p:match("^/tmp/") then os.execute("rm -rf " .. M.q(p)) end
end

-- A loopback port with nothing listening on it.
function M.closed_port()
  local s = require("acrcloud.httpd").listen{ host = "127.0.0.1", port = 0 }
  local port = s:port()
  s:close()
  return port
end

-- Shell ---------------------------------------------------------------------

-- One word for sh, quoted.
M.q = require("acrcloud.process").quote

-- curl(method, url, { file =, headers = {}, args = {} }) -> the HTTP status
-- (a number) and the body of the answer: a request sent with curl, without
-- the client (and without a token unless a header gives one). `file` is
-- sent as the body, as it is; `args` are more curl arguments, quoted
-- already.
function M.curl(method, url, o)
  o = o or {}
  local q = M.q
  local out = os.tmpname()
  local cmd = { "curl -sS -o", q(out), "-w '%{http_code}' -X", method }
  if o.file then cmd[#cmd + 1] = "--data-binary @" .. q(o.file) end
  for name, value in pairs(o.headers or {}) do cmd[#cmd + 1] = "-H " .. q(name .. ": " .. value) end
  for _, arg in ipairs(o.args or {}) do cmd[#cmd + 1] = arg end
  cmd[#cmd + 1] = q(url)
  local p = assert(io.popen(table.concat(cmd, " ")))
  local code = p:read("a")
  p:close()
  local body = M.read_file(out) or ""
  os.remove(out)
  return tonumber(code), body
end

-- Scripts -------------------------------------------------------------------

-- The token of the script specs' emulators.
M.SCRIPT_TOKEN = "script-spec-token"

-- A script's path as given when it is there from the working directory, else
-- from the repository's root.
local function script_path(path)
  local f = path:sub(1, 1) ~= "/" and io.open(path)
  if not f then return path:sub(1, 1) == "/" and path or M.ROOT .. "/" .. path end
  f:close()
  return path
end

local function interpreter()
  return M.q(assert(os.getenv("ACRLUA"), "ACRLUA is not set"))
end

-- run_script(emu, argv, opts): runs argv (a list; argv[1] is the script) as
-- a user would, a child process of $ACRLUA with emu's token and URL.
-- opts.env adds environment variables (false removes one); opts.token =
-- false runs with no token. Returns { code =, out =, err =, cmd = }.
function M.run_script(emu, argv, opts)
  opts = opts or {}
  local env = {
    ACRCLOUD_ACCESS_TOKEN = emu and emu.token or false,
    ACRCLOUD_BASE_URL = emu and emu.url or false,
    ACRLUA_PROGRESS = false,
    ACRLUA_REPORT_CRASH_AFTER = false,
  }
  if opts.token == false then env.ACRCLOUD_ACCESS_TOKEN = false end
  for k, v in pairs(opts.env or {}) do env[k] = v end
  local parts = { "env" }
  local names = {}
  for k in pairs(env) do names[#names + 1] = k end
  table.sort(names)
  -- env wants every -u before the first NAME=VALUE.
  for _, k in ipairs(names) do
    if env[k] == false then parts[#parts + 1] = "-u " .. k end
  end
  for _, k in ipairs(names) do
    if env[k] ~= false then parts[#parts + 1] = M.q(k .. "=" .. env[k]) end
  end
  parts[#parts + 1] = interpreter()
  for i, a in ipairs(argv) do parts[#parts + 1] = M.q(i == 1 and script_path(a) or a) end
  local out, err = os.tmpname(), os.tmpname()
  local cmd = table.concat(parts, " ") .. " >" .. out .. " 2>" .. err .. " </dev/null"
  local _, _, code = os.execute(cmd)
  local r = { code = code, out = M.read_file(out), err = M.read_file(err), cmd = cmd }
  os.remove(out)
  os.remove(err)
  return r
end

-- start_script(emu, argv, opts): argv started in the background as
-- run_script would run it; its pid and the files its output goes to.
function M.start_script(emu, argv, opts)
  opts = opts or {}
  local env = { "ACRCLOUD_ACCESS_TOKEN=" .. emu.token, "ACRCLOUD_BASE_URL=" .. emu.url }
  for k, v in pairs(opts.env or {}) do env[#env + 1] = k .. "=" .. v end
  local parts = { "env", "-u ACRLUA_PROGRESS", "-u ACRLUA_REPORT_CRASH_AFTER" }
  for _, e in ipairs(env) do parts[#parts + 1] = M.q(e) end
  parts[#parts + 1] = interpreter()
  for i, a in ipairs(argv) do parts[#parts + 1] = M.q(i == 1 and script_path(a) or a) end
  local out, err = os.tmpname(), os.tmpname()
  local p = assert(io.popen(table.concat(parts, " ") .. " >" .. out .. " 2>" .. err
    .. " </dev/null & echo $!"))
  local pid = tonumber(p:read("l"))
  p:close()
  return { pid = pid, out = out, err = err }
end

-- interrupted(token, url, body) -> the output (stdout and stderr) of a
-- script run by $ACRLUA that makes `client` for url, has itself sent SIGINT
-- a second later, then runs `body` (Lua); and the seconds the run took.
function M.interrupted(token, url, body)
  local script = os.tmpname()
  M.write_file(script, string.format([[
local client = require("acrcloud").new{ token = %q, base_url = %q }
os.execute("(sleep 1; kill -INT " .. require("acrcloud.process").getpid() .. ") &")
]], token, url) .. body)
  local started = os.time()
  local p = assert(io.popen(string.format("%q %q 2>&1", os.getenv("ACRLUA"), script)))
  local out = p:read("a")
  p:close()
  os.remove(script)
  return out, os.time() - started
end

-- script_runner(emu, script) -> run(args, opts): run_script of script
-- followed by args.
function M.script_runner(emu, script)
  return function(args, opts) return M.run_script(emu, { script, table.unpack(args) }, opts) end
end

-- Waits (up to `seconds`) until pred() is true; returns whether it became so.
function M.wait_for(pred, seconds)
  local deadline = os.time() + (seconds or 10)
  while os.time() <= deadline do
    if pred() then return true end
    os.execute("sleep 0.05")
  end
  return pred()
end

-- Shared by the tool specs ---------------------------------------------------
-- (acr, acrlua, the scripts, the docs and coverage checks, the fuzz targets)

local function list_of(v)
  if v == nil then return {} end
  return type(v) == "table" and v or { v }
end

-- output(command) -> what a shell command wrote to stdout, and its exit
-- status.
function M.output(command)
  local p = assert(io.popen(command))
  local out = p:read("a")
  local _, _, code = p:close()
  return out, code
end

-- run_command(command) -> { code =, out =, err = }: a shell command run,
-- its stdout and stderr kept apart (check_run checks the result).
function M.run_command(command)
  local err_path = os.tmpname()
  local out, code = M.output(command .. " 2>" .. M.q(err_path))
  local err = M.read_file(err_path) or ""
  os.remove(err_path)
  return { code = code, out = out, err = err }
end

-- check_run(r, want) -> r: asserts, with busted's assert, what a run of a
-- program gave; r is { code =, out =, err = } (run_script's, run_shell's or
-- a spec's own runner). Each key of want is optional:
--   code                       the exit status (the message shows stderr)
--   out, err                   the whole text of stdout, stderr
--   out_has, err_has           a text, or a list of texts, found in it
--   out_lacks, err_lacks       a text, or a list of texts, not found in it
--   out_match, err_match       a Lua pattern, or a list of them, it matches
--   about                      what the run was, for the failure messages
function M.check_run(r, want)
  local luassert = require "luassert"
  local about = want.about and " of " .. want.about or ""
  if want.code ~= nil then
    luassert.equal(want.code, r.code, "exit status" .. about .. " (stderr: " .. tostring(r.err)
      .. ")")
  end
  for _, stream in ipairs { "out", "err" } do
    local text, what = r[stream], "std" .. stream .. about
    if want[stream] ~= nil then luassert.equal(want[stream], text, what) end
    for _, s in ipairs(list_of(want[stream .. "_has"])) do
      luassert.matches(s, text, 1, true, what)
    end
    for _, s in ipairs(list_of(want[stream .. "_lacks"])) do
      luassert.is_nil(text:find(s, 1, true), what .. " has " .. s .. ": " .. text)
    end
    for _, pattern in ipairs(list_of(want[stream .. "_match"])) do
      luassert.matches(pattern, text, what)
    end
  end
  return r
end

-- run_cases(run, cases): for each case { name, args =, opts =, and
-- check_run's keys }, its name and a test that checks, with check_run, what
-- run(case.args, case.opts, case) returns. The spec hands them to `it`
-- (so that busted names the spec's line):
--   for name, test in support.run_cases(run, CASES) do it(name, test) end
function M.run_cases(run, cases)
  local i = 0
  return function()
    i = i + 1
    local case = cases[i]
    if not case then return nil end
    return case[1], function() M.check_run(run(case.args, case.opts, case), case) end
  end
end

-- Fails, listing every one, when `list` (of offenders, as text) is not
-- empty: "N what:\n  a\n  b". A plain assert, so that the list is all that
-- is printed.
function M.assert_none(list, what)
  assert(#list == 0, #list > 0 and string.format("%d %s:\n  %s", #list, what,
    table.concat(list, "\n  ")) or nil)
end

-- A writer (for stdout and stderr) that keeps what it is given; b:text() is
-- all of it.
function M.buffer()
  local b = { parts = {} }
  function b.write(self, ...)
    for i = 1, select("#", ...) do self.parts[#self.parts + 1] = tostring((select(i, ...))) end
    return self
  end
  function b.flush() end
  function b.text(self) return table.concat(self.parts) end
  return b
end

-- run_shell(argv, o) -> { code =, out =, err = }: acr (acrcloud.shell.main)
-- run in this process. o.env: its whole environment (a table); o.tty:
-- stdout is a terminal; o.stdin: text to read; o.stdout: a writer of one's
-- own (out is then its text(), or "" when it has none).
function M.run_shell(argv, o)
  o = o or {}
  local env = o.env or {}
  local out, err = o.stdout or M.buffer(), M.buffer()
  local stdin_text = o.stdin or ""
  local stdin = { read = function()
    local line = stdin_text:match("^([^\n]*)")
    stdin_text = ""
    return line ~= "" and line or nil
  end }
  local code = require("acrcloud.shell").main(argv, {
    stdout = out, stderr = err, stdin = stdin,
    getenv = function(name) return env[name] end,
    is_tty = function() return o.tty == true end,
  })
  return { code = code, out = out.text and out:text() or "", err = err:text() }
end

-- Whether a and b are equal: tables key by key, all the way down; anything
-- else by leaf(a, b) (default: rawequal).
function M.deep_equal(a, b, leaf)
  leaf = leaf or rawequal
  if type(a) ~= "table" or type(b) ~= "table" then return leaf(a, b) end
  for k, v in pairs(a) do
    if not M.deep_equal(v, b[k], leaf) then return false end
  end
  for k in pairs(b) do
    if a[k] == nil then return false end
  end
  return true
end

-- shared by the resource specs ---------------------------------------------

-- unchecked(client, operation, params): the operation sent without the
-- client's checks (tests/unchecked.lua, loaded when first used).
local unchecked
function M.unchecked(...)
  unchecked = unchecked or dofile(M.ROOT .. "/tests/unchecked.lua")
  return unchecked(...)
end

-- spec_emulator(env, token, on_client): the emulator of a spec file, wired
-- into busted at once: M.emulator(token) followed by emu.hook(env, on_client).
function M.spec_emulator(env, token, on_client)
  local emu = M.emulator(token)
  emu.hook(env, on_client)
  return emu
end

-- each_client(env, emu, on_client): a fresh client of emu for each test of
-- the describe calling it (env: the spec's _ENV), handed to on_client,
-- closed after the test.
function M.each_client(env, emu, on_client)
  local client
  env.before_each(function()
    client = emu.new_client()
    on_client(client)
  end)
  env.after_each(function() client:close() end)
end

-- What a call that was to fail answered, to compare whole:
--   failed(body, err, ...) -> { status, message }
--     `assert.same({ 404, "..." }, failed(client:get_x{ ... }))`
--   refused(field, body, err, ...) -> { status, the messages of one field }
--   invalid(body, err, ...) -> { status, every field's messages }, a 422's
-- A call that succeeded is an error.
local function failure(key, field, body, err)
  if body ~= nil then error("the call succeeded: " .. tostring(body), 3) end
  local value = err[key]
  if field ~= nil and value ~= nil then value = value[field] end
  return { err.status, value }
end

function M.failed(body, err) return failure("message", nil, body, err) end
function M.refused(field, body, err) return failure("errors", field, body, err) end
function M.invalid(body, err) return failure("errors", nil, body, err) end

-- error_cases(env, client_of, cases): for each case { name, status, want,
-- operation, params, how }, an `it` (env: the spec's _ENV) in which the
-- operation called with params (a table, or a function that makes it when
-- the test runs) on client_of()'s client -- without its checks when how is
-- "unchecked" -- fails with that status and `want`: the message (a
-- string), or every field's messages (a table, as a 422's errors),
-- compared whole.
function M.error_cases(env, client_of, cases)
  for _, case in ipairs(cases) do
    local name, status, want, operation, params, how = table.unpack(case, 1, 6)
    env.it(name, function()
      local client = client_of()
      local args = type(params) == "function" and params() or params
      local body, err
      if how == "unchecked" then
        body, err = M.unchecked(client, operation, args)
      else
        body, err = client[operation](client, args)
      end
      local got = type(want) == "table" and M.invalid(body, err) or M.failed(body, err)
      env.assert.same({ status, want }, got)
    end)
  end
end

-- error_of(f, ...) -> the error f(...) raised, or an error when it raised
-- none.
function M.error_of(f, ...)
  local ok, err = pcall(f, ...)
  if ok then error("no error raised", 2) end
  return err
end

-- requests_to(emu, path) -> the entries of emu's request log whose path is
-- `path` (every entry when it is nil), oldest first.
function M.requests_to(emu, path)
  local out = {}
  for _, r in ipairs(emu.requests()) do
    if path == nil or r.path == path then out[#out + 1] = r end
  end
  return out
end

-- A request log entry's method, path and status, to compare whole.
function M.request_line(r) return { r.method, r.path, r.status } end

-- sent(r, parts) -> { r.path, the parts ("name=value") of the list that the
-- request log entry's query string does not have }, to compare whole:
-- `assert.same({ "/api/buckets", {} }, sent(last_request(), { "page=2" }))`.
function M.sent(r, parts)
  local missing = {}
  for _, part in ipairs(parts) do
    if not M.query_has(r, part) then missing[#missing + 1] = part end
  end
  return { r.path, missing }
end

-- interrupt_outcome(token, url, body) -> what became of a script that runs
-- `body` (M.interrupted: `client` made for url, SIGINT a second in), and its
-- output: "stopped at once" when acrlua stopped it as lua does on ^C (the
-- message "interrupted!", nothing after `body` run) within 10 s.
function M.interrupt_outcome(token, url, body)
  local out, seconds = M.interrupted(token, url,
    body .. '\nio.stdout:write("not interrupted\\n")\n')
  if out:find("not interrupted", 1, true) then return "ran to its end", out end
  if not out:find("interrupted!", 1, true) then return "ended without \"interrupted!\"", out end
  if seconds >= 10 then return "stopped after " .. seconds .. " s", out end
  return "stopped at once", out
end

-- The keys of t, sorted.
function M.sorted_keys(t)
  local out = {}
  for k in pairs(t) do out[#out + 1] = k end
  table.sort(out)
  return out
end

-- fields(t, like) -> the fields of t that `like` has, to compare with
-- `like` whole (`assert.same(want, fields(got, want))`).
function M.fields(t, like)
  local out = {}
  for k in pairs(like) do out[k] = t[k] end
  return out
end

return M
