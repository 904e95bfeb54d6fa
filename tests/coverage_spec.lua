-- The coverage check: every operation of the endpoint table has an emulator
-- handler, a test that calls it and an entry in the (current) API reference;
-- and the table agrees with the inventory of the Console API
-- (../shared/api/endpoints.json beside this clone), or says why not.
--
-- Each `it` is one kind of check and fails listing every offender at once,
-- so that one run says everything that is left to do.
local acrcloud = require "acrcloud"
local reference = require "acrcloud.reference"

-- The current directory, as an absolute path.
local function cwd()
  local p = assert(io.popen("pwd"))
  local dir = p:read("l")
  p:close()
  return dir
end

-- The repository's root, absolute, from where this file lives (busted runs
-- it from the root, but the check should not depend on that).
local function repo_root()
  local source = debug.getinfo(1, "S").source
  local dir = source:match("^@(.*)/tests/[^/]*$") or (source:match("^@tests/") and ".")
  if not dir then return cwd() end
  if dir:sub(1, 1) ~= "/" then dir = cwd() .. (dir == "." and "" or "/" .. dir) end
  return dir
end

local ROOT = repo_root()
local THIS_FILE = "coverage_spec.lua"
local INVENTORY = ROOT .. "/../shared/api/endpoints.json"
local support = dofile(ROOT .. "/tests/support.lua")
local read_file = support.read_file

local assert_none = support.assert_none

local operations = acrcloud.operations

