-- The coverage check for acr: every operation of the endpoint table is a
-- command, every parameter a flag, and the flags give the same request as
-- the library given the same values (the API reference's example of each
-- operation), both as a --dry-run curl line and sent to the emulator.
-- Each `it` fails listing every offender at once.
local acrcloud = require "acrcloud"
local reference = require "acrcloud.reference"
local shell = require "acrcloud.shell"
local values = require "acrcloud.shell.values"

local support = dofile(debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") .. "support.lua")
local q = support.q

local TOKEN = "acr-coverage-token"
local emu = support.emulator(TOKEN)
local temp = support.temp_files()
local operations = acrcloud.operations

local assert_none = support.assert_none

local HOME = os.tmpname()

local function acr(argv)
  return support.run_shell(argv,
    { env = { ACRCLOUD_ACCESS_TOKEN = TOKEN, ACRCLOUD_BASE_URL = emu.url, HOME = HOME } })
end

-- The example's params for an operation (reference.example), with real
-- files for the file parameters.
local function example_params(op)
  local got
  local stub = setmetatable({}, { __index = function(_, name)
    return function(_, params) got = { name = name, params = params or {} } end
  end })
  local env = { client = stub, os = { getenv = function() return "example-secret" end } }
  assert(load(reference.example(op), "=example", "t", env))()
  local params = got.params
  for _, p in ipairs(op.params) do
    if p.location == "file" and params[p.name] ~= nil then
      params[p.name] = temp.file("RIFF....WAVEfmt example audio")
    elseif p.location == "output" then
      params[p.name] = nil -- bytes to stdout
    end
  end
  return params
end

-- Whether two JSON texts hold the same value, integers and floats kept apart.
local function same_json(a, b)
  return support.deep_equal(acrcloud.decode(a), acrcloud.decode(b),
    function(x, y) return x == y and math.type(x) == math.type(y) end)
end

-- The flags that give `params`.
local function argv_of(op, params)
  local argv = { op.name }
  for _, p in ipairs(op.params) do
    local v = params[p.name]
    if v ~= nil then
      argv[#argv + 1] = "--" .. shell.flag_of(p)
      argv[#argv + 1] = values.to_text(p, v)
    end
  end
  return argv
end

-- The words of a curl command line, as sh reads them.
local function curl_words(text)
  local script = temp.file("curl() { for a; do printf '%s\\0' \"$a\"; done; }\n" .. text)
  local words = {}
  for w in support.output("sh " .. q(script)):gmatch("([^%z]*)%z") do words[#words + 1] = w end
  return words
end

-- The request a curl command line sends: method, url, body, parts.
local function request_of(words)
  local r = { parts = {} }
  local i = 1
  while i <= #words do
    local w, nxt = words[i], words[i + 1]
    if w == "-X" then
      r.method = nxt
      i = i + 1
    elseif w == "--data-binary" then
      r.body = nxt
      i = i + 1
    elseif w == "--form-string" then
      local name, value = nxt:match("^([^=]*)=(.*)$")
      r.parts[#r.parts + 1] = { name = name, value = value }
      i = i + 1
    elseif w == "-F" then
      local name, path = nxt:match('^([^=]*)=@"(.*)"$')
      r.parts[#r.parts + 1] = { name = name, file = path }
      i = i + 1
    elseif w == "-H" or w == "-o" then
      i = i + 1
    elseif w:match("^https?://") then
      r.url = w
    end
    i = i + 1
  end
  if #r.parts == 0 then r.parts = nil end
  return r
end

setup(emu.start)
teardown(function()
  emu.stop()
  temp.remove_all()
  os.remove(HOME)
end)

describe("acr covers the endpoint table", function()
  it("has a command for every operation and a flag for every parameter", function()
    local parser = shell.parser()
    local commands = {}
    for _, c in ipairs(parser._commands) do commands[c._name] = c end
    local globals = {}
    for _, o in ipairs(parser._options) do
      for _, alias in ipairs(o._aliases) do globals[alias] = true end
    end
    local bad = {}
    for _, op in ipairs(operations) do
      local c = commands[op.name]
      if not c then
        bad[#bad + 1] = op.name .. ": no command"
      else
        local flags = {}
        for _, o in ipairs(c._options) do
          for _, alias in ipairs(o._aliases) do flags[alias] = true end
        end
        for _, p in ipairs(op.params) do
          local flag = "--" .. shell.flag_of(p)
          if not flags[flag] then bad[#bad + 1] = op.name .. ": no " .. flag end
          if globals[flag] then bad[#bad + 1] = op.name .. ": " .. flag .. " is a global option" end
        end
      end
    end
    assert_none(bad, "operation(s) or parameter(s) not reachable")
  end)

  it("gives, from the flags, the request the library prepares from the values", function()
    local client = emu.new_client()
    local bad = {}
    for _, op in ipairs(operations) do
      local params = example_params(op)
      local argv = argv_of(op, params)
      argv[#argv + 1] = "--dry-run"
      local r = acr(argv)
      if r.code ~= 0 then
        bad[#bad + 1] = string.format("%s: exit %d: %s", table.concat(argv, " "), r.code, r.err)
      else
        local got = request_of(curl_words(r.out))
        local want = client:prepare(op.name, params)
        local same = got.method == want.method and got.url == want.url
          and ((got.body == nil and want.body == nil)
            or (got.body and want.body
              and same_json(got.body, want.body)))
        if same and (want.parts or got.parts) then
          same = #(want.parts or {}) == #(got.parts or {})
          for i, part in ipairs(want.parts or {}) do
            local g = got.parts[i] or {}
            same = same and g.name == part.name and g.file == part.file
              and g.value == (part.value ~= nil and tostring(part.value) or nil)
          end
        end
        if not same then
          bad[#bad + 1] = string.format("%s:\n    got  %s %s %s\n    want %s %s %s",
            table.concat(argv, " "), tostring(got.method), tostring(got.url),
            tostring(got.body), want.method, want.url, tostring(want.body))
        end
      end
    end
    client:close()
    assert_none(bad, "operation(s) whose flags give another request")
  end)

  it("sends every operation to the emulator", function()
    local bad = {}
    for _, op in ipairs(operations) do
      emu.reset()
      local argv = argv_of(op, example_params(op))
      local r = acr(argv)
      local seen = false
      for _, req in ipairs(emu.requests()) do seen = seen or req.operation == op.name end
      -- The examples' made-up ids may not exist: a 4xx still reached the API.
      if not seen or (r.code ~= 0 and r.code ~= shell.EXIT.http) then
        bad[#bad + 1] = string.format("%s: exit %d, %s: %s", table.concat(argv, " "), r.code,
          seen and "received" or "never received", r.err)
      end
    end
    assert_none(bad, "operation(s) not sent through acr")
  end)
end)
