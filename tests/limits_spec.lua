-- What a client refuses before sending anything (options that would leak
-- the token or misroute it, oversized parameters) and what it refuses to
-- hold (answers past a cap), against the emulator and a plain socket server.
local acrcloud = require "acrcloud"
local support = dofile(debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") .. "support.lua")

local TOKEN = "limits-spec-token"
local emu = support.emulator(TOKEN)
local new_client = emu.new_client

emu.hook(_ENV)

local function refusal(opts)
  local ok, msg = pcall(acrcloud.new, opts)
  assert.is_false(ok, "accepted")
  return msg
end

describe("acrcloud.new refuses", function()
  it("an empty base_url, token or user_agent, naming it", function()
    assert.matches("option 'base_url' is empty", refusal{ token = "t", base_url = "" })
    assert.matches("option 'token' is empty", refusal{ token = "" })
    assert.matches("option 'user_agent' is empty", refusal{ token = "t", user_agent = "" })
  end)

  it("a NUL byte in the token, the base URL or the user agent", function()
    local msg = refusal{ token = "secret\0tail" }
    assert.matches("option 'token' holds a NUL byte", msg)
    assert.is_nil(msg:find("secret", 1, true))
    assert.matches("option 'base_url' holds a NUL",
      refusal{ token = "t", base_url = "http://127.0.0.1/api\0x" })
    assert.matches("option 'user_agent' holds a NUL", refusal{ token = "t", user_agent = "a\0b" })
  end)

  it("schemes other than http and https, and URLs without a host", function()
    assert.matches("base_url must be an http:// or https:// URL",
      refusal{ token = "t", base_url = "ftp://example.com/api" })
    assert.matches("base_url must be an http:// or https:// URL",
      refusal{ token = "t", base_url = "https:///api" })
  end)

  it("plain http to a host that is not this machine, unless allow_http", function()
    local msg = refusal{ token = "t", base_url = "http://api.example.com/api" }
    assert.matches("plain http:// to a host that is not this machine", msg)
    assert.matches("allow_http = true", msg)
    local c = acrcloud.new{ token = "t", base_url = "http://api.example.com/api",
      allow_http = true }
    c:close()
    for _, url in ipairs{ "http://127.0.0.1:1/api", "http://localhost/api", "http://[::1]:8/api",
      "http://127.1.2.3/api" } do
      acrcloud.new{ token = "t", base_url = url }:close()
    end
    assert.matches("a host '.*' is plain http://",
      refusal{ token = "t", hosts = { ["https://us-api-v2.acrcloud.com/api"] = "http://x.test/" } })
  end)

  it("and never shows a password in a URL, there or in tostring(client)", function()
    local msg = refusal{ token = "t", base_url = "http://user:hunter2@api.example.com/api" }
    assert.is_nil(msg:find("hunter2", 1, true))
    local c = acrcloud.new{ token = "t", base_url = "http://user:hunter2@127.0.0.1:1/api" }
    assert.is_nil(tostring(c):find("hunter2", 1, true))
    local described = c:prepare("list_buckets", {})
    assert.is_nil(described.url:find("hunter2", 1, true))
    c:close()
    -- a password holding an '@': hidden up to the last one
    local msg2 = refusal{ token = "t", base_url = "http://user:hun@ter2@api.example.com/api" }
    assert.is_nil(msg2:find("ter2", 1, true))
    assert.matches("'http://%*%*%*@api%.example%.com/api'", msg2)
  end)

  it("byte caps that are not whole numbers >= 1", function()
    assert.matches("option 'max_body' must be a whole number of bytes",
      refusal{ token = "t", max_body = 0 })
    assert.has_error(function() new_client():list_buckets({}, { max_body = 1.5 }) end,
      "list_buckets: option 'max_body' must be a whole number of bytes >= 1")
  end)
end)

describe("a parameter too long for a URL", function()
  it("is an error naming it, before anything is sent", function()
    local before = emu.request_count()
    assert.has_error(function()
      new_client():get_base_project{ id = string.rep("9", 1024 * 1024) }
    end, "get_base_project: parameter 'id' is too long for a URL (8192 bytes at most)")
    assert.equal(before + 1, emu.request_count())
  end)
end)

describe("an answer past a cap", function()
  it("stops the transfer and returns an error giving the cap (client and call)", function()
    local body, err = new_client{ max_body = 100 }:list_base_projects{}
    assert.is_nil(body)
    assert.equal("too_large", err.kind)
    assert.matches("larger than max_body = 100 bytes", err.message)
    local _, err2 = new_client():list_base_projects({}, { max_body = 50, raw = true })
    assert.matches("max_body = 50 bytes", err2.message)
    assert.is_table((new_client():list_base_projects({}, { max_body = 1024 * 1024 })))
  end)

  it("written to a file has its own cap, and leaves no file behind", function()
    local path = os.tmpname()
    os.remove(path)
    local params = { pid = 17913, stream_id = "s-XXXXXX", played_duration = 10,
      timestamp_utc = os.date("!%Y%m%d%H%M%S", os.time() - 3600), output = path }
    local ok, err = new_client():get_stream_recording(params, { max_output = 16 })
    assert.is_nil(ok)
    assert.equal("too_large", err.kind)
    assert.matches("max_output = 16 bytes", err.message)
    assert.is_nil(io.open(path, "rb"))
    assert.is_nil(io.open(path .. ".part", "rb"))
    assert.is_true((new_client{ max_body = 16 }:get_stream_recording(params)))
    os.remove(path)
  end)

  -- raw_server (tests/raw_server.c) started for one kind of answer; returns
  -- a client for it and a function that stops it.
  local function raw_server(kind, bytes)
    local exe = assert(os.getenv("ACRLUA_RAW_SERVER"), "ACRLUA_RAW_SERVER is not set")
    local out = os.tmpname()
    os.execute(string.format("%q %s %d >%q 2>/dev/null & echo $! >%q.pid", exe, kind, bytes,
      out, out))
    local port
    for _ = 1, 100 do
      local f = io.open(out, "rb")
      port = f and tonumber(f:read("l") or "")
      if f then f:close() end
      if port then break end
      os.execute("sleep 0.05")
    end
    local pid = support.read_file(out .. ".pid"):match("%d+")
    local function stop()
      os.execute("kill " .. pid .. " 2>/dev/null")
      os.remove(out)
      os.remove(out .. ".pid")
    end
    return acrcloud.new{ token = "t", base_url = "http://127.0.0.1:" .. assert(port) .. "/api",
      retries = 0 }, stop
  end

  it("with a header line of a megabyte is an error, not a raise", function()
    local client, stop = raw_server("headers", 1024 * 1024)
    local body, err = client:list_buckets{}
    stop()
    assert.is_nil(body)
    assert.equal("too_large", err.kind)
    assert.matches("headers are larger than 262144 bytes, or one of their lines than 102400",
      err.message)
  end)

  it("of 300 MB is refused at the default cap without holding it", function()
    local client, stop = raw_server("body", 300 * 1024 * 1024)
    local body, err = client:list_buckets({}, { raw = true })
    stop()
    assert.is_nil(body)
    assert.equal("too_large", err.kind)
    assert.matches("larger than max_body = 67108864 bytes", err.message)
    -- the process never held much more than the cap
    local status = support.read_file("/proc/self/status") or ""
    local peak_kb = tonumber(status:match("VmHWM:%s*(%d+)")) or 0
    assert.is_true(peak_kb < 200 * 1024, "peak " .. peak_kb .. " kB")
  end)
end)
