-- Many requests in flight: client:batch and client:each with concurrency,
-- against the emulator (whose delayed answers do not hold up the others), with
-- what overlapped read from the times in its request log.
local support = dofile(debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") .. "support.lua")

local TOKEN = "batch-spec-token"
local emu = support.spec_emulator(_ENV, TOKEN)
local new_client, fault = emu.new_client, emu.fault
local temp = support.temp_files()
teardown(temp.remove_all)

-- The log entries of one operation's path (all of them when nil), oldest first.
local function sent(path) return support.requests_to(emu, path) end

local function project_ids(client)
  local ids = {}
  for p in client:each("list_base_projects", {}) do ids[#ids + 1] = p.id end
  return ids
end

describe("batch", function()
  it("returns every result in the order of the calls, failures in their own slots", function()
    local client = new_client()
    local ids = project_ids(client)
    local results = client:batch{
      { "get_base_project", { id = ids[1] } },
      { "get_base_project", { id = 987654 } },
      { "list_buckets", {} },
    }
    assert.equal(3, #results)
    local body, res = table.unpack(results[1])
    assert.equal(ids[1], body.data.id)
    assert.equal(200, res.status)
    local none, err = table.unpack(results[2])
    assert.is_nil(none)
    assert.same({ "http", 404 }, { err.kind, err.status })
    assert.is_table(results[3][1].data)
  end)

  it("keeps up to `concurrency` requests in flight at once", function()
    fault{ operation = "list_buckets", delay = 0.4, count = 8 }
    local calls = {}
    for i = 1, 8 do calls[i] = { "list_buckets", {} } end
    local results = new_client():batch(calls, { concurrency = 4 })
    for i = 1, 8 do assert.is_table(results[i][1], "call " .. i) end
    local log = sent("/api/buckets")
    assert.equal(8, #log)
    table.sort(log, function(a, b) return a.received < b.received end)
    -- the first four came together, the next four only once answers came back
    assert.is_true(log[4].received - log[1].received < 0.3)
    assert.is_true(log[5].received - log[1].received >= 0.35)
  end)

  it("calls on_result as each call finishes, with its index", function()
    local seen = {}
    new_client():batch({ { "list_buckets", {} }, { "get_base_project", { id = 987654 } } },
      { on_result = function(i, body, res)
        seen[i] = { body ~= nil, res.status }
      end })
    assert.same({ { true, 200 }, { false, 404 } }, seen)
  end)

  it("stops cleanly when on_result raises: nothing left running, the client still works", function()
    fault{ operation = "list_buckets", delay = 5, count = 3 }
    local client = new_client()
    local calls = { { "list_base_projects", {} } }
    for i = 2, 4 do calls[i] = { "list_buckets", {} } end
    local started = os.time()
    local ok, err = pcall(client.batch, client, calls, { concurrency = 4,
      on_result = function() error("stop here", 0) end })
    assert.is_false(ok)
    assert.equal("stop here", err)
    assert.is_true(os.time() - started < 4, "waited for the delayed answers")
    assert.is_table((client:list_base_projects{}))
  end)

  it("raises on misuse before anything is sent, naming the entry", function()
    local client = new_client()
    local before = emu.request_count()
    assert.has_error(function()
      client:batch{ { "list_buckets", {} }, { "get_base_project", { id = 1, nope = 2 } } }
    end, "batch: entry 2: get_base_project: unknown parameter 'nope'")
    assert.has_error(function() client:batch{ { "no_such_operation", {} } } end,
      "batch: entry 1: unknown operation 'no_such_operation'")
    assert.has_error(function() client:batch({ { "list_buckets" } }, { concurrency = 0 }) end,
      "batch: option 'concurrency' must be a whole number >= 1")
    assert.has_error(function() client:batch{ { "list_buckets", {}, { raw = "yes" } } } end,
      "batch: entry 1: list_buckets: option 'raw' must be a boolean")
    assert.equal(before + 1, emu.request_count()) -- only the count itself
  end)

  it("never sends a POST twice when its connection drops", function()
    fault{ operation = "create_bd_project", drop = true }
    local results = new_client():batch{
      { "create_bd_project", { name = "a", region = "eu-west-1", buckets = { 23 } } },
      { "list_buckets", {} },
    }
    local _, err = table.unpack(results[1])
    assert.same({ "network", true, 1 }, { err.kind, err.sent, err.attempts })
    assert.equal(1, #sent("/api/bm-bd-projects"))
    assert.is_table(results[2][1])
  end)

  it("retries a call without holding up the others", function()
    fault{ operation = "list_buckets", status = 503, count = 1 }
    local results = new_client():batch{ { "list_buckets", {} }, { "list_base_projects", {} } }
    assert.equal(2, results[1][2].attempts)
    assert.equal(1, results[2][2].attempts)
  end)

  it("waits, without spinning, for a slot for a retry that is due", function()
    -- concurrency 1: the retry of the first call is due while the second
    -- call holds the only slot for 2 s
    fault{ operation = "list_buckets", status = 503, count = 1 }
    fault{ operation = "get_base_project", delay = 2, count = 1 }
    local cpu = os.clock()
    local results = new_client():batch({ { "list_buckets", {} },
      { "get_base_project", { id = 15 } } }, { concurrency = 1 })
    cpu = os.clock() - cpu
    assert.same({ 2, 200 }, { results[1][2].attempts, results[2][2].status })
    assert.is_true(cpu < 0.5, string.format("%.2f s of CPU for 2 s of waiting", cpu))
  end)

  it("takes per-call options: raw answers, output files, uploads", function()
    local client = new_client()
    local out = temp.name()
    os.remove(out)
    local song = temp.file(string.rep("\0\1", 512))
    local results = client:batch{
      { "list_buckets", {}, { raw = true } },
      { "get_stream_recording", { pid = 17913, stream_id = "s-XXXXXX", played_duration = 10,
        timestamp_utc = os.date("!%Y%m%d%H%M%S", os.time() - 3600), output = out } },
      { "upload_audio_file", { bucket_id = 8881, data_type = "audio", file = song,
        title = "In a batch" } },
    }
    assert.matches('^{"data":', results[1][1])
    assert.is_true(results[2][1])
    assert.is_true(#support.read_file(out) > 44)
    assert.equal("In a batch", results[3][1].data.title)
  end)

  it("stops every transfer on an interrupt", function()
    fault{ operation = "list_buckets", delay = 30, count = 4 }
    assert.equal("stopped at once", support.interrupt_outcome(TOKEN, emu.url, [[
local calls = {}
for i = 1, 4 do calls[i] = { "list_buckets", {} } end
client:batch(calls)
]]))
  end)
end)

describe("each with concurrency", function()
  local function seed_projects(client, n)
    local calls = {}
    for i = 1, n do
      calls[i] = { "create_base_project", { name = "many-" .. i, region = "eu-west-1",
        type = "AVR", buckets = { 8881 }, audio_type = "linein", external_ids = {} } }
    end
    for i, r in ipairs(client:batch(calls)) do assert(r[1], "project " .. i) end
  end

  it("yields every item in page order, holding at most N pages ahead", function()
    local client = new_client()
    seed_projects(client, 30)
    local expected = {}
    for p in client:each("list_base_projects", { per_page = 3 }) do
      expected[#expected + 1] = p.id
    end
    local before = #sent("/api/base-projects")
    local got, pages_asked = {}, {}
    for p in client:each("list_base_projects", { per_page = 3 }, { concurrency = 3 }) do
      got[#got + 1] = p.id
      if #got % 3 == 1 then
        -- the first item of a page: at most 3 pages beyond it were asked for
        pages_asked[#pages_asked + 1] = #sent("/api/base-projects") - before
      end
    end
    assert.same(expected, got)
    for page, asked in ipairs(pages_asked) do
      assert.is_true(asked <= page + 3, "page " .. page .. ": " .. asked .. " asked")
    end
  end)

  it("raises a failing page's error with the page it happened on", function()
    local client = new_client()
    seed_projects(client, 12)
    fault{ path = "/base-projects", status = 500, count = 20 }
    local ok, err = pcall(function()
      for _ in client:each("list_base_projects", { per_page = 3 }, { concurrency = 2,
        retries = 0 }) do end
    end)
    assert.is_false(ok)
    assert.same({ 500, 1 }, { err.status, err.page })
  end)

  it("raises a real error object for an answer without a data list", function()
    fault{ operation = "list_bd_projects", status = 200, body = { nothing = true } }
    local ok, err = pcall(function()
      for _ in new_client():each("list_bd_projects", {}) do end
    end)
    assert.is_false(ok)
    assert.same({ "response", 200, 1, "GET" }, { err.kind, err.status, err.page, err.method })
    assert.matches("/api/bm%-bd%-projects%?page=1$", err.url)
    assert.matches("without a data list", tostring(err))
  end)

  it("leaves nothing running when the loop is left early", function()
    local client = new_client()
    seed_projects(client, 12)
    local n = 0
    for _ in client:each("list_base_projects", { per_page = 2 }, { concurrency = 4 }) do
      n = n + 1
      if n == 3 then break end -- on page 2, with pages 3 to 5 asked for
    end
    assert.is_table((client:list_buckets{}))
  end)
end)