describe("coverage of the endpoint table", function()
  it("gives every operation an emulator handler", function()
    local missing = require("acrcloud.emulator").missing_handlers()
    assert_none(missing, "operation(s) have no emulator handler (they answer 501)")
  end)

  it("calls every operation from a test", function()
    -- The specs' text, without whole-line comments, so that a call that is
    -- only mentioned in a comment does not count.
    local texts = {}
    local listing = assert(io.popen("ls -1 '" .. ROOT .. "/tests'"))
    for file in listing:lines() do
      if file:match("_spec%.lua$") and file ~= THIS_FILE then
        local text = assert(read_file(ROOT .. "/tests/" .. file))
        texts[#texts + 1] = (text:gsub("\n[ \t]*%-%-[^\n]*", "\n"))
      end
    end
    listing:close()
    assert.is_true(#texts > 0, "no tests/*_spec.lua found under " .. ROOT)
    local all = table.concat(texts, "\n")
    local untested = {}
    for _, op in ipairs(operations) do
      -- Names are [a-z0-9_], which patterns take literally.
      local called = all:find(":" .. op.name .. "%s*[{(]")
        or all:find("each%(%s*[\"']" .. op.name .. "[\"']")
      if not called then untested[#untested + 1] = op.name end
    end
    assert_none(untested, "operation(s) are called by no test (searched: :NAME{, :NAME( and "
      .. "each(\"NAME\"))")
  end)

  it("keeps the API reference current", function()
    local path = ROOT .. "/" .. reference.PATH
    local committed = read_file(path)
    assert.is_not_nil(committed, reference.PATH .. " is missing: run " .. reference.COMMAND)
    -- Not assert.equal: a diff of two long documents says less than this.
    assert(committed == reference.render(),
      reference.PATH .. " is not current: run " .. reference.COMMAND)
  end)

  it("documents every operation in the API reference", function()
    local committed = read_file(ROOT .. "/" .. reference.PATH) or ""
    local undocumented = {}
    for _, op in ipairs(operations) do
      if not committed:find("\n### " .. op.name .. "\n", 1, true) then
        undocumented[#undocumented + 1] = op.name
      end
    end
    assert_none(undocumented, "operation(s) have no entry in " .. reference.PATH
      .. " (run " .. reference.COMMAND .. ")")
  end)
end)

-- Placeholders are compared without their names: `:project_id` and `{pid}`
-- send the same request, and the table may name its parameters its own way.
local function normalize_path(path)
  return (tostring(path):gsub(":[%a_][%w_]*", "{}"):gsub("{[%a_][%w_]*}", "{}"))
end

describe("the endpoint table against the inventory", function()
  local text = read_file(INVENTORY)
  if not text then
    pending("no ../shared/api/endpoints.json beside this clone: inventory comparison skipped")
    return
  end
  local inventory = acrcloud.decode(text)
  local by_name = {}
  for _, entry in ipairs(inventory) do by_name[entry.name] = entry end

  it("agrees on method and path, or the operation says why in a note", function()
    local offenders = {}
    for _, op in ipairs(operations) do
      local entry = op.source and by_name[op.source]
      local problem
      if not op.source then
        problem = "no source (inventory name)"
      elseif not entry then
        problem = string.format("source %q is not in the inventory", op.source)
      elseif entry.method ~= op.method or normalize_path(entry.path) ~= normalize_path(op.path)
      then
        problem = string.format("%s %s here, %s %s in the inventory (%s)", op.method, op.path,
          entry.method, entry.path, op.source)
      end
      -- A written note covers any difference, even having no inventory entry.
      if problem and not op.note then offenders[#offenders + 1] = op.name .. ": " .. problem end
    end
    assert_none(offenders, "operation(s) disagree with the inventory without a note")
  end)

  it("maps every inventory entry to an operation or a written omission", function()
    local sources = {}
    for _, op in ipairs(operations) do
      if op.source then sources[op.source] = true end
    end
    local omissions = acrcloud.omissions
    local offenders = {}
    if omissions == nil then
      offenders[#offenders + 1] = "(acrcloud.omissions is not defined)"
      omissions = {}
    end
    local omitted = {}
    for i, o in ipairs(omissions) do
      local label = string.format("omission %d (%s)", i, tostring(o.source))
      if not by_name[o.source] then
        offenders[#offenders + 1] = label .. ": names no inventory entry"
      elseif sources[o.source] then
        offenders[#offenders + 1] = label .. ": an operation has it as its source too"
      end
      if type(o.reason) ~= "string" or not o.reason:find("%S") then
        offenders[#offenders + 1] = label .. ": gives no reason"
      end
      omitted[o.source or false] = true
    end
    for _, entry in ipairs(inventory) do
      if not sources[entry.name] and not omitted[entry.name] then
        offenders[#offenders + 1] = string.format("%s (%s %s): no operation, no omission",
          entry.name, entry.method, entry.path)
      end
    end
    assert_none(offenders, "inventory problem(s)")
  end)
end)

describe("the API reference's examples", function()
  -- Runs an example with a stand-in client that keeps what it was given.
  local function run_example(op)
    local line = reference.example(op)
    local got
    local stub = setmetatable({}, { __index = function(_, name)
      return function(_, params) got = { name = name, params = params or {} } end
    end })
    local env = { client = stub, os = { getenv = function() return "secret" end } }
    local chunk, err = load(line, "=example", "t", env)
    if not chunk then return nil, err end
    local ok, run_err = pcall(chunk)
    if not ok then return nil, run_err end
    return got
  end

  it("are one line of Lua that calls their own operation", function()
    local bad = {}
    for _, op in ipairs(operations) do
      local got, err = run_example(op)
      if not got then
        bad[#bad + 1] = op.name .. ": " .. tostring(err)
      elseif got.name ~= op.name or reference.example(op):find("\n") then
        bad[#bad + 1] = op.name .. ": " .. reference.example(op)
      end
    end
    assert_none(bad, "example(s) do not run")
  end)

  it("pass the client's argument checking", function()
    local client = acrcloud.new { token = "t", base_url = "http://127.0.0.1:9/api" }
    local bad = {}
    for _, op in ipairs(operations) do
      local got = run_example(op)
      if got then
        local ok, err = pcall(client.prepare, client, op.name, got.params)
        -- A file that does not exist here is the only acceptable complaint.
        if not ok and not tostring(err):find("sample%.mp3") then
          bad[#bad + 1] = op.name .. ": " .. tostring(err)
        end
      end
    end
    client:close()
    assert_none(bad, "example(s) are refused by the client")
  end)

  it("give every required parameter", function()
    local bad = {}
    for _, op in ipairs(operations) do
      local got = run_example(op)
      for _, p in ipairs(op.params or {}) do
        if got and p.required and got.params[p.name] == nil then
          bad[#bad + 1] = op.name .. "." .. p.name
        end
      end
    end
    assert_none(bad, "required parameter(s) missing from the examples")
  end)

  it("render the same bytes twice, with the count in the header", function()
    local a, b = reference.render(), reference.render()
    assert.equal(a, b)
    assert.truthy(a:find(string.format("\n%d operations in ", #operations), 1, true))
  end)
end)

describe("scripts/api-reference.lua", function()
  local sh_quote = support.q

  -- Runs the script from another directory, so that its default path is
  -- shown to follow the script, not the current directory.
  local function run(args)
    local out, err = os.tmpname(), os.tmpname()
    local acrlua = assert(os.getenv("ACRLUA"), "ACRLUA is not set")
    if acrlua:sub(1, 1) ~= "/" then acrlua = cwd() .. "/" .. acrlua end
    local parts = { "cd /tmp &&", sh_quote(acrlua),
      sh_quote(ROOT .. "/scripts/api-reference.lua") }
    for _, a in ipairs(args) do parts[#parts + 1] = sh_quote(a) end
    local _, _, code = os.execute(table.concat(parts, " ") .. " >" .. out .. " 2>" .. err)
    local r = { code = code, out = read_file(out), err = read_file(err) }
    os.remove(out)
    os.remove(err)
    return r
  end

  local path
  before_each(function() path = os.tmpname() end)
  after_each(function()
    os.remove(path)
    os.remove(path .. ".tmp")
  end)

  it("writes the reference to -o PATH", function()
    local r = run { "-o", path }
    assert.equal(0, r.code, r.err)
    assert.equal(reference.render(), read_file(path))
    assert.matches("wrote .* %(" .. #operations .. " operations%)", r.err)
  end)

  it("prints it with -o -", function()
    local r = run { "-o", "-" }
    assert.equal(0, r.code, r.err)
    assert.equal(reference.render(), r.out)
  end)

  it("checks the repository's copy by default with --check", function()
    local r = run { "--check" }
    local current = read_file(ROOT .. "/" .. reference.PATH) == reference.render()
    assert.equal(current and 0 or 1, r.code, r.err)
  end)

  it("exits 1 with --check on a file that is not current, and leaves it alone", function()
    local f = assert(io.open(path, "wb"))
    f:write(reference.render():gsub("\n## ", "\n## Stale ", 1))
    f:close()
    local before = read_file(path)
    local r = run { "--check", "-o", path }
    assert.equal(1, r.code)
    assert.matches("is not current %(first difference at line %d+%): run", r.err)
    assert.equal(before, read_file(path))
    os.remove(path)
    r = run { "--check", "-o", path }
    assert.equal(1, r.code)
    assert.matches("is missing", r.err, 1, true)
  end)

  it("exits 2 on bad usage", function()
    assert.equal(2, run({ "--nope" }).code)
    assert.equal(2, run({ "extra" }).code)
    assert.equal(2, run({ "--check", "-o", "-" }).code)
  end)
end)
