-- The man pages and the LuaCATS annotations are generated from the endpoint
-- table (scripts/gen-docs.lua): the man pages are committed and must be
-- current; the annotations (the LuaLS addon, made at build time) must say
-- what the table says.
local acrcloud = require "acrcloud"
local docs = require "acrcloud.docs"
local shell = require "acrcloud.shell"
local annotations = require "acrcloud.annotations"

local support = dofile(debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") .. "support.lua")
local q, read_file = support.q, support.read_file
local ROOT = support.ROOT

local function committed(path) return read_file(ROOT .. "/" .. path) end

local function file(path_end)
  for _, f in ipairs(docs.files()) do
    if f.path:sub(-#path_end) == path_end then return f end
  end
  error("no generated file " .. path_end)
end

local assert_none = support.assert_none

describe("the generated docs", function()
  it("are current (run " .. docs.COMMAND .. " after changing the table)", function()
    local stale = {}
    for _, f in ipairs(docs.files()) do
      if committed(f.path) ~= f.render() then stale[#stale + 1] = f.path end
    end
    assert_none(stale, "file(s) not current: run " .. docs.COMMAND)
  end)

  it("render the same bytes twice", function()
    for _, f in ipairs(docs.files()) do assert.equal(f.render(), f.render()) end
  end)

  it("gen-docs.lua --check fails on a stale copy and writes it back", function()
    local root = os.tmpname()
    os.remove(root)
    assert(os.execute("mkdir -p " .. q(root) .. " && cp -r " .. q(ROOT .. "/lua") .. " "
      .. q(root) .. "/"))
    local man = root .. "/lua/acrcloud/doc/acr.1"
    support.write_file(man, (read_file(man):gsub("create_bucket", "make_bucket", 1)))
    local function run(args)
      return support.run_command(q(assert(os.getenv("ACRLUA"), "ACRLUA is not set")) .. " "
        .. q(ROOT .. "/scripts/gen-docs.lua") .. " --root " .. q(root) .. " " .. args)
    end
    support.check_run(run("--check"),
      { code = 1, err_has = "not current: lua/acrcloud/doc/acr.1;" })
    support.check_run(run(""), { code = 0 })
    assert.equal(file("acr.1").render(), read_file(man))
    support.check_run(run("--check"), { code = 0 })
    os.execute("rm -rf " .. q(root))
  end)
end)

describe("the man pages", function()
  it("are valid roff: groff warns about nothing", function()
    if not os.execute("command -v groff >/dev/null 2>&1") then
      return pending("groff is not installed")
    end
    for _, name in ipairs({ "acr.1", "acrlua.1" }) do
      local path = os.tmpname()
      support.write_file(path, file(name).render())
      local warnings = support.output("groff -man -Tutf8 -ww -z " .. q(path) .. " 2>&1")
      os.remove(path)
      assert.equal("", warnings, name)
    end
  end)

  it("acr.1 has every operation with its flags, the globals and the exit codes", function()
    local text = file("acr.1").render()
    local missing = {}
    for _, op in ipairs(acrcloud.operations) do
      local at = text:find("\n\\fB" .. op.name .. "\\fR", 1, true)
      if not at then
        missing[#missing + 1] = op.name
      else
        for _, p in ipairs(op.params) do
          local flag = "\\fB\\-\\-" .. shell.flag_of(p):gsub("%-", "\\-") .. "\\fR"
          if not text:find(flag, at, true) then missing[#missing + 1] = op.name .. " " .. flag end
        end
      end
    end
    for _, e in ipairs(shell.EXIT_DOC) do
      if not text:find("\n\\fB" .. e[1] .. "\\fR\n", 1, true) then
        missing[#missing + 1] = "exit " .. e[1]
      end
    end
    for _, w in ipairs(shell.WORKFLOWS) do
      if not text:find("\\fB" .. w.name:gsub("%-", "\\-") .. "\\fR", 1, true) then
        missing[#missing + 1] = w.name
      end
    end
    assert_none(missing, "thing(s) missing from acr.1")
  end)

  it("acrlua.1 names every operation and the version", function()
    local text = file("acrlua.1").render()
    assert.matches('"acrlua ' .. acrcloud.version:gsub("%p", "%%%0") .. '"', text)
    local missing = {}
    for _, op in ipairs(acrcloud.operations) do
      if not text:find(op.name, 1, true) then missing[#missing + 1] = op.name end
    end
    assert_none(missing, "operation(s) missing from acrlua.1")
  end)
end)

describe("the LuaCATS annotations", function()
  local text = annotations.library()

  it("are a ---@meta file that loads as Lua", function()
    assert.matches("^%-%-%-@meta acrcloud\n", text)
    local chunk = assert(load(text, "=acrcloud.lua", "t", {}))
    assert.equal("table", type(chunk()))
  end)

  it("type every operation's params and returns", function()
    local bad = {}
    for _, op in ipairs(acrcloud.operations) do
      local class = "---@class acrcloud.params." .. op.name .. "\n"
      local at = text:find(class, 1, true)
      if not at then
        bad[#bad + 1] = op.name .. ": no params class"
      else
        local fields = {} -- name (with ? when optional) -> the rest of the line
        local block = text:sub(at, (text:find("\n\n", at, true) or #text))
        for name, rest in block:gmatch("\n%-%-%-@field (%S+) ([^\n]*)") do fields[name] = rest end
        for _, p in ipairs(op.params) do
          local name = p.name:match("^[%a_][%w_]*$") and p.name ~= "end" and p.name
            or string.format("[%q]", p.name)
          local want = annotations.lua_type(p)
          local line = fields[name] or fields[name .. "?"]
          local optional = fields[name .. "?"] ~= nil or (line or ""):match("^%S*|nil ") ~= nil
          if not line or line:sub(1, #want) ~= want then
            bad[#bad + 1] = string.format("%s.%s: %s", op.name, p.name, tostring(line))
          elseif optional == p.required then
            bad[#bad + 1] = op.name .. "." .. p.name .. ": required is wrong"
          end
        end
      end
      local fn = text:find("\nfunction Client:" .. op.name .. "(params, options) end\n", 1, true)
      if not fn then
        bad[#bad + 1] = op.name .. ": no method"
      else
        local block = text:sub(text:find("\n\n[^\n]*\n[^\n]*\n---`", at) or at, fn)
        local ret = op.response == "raw" and "---@return string|true|nil body"
          or (op.paginated and "---@return acrcloud.Page|" or "---@return acrcloud.Body|")
        if not block:find(ret, 1, true) then bad[#bad + 1] = op.name .. ": return type" end
        if not block:find("---@return acrcloud.Response|acrcloud.Error res", 1, true) then
          bad[#bad + 1] = op.name .. ": second return"
        end
      end
    end
    assert_none(bad, "annotation problem(s)")
  end)

  it("describe only functions the module and the client have", function()
    local client = acrcloud.new { token = "t", base_url = "http://127.0.0.1:9/api" }
    local bad = {}
    for name in text:gmatch("\nfunction Client:([%w_]+)%(") do
      if type(client[name]) ~= "function" then bad[#bad + 1] = "Client:" .. name end
    end
    for name in text:gmatch("\nfunction acrcloud%.([%w_]+)%(") do
      if type(acrcloud[name]) ~= "function" then bad[#bad + 1] = "acrcloud." .. name end
    end
    client:close()
    assert_none(bad, "annotated function(s) that do not exist")
  end)

  it("come with a LuaLS addon config that names the module", function()
    local config = acrcloud.decode(annotations.config())
    assert.equal("acrcloud", config.name)
    assert.truthy(("local a = require('acrcloud')"):find(config.words[1]))
  end)
end)
