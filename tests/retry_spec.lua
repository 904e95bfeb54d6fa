-- Automatic retries against the emulator's faults: which answers and
-- failures are retried, how often, when (backoff and Retry-After, measured
-- from the times in the emulator's request log), what a caller sees of it
-- (attempts, headers, rate limits), and the opt-ins and opt-outs.
local support = dofile(debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") .. "support.lua")

local TOKEN = "retry-spec-token"
local emu = support.spec_emulator(_ENV, TOKEN)
local new_client, fault = emu.new_client, emu.fault

-- The log entries of one operation's path, oldest first.
local function sent(path) return support.requests_to(emu, path) end

local function gaps(entries)
  local out = {}
  for i = 2, #entries do out[i - 1] = entries[i].received - entries[i - 1].received end
  return out
end

local closed_port = support.closed_port

describe("a retryable answer", function()
  for _, status in ipairs{ 429, 500, 502, 503, 504 } do
    it("(" .. status .. ") is sent again, and the call succeeds once the server does", function()
      fault{ operation = "list_base_projects", status = status, count = 2 }
      local body, res = new_client():list_base_projects{}
      assert.is_table(body)
      assert.equal(3, res.attempts)
      assert.equal(3, #sent("/api/base-projects"))
    end)
  end

  it("gives up after the retries, returning the last error with its attempts", function()
    fault{ operation = "list_base_projects", status = 503, count = 5 }
    local body, err = new_client():list_base_projects{}
    assert.is_nil(body)
    assert.same({ "http", 503, 3 }, { err.kind, err.status, err.attempts })
    assert.equal(3, #sent("/api/base-projects"))
  end)

  it("waits about 0.5 s, then about 1 s, between attempts", function()
    fault{ operation = "list_base_projects", status = 500, count = 2 }
    assert(new_client():list_base_projects{})
    local g = gaps(sent("/api/base-projects"))
    assert.equal(2, #g)
    assert.is_true(g[1] >= 0.35 and g[1] <= 0.9, "first wait " .. g[1])
    assert.is_true(g[2] >= 0.7 and g[2] <= 1.6, "second wait " .. g[2])
  end)
end)

describe("retries", function()
  it("can be turned off per client and per call", function()
    fault{ operation = "list_base_projects", status = 503, count = 2 }
    local _, err = new_client{ retries = 0 }:list_base_projects{}
    assert.same({ 503, 1 }, { err.status, err.attempts })
    local _, err2 = new_client():list_base_projects({}, { retries = 0 })
    assert.same({ 503, 1 }, { err2.status, err2.attempts })
    assert.equal(2, #sent("/api/base-projects"))
  end)

  it("can be raised per call", function()
    fault{ operation = "list_base_projects", status = 503, count = 3 }
    local body, res = new_client{ retries = 0 }:list_base_projects({}, { retries = 3 })
    assert.is_table(body)
    assert.equal(4, res.attempts)
  end)

  for _, status in ipairs{ 400, 401, 403, 404, 422 } do
    it("never resend a " .. status, function()
      fault{ operation = "list_base_projects", status = status, count = 3 }
      local _, err = new_client():list_base_projects{}
      assert.same({ status, 1 }, { err.status, err.attempts })
      assert.equal(1, #sent("/api/base-projects"))
    end)
  end

  it("call on_retry with the attempt, the error and the delay", function()
    fault{ operation = "list_base_projects", status = 502, count = 1 }
    local seen = {}
    local client = new_client{ on_retry = function(attempt, err, delay)
      seen[#seen + 1] = { attempt, err.status, delay }
    end }
    assert(client:list_base_projects{})
    assert.equal(1, #seen)
    assert.same({ 1, 502 }, { seen[1][1], seen[1][2] })
    assert.is_true(seen[1][3] > 0 and seen[1][3] < 1)
  end)

  it("refuse bad settings, naming them", function()
    assert.has_error(function() new_client{ retries = -1 } end,
      "acrcloud.new: option 'retries' must be a whole number >= 0")
    assert.has_error(function() new_client():list_base_projects({}, { retries = 1.5 }) end,
      "list_base_projects: option 'retries' must be a whole number >= 0")
    assert.has_error(function() new_client{ on_retry = true } end,
      "acrcloud.new: option 'on_retry' must be a function")
  end)
end)

describe("Retry-After", function()
  -- The status, the header (made when the test runs) and the bounds of the
  -- wait between the two attempts.
  local waits = {
    { "in seconds is waited for", 429, function() return "1" end, 0.95, 2 },
    -- the date has a resolution of a second
    { "as an HTTP date is waited for", 503,
      function() return os.date("!%a, %d %b %Y %H:%M:%S GMT", os.time() + 2) end, 0.9, 3.2 },
  }
  for _, case in ipairs(waits) do
    local name, status, header, low, high = table.unpack(case)
    it(name, function()
      fault{ operation = "list_base_projects", status = status,
        headers = { ["Retry-After"] = header() } }
      local _, res = assert(new_client():list_base_projects{})
      assert.equal(2, res.attempts)
      local g = gaps(sent("/api/base-projects"))
      assert.is_true(g[1] >= low and g[1] < high, "waited " .. g[1])
    end)
  end

  it("beyond 60 s is not waited for: the error says how long", function()
    fault{ operation = "list_base_projects", status = 429, headers = { ["Retry-After"] = "120" } }
    local _, err = new_client():list_base_projects{}
    assert.same({ 429, 1, 120 }, { err.status, err.attempts, err.retry_after })
    assert.equal("120", err.headers["retry-after"])
  end)
end)

describe("what a caller sees", function()
  it("an HTTP error keeps the response headers", function()
    fault{ operation = "list_base_projects", status = 404, headers = { ["X-Trace"] = "abc" } }
    local _, err = new_client():list_base_projects{}
    assert.equal("abc", err.headers["x-trace"])
  end)

  it("rate limits from X-RateLimit-* and the legacy X-Rate-Limit-* headers", function()
    fault{ operation = "list_base_projects", status = 200, body = { data = {} },
      headers = { ["X-RateLimit-Limit"] = "100", ["X-RateLimit-Remaining"] = "7",
        ["X-RateLimit-Reset"] = "1700000000" } }
    local _, res = assert(new_client():list_base_projects{})
    assert.same({ limit = 100, remaining = 7, reset = 1700000000 }, res.rate_limit)
    fault{ operation = "list_base_projects", status = 422,
      headers = { ["X-Rate-Limit-Limit"] = "10", ["X-Rate-Limit-Remaining"] = "0" } }
    local _, err = new_client():list_base_projects{}
    assert.same({ limit = 10, remaining = 0 }, err.rate_limit)
  end)

  it("no rate limit when the server sends none", function()
    local _, res = assert(new_client():list_base_projects{})
    assert.is_nil(res.rate_limit)
    assert.equal(1, res.attempts)
  end)
end)

describe("a request that may not run twice", function()
  local function create(client, opts)
    return client:create_bd_project({ name = "once", region = "eu-west-1", buckets = { 23 } },
      opts)
  end

  it("(POST) is not resent after a 503", function()
    fault{ operation = "create_bd_project", status = 503 }
    local _, err = create(new_client())
    assert.same({ 503, 1 }, { err.status, err.attempts })
    assert.equal(1, #sent("/api/bm-bd-projects"))
  end)

  it("(POST) is resent after a 429: the server refused it without acting on it", function()
    fault{ operation = "create_bd_project", status = 429, headers = { ["Retry-After"] = "0" } }
    local body, res = create(new_client())
    assert.is_table(body)
    assert.equal(2, res.attempts)
    assert.equal(2, #sent("/api/bm-bd-projects"))
  end)

  it("(POST) is not resent after its connection dropped, and is sent once", function()
    fault{ operation = "create_bd_project", drop = true }
    local _, err = create(new_client())
    assert.same({ "network", true, 1 }, { err.kind, err.sent, err.attempts })
    assert.equal(1, #sent("/api/bm-bd-projects"))
  end)

  it("(POST) is resent when the caller says it is idempotent", function()
    fault{ operation = "create_bd_project", status = 503 }
    local body, res = create(new_client(), { idempotent = true })
    assert.is_table(body)
    assert.equal(2, res.attempts)
  end)

  it("(POST) gets a connection of its own, closed after it: none piles up", function()
    local function open_fds()
      local p = io.popen("ls /proc/" .. require("acrcloud.process").getpid() .. "/fd | wc -l")
      local n = tonumber(p:read("a"))
      p:close()
      return n
    end
    local client = new_client()
    assert(client:list_buckets{}) -- a kept connection, for the GETs
    local before = open_fds()
    for i = 1, 30 do
      assert(client:create_bd_project{ name = "p" .. i, region = "eu-west-1", buckets = { 23 } })
    end
    assert(client:list_buckets{})
    assert.is_true(open_fds() - before <= 2, "open files: " .. before .. " then " .. open_fds())
    local conns = {}
    for _, r in ipairs(sent("/api/bm-bd-projects")) do conns[r.connection] = true end
    local n = 0
    for _ in pairs(conns) do n = n + 1 end
    assert.equal(30, n)
  end)

  it("(POST) is resent when it provably never left: a refused connection", function()
    local client = new_client{ base_url = "http://127.0.0.1:" .. closed_port() .. "/api" }
    local _, err = create(client)
    assert.same({ "network", false, 3 }, { err.kind, err.sent, err.attempts })
  end)
end)

describe("max_per_second", function()
  it("spaces requests to the rate, single calls and batches alike", function()
    local client = new_client{ max_per_second = 4 }
    for _ = 1, 6 do assert(client:list_base_projects{}) end
    local calls = {}
    for i = 1, 4 do calls[i] = { "list_base_projects", {} } end
    for _, r in ipairs(client:batch(calls)) do assert(r[1]) end
    local log = sent("/api/base-projects")
    assert.equal(10, #log)
    -- a burst of 4, then one every 0.25 s: 6 more take at least 1.5 s
    local span = log[10].received - log[1].received
    assert.is_true(span >= 1.4, "10 requests in " .. span .. " s")
  end)
end)

describe("an interrupt", function()
  it("during the wait before a retry ends the call at once", function()
    fault{ operation = "list_base_projects", status = 429, headers = { ["Retry-After"] = "30" } }
    -- acrlua stops the script as lua does on ^C; the 30 s wait is cut short
    assert.equal("stopped at once", support.interrupt_outcome(TOKEN, emu.url,
      "client:list_base_projects{}"))
  end)
end)
