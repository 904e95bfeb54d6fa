-- The C modules as shared objects: acrcloud.so (the client, acrcloud.process,
-- acrcloud.tz) does not link libmicrohttpd; the HTTP server is
-- acrcloud/httpd.so, loaded only by those who require it. And the pieces
-- of acrcloud.httpd and acrcloud.process that the server loops rely on.
local httpd = require "acrcloud.httpd"
local process = require "acrcloud.process"
local support = dofile(debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") .. "support.lua")

local q = support.q
local MODULE_DIR = os.getenv("ACRLUA_MODULE_DIR") or "build"
local ACRLUA = os.getenv("ACRLUA") or "build/acrlua"

local function run(cmd)
  local p = assert(io.popen(cmd .. " 2>&1"))
  local out = p:read("a")
  local ok, _, code = p:close()
  return out, ok and 0 or code
end

local function needed(path)
  local out = run("readelf -d " .. q(path))
  local libs = {}
  for lib in out:gmatch("%(NEEDED%)%s+Shared library: %[([^%]]+)%]") do libs[#libs + 1] = lib end
  return table.concat(libs, " ")
end

-- The sanitizer build's modules need the ASan runtime loaded first, which
-- plain lua5.4 does not do: those checks are for the normal build.
local SANITIZED = needed(MODULE_DIR .. "/acrcloud.so"):find("libasan", 1, true) ~= nil

-- Runs `code` in plain lua5.4 with the build tree's modules (no preload).
local function lua54(code)
  local setup = string.format("package.cpath = %q .. '/?.so;' .. package.cpath; ", MODULE_DIR)
  return run("lua5.4 -e " .. q(setup .. code))
end

local MAPS = [[
local function mapped(name)
  for line in io.lines("/proc/self/maps") do
    if line:find(name, 1, true) then return true end
  end
  return false
end
]]

describe("the shared objects", function()
  it("acrcloud.so links libcurl, not libmicrohttpd", function()
    local libs = needed(MODULE_DIR .. "/acrcloud.so")
    assert.matches("libcurl", libs)
    assert.is_nil(libs:find("microhttpd", 1, true), libs)
  end)

  it("acrcloud/httpd.so links libmicrohttpd, not libcurl", function()
    local libs = needed(MODULE_DIR .. "/acrcloud/httpd.so")
    assert.matches("libmicrohttpd", libs)
    assert.is_nil(libs:find("libcurl", 1, true), libs)
  end)

  it("a program that requires only acrcloud never maps libmicrohttpd", function()
    if SANITIZED then return pending("sanitizer build: plain lua5.4 cannot load its modules") end
    local out, code = lua54(MAPS .. [[
      local a = require "acrcloud"
      local p = require "acrcloud.process"
      local tz = require "acrcloud.tz"
      assert(type(a.new) == "function" and p.getpid() > 0 and tz.check("UTC"))
      io.write(tostring(mapped("libmicrohttpd")), " ", tostring(mapped("libcurl")))]])
    assert.are.equal(0, code, out)
    assert.are.equal("false true", out)
  end)

  it("require 'acrcloud.httpd' loads acrcloud/httpd.so and its library", function()
    if SANITIZED then return pending("sanitizer build: plain lua5.4 cannot load its modules") end
    local out, code = lua54(MAPS .. [[
      local h = require "acrcloud.httpd"
      local s = h.listen{ port = 0 }
      local port = s:port()
      s:close()
      io.write(tostring(port > 0), " ", tostring(mapped("libmicrohttpd")), " ",
        tostring(mapped("acrcloud/httpd.so")), " ", tostring(mapped("libcurl")))]])
    assert.are.equal(0, code, out)
    assert.are.equal("true true true false", out)
  end)

  it("acrcloud.httpd no longer carries the process helpers", function()
    assert.is_nil(httpd.now)
    assert.is_nil(httpd.kill)
    assert.is_function(process.now)
    assert.is_function(process.kill)
  end)

  it("acrcloud.process.quote makes one sh word of anything, quotes included", function()
    for _, s in ipairs{ "", "plain", "it's", "a b;$(c) `d` \"e\"", "''", 12 } do
      local p = assert(io.popen("printf %s " .. process.quote(s)))
      assert.equal(tostring(s), p:read("a"))
      p:close()
    end
  end)
end)

describe("httpd.listen's options", function()
  it("rejects an unknown option by name", function()
    local ok, err = pcall(httpd.listen, { port = 0, max_bodies = 1 })
    assert.is_false(ok)
    assert.matches("unknown option 'max_bodies'", err)
  end)

  it("rejects a limit out of range, naming it", function()
    local ok, err = pcall(httpd.listen, { port = 0, max_connections = 0 })
    assert.is_false(ok)
    assert.matches("max_connections must be an integer from 1", err)
    ok, err = pcall(httpd.listen, { port = 0, idle_timeout = "soon" })
    assert.is_false(ok)
    assert.matches("idle_timeout", err)
  end)

  it("answers 413 above its own max_body and takes a body at the limit", function()
    local s = httpd.listen { port = 0, max_body = 100 }
    local url = "http://127.0.0.1:" .. s:port() .. "/x"
    -- curl runs in the background while this loop serves it.
    local function post(n)
      local f, out = os.tmpname(), os.tmpname()
      support.write_file(f, string.rep("a", n))
      os.execute("(curl -s -o /dev/null -w '%{http_code}' --max-time 5 --data-binary @"
        .. q(f) .. " " .. q(url) .. " > " .. q(out .. ".part") .. "; mv " .. q(out .. ".part")
        .. " " .. q(out) .. ") &")
      local deadline = process.now() + 5
      local got, code
      while not code and process.now() < deadline do
        for _, req in ipairs(s:poll(0.02)) do
          got = req
          s:respond(req.id, 200, {}, "ok")
        end
        local text = support.read_file(out)
        if text and text ~= "" then code = tonumber(text) end
      end
      os.remove(f)
      os.remove(out)
      return code, got
    end
    local code, req = post(100)
    assert.are.equal(200, code)
    assert.are.equal(100, #req.body)
    code, req = post(101)
    assert.are.equal(413, code)
    assert.is_nil(req)
    s:close()
  end)

  it("reports its connections in stats()", function()
    local s = httpd.listen { port = 0 }
    local st = s:stats()
    assert.are.same({ connections = 0, peak = 0, requests = 0, answering = 0, evicted = 0,
      timed_out = 0, buffered = 0 }, st)
    s:close()
  end)
end)

describe("process.trap", function()
  it("turns SIGTERM into a flag that caught() reports", function()
    local out, code = run(q(ACRLUA) .. " -e " .. q([[
      local p = require "acrcloud.process"
      assert(p.caught() == nil)
      p.trap{ "INT", "TERM" }
      p.kill(p.getpid(), "TERM")
      io.write(tostring(p.caught()))]]))
    assert.are.equal(0, code, out)
    assert.are.equal("TERM", out)
  end)

  it("keeps the first signal caught", function()
    local out = run(q(ACRLUA) .. " -e " .. q([[
      local p = require "acrcloud.process"
      p.trap{ "INT", "TERM" }
      p.kill(p.getpid(), "INT")
      p.kill(p.getpid(), "TERM")
      io.write(tostring(p.caught()))]]))
    assert.are.equal("INT", out)
  end)

  it("refuses a signal it cannot trap", function()
    local ok, err = pcall(process.trap, { "KILL" })
    assert.is_false(ok)
    assert.matches("cannot trap signal 'KILL'", err)
  end)
end)
