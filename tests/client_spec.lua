-- The client against the emulator on loopback: every spec endpoint (what
-- went on the wire, what came back), argument checking, each error kind,
-- encoding rules, pagination, closing.
local acrcloud = require "acrcloud"
local support = dofile(debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") .. "support.lua")

local TOKEN = "client-spec-token"
local emu = support.spec_emulator(_ENV, TOKEN)
local new_client, fault = emu.new_client, emu.fault
local decoded_body = support.wire_body

-- The newest request in the emulator's own record that is not to one of
-- its /_emulator/ paths.
local function last_request()
  local log = emu.requests()
  for i = #log, 1, -1 do
    local r = log[i]
    if not r.path:find("/_emulator/", 1, true) then return r end
  end
end

local closed_port = support.closed_port

describe("the module", function()
  it("describes every endpoint once in acrcloud.operations", function()
    assert.equal(97, #acrcloud.operations)
    local names = {}
    for _, op in ipairs(acrcloud.operations) do
      assert.is_nil(names[op.name], op.name)
      names[op.name] = true
      -- verb_noun; `identify` (the Identification API) is its own verb
      if op.name ~= "identify" then assert.matches("^[a-z]+_[a-z_]+$", op.name) end
      assert.matches("^/", op.path)
      assert.is_table(op.params)
    end
    for _, spec_op in ipairs{ "create_base_project", "list_base_projects", "get_base_project",
      "update_base_project", "delete_base_project", "get_base_project_buckets_status",
      "get_base_project_day_stat", "create_bd_project", "update_bd_project", "delete_bd_project",
      "list_bd_projects", "set_bd_project_result_callback", "set_bd_project_state_notification",
      "add_stream_user_reports" } do
      assert.truthy(names[spec_op], spec_op)
    end
  end)

  it("gives each parameter its location, type and whether it is required", function()
    for _, op in ipairs(acrcloud.operations) do
      if op.name == "add_stream_user_reports" then
        local p = {}
        for _, param in ipairs(op.params) do p[param.name] = param end
        assert.same({ "path", "integer|string", true },
          { p.pid.location, p.pid.type, p.pid.required })
        assert.same({ "body", "array", true }, { p.data.location, p.data.type, p.data.required })
      end
    end
  end)

  it("has a method on the client for each operation", function()
    local client = new_client()
    for _, op in ipairs(acrcloud.operations) do
      assert.is_function(client[op.name], op.name)
    end
  end)
end)

describe("base projects", function()
  local client
  support.each_client(_ENV, emu, function(c) client = c end)

  local function create(name)
    return assert(client:create_base_project{
      name = name or "jingles", region = "eu-west-1", type = "AVR", buckets = { 8881, 8883 },
      audio_type = "linein", external_ids = { "spotify", "isrc" },
    })
  end

  it("create sends a JSON body and returns the project with an integer id", function()
    local body, res = create()
    local wire = last_request()
    assert.equal("POST", wire.method)
    assert.equal("/api/base-projects", wire.path)
    assert.same({ name = "jingles", region = "eu-west-1", type = "AVR", buckets = { 8881, 8883 },
      audio_type = "linein", external_ids = { "spotify", "isrc" } }, decoded_body(wire))
    assert.equal("application/json", wire.headers["content-type"])
    assert.equal("application/json", wire.headers["accept"])
    assert.equal("integer", math.type(body.data.id))
    assert.equal("jingles", body.data.name)
    assert.equal(8881, body.data.buckets[1].id)
    assert.is_true(res.status == 200 or res.status == 201)
  end)

  it("get returns what create made", function()
    local id = create().data.id
    local body = assert(client:get_base_project{ id = id })
    assert.equal("GET", last_request().method)
    assert.equal("/api/base-projects/" .. id, last_request().path)
    assert.equal(id, body.data.id)
    assert.equal("linein", body.data.audio_type)
  end)

  it("list sends its filters as a query and returns data, links and meta", function()
    local seeded = assert(client:list_base_projects{ region = "eu-west-1", type = "AVR" })
    create("a")
    create("b")
    local total = seeded.meta.total + 2
    local body = assert(client:list_base_projects{ region = "eu-west-1", type = "AVR",
      page = 1, per_page = 1 })
    assert.same({ "/api/base-projects", {} },
      support.sent(last_request(), { "region=eu-west-1", "type=AVR", "page=1", "per_page=1" }))
    assert.equal(1, #body.data)
    assert.equal(total, body.meta.total)
    assert.equal(total, body.meta.last_page)
    assert.is_string(body.links.next)
  end)

  it("update sends the changed fields with PUT", function()
    local id = create().data.id
    local body = assert(client:update_base_project{ id = id, name = "renamed",
      audio_type = "recorded" })
    local wire = last_request()
    assert.equal("PUT", wire.method)
    assert.same({ name = "renamed", audio_type = "recorded" }, decoded_body(wire))
    assert.equal("renamed", body.data.name)
    assert.equal("renamed", assert(client:get_base_project{ id = id }).data.name)
  end)

  it("delete removes the project", function()
    local id = create().data.id
    assert.truthy(client:delete_base_project{ id = id })
    assert.equal("DELETE", last_request().method)
    local body, err = client:get_base_project{ id = id }
    assert.is_nil(body)
    assert.equal(404, err.status)
  end)

  it("buckets-status answers per bucket type", function()
    local id = create().data.id
    local body = assert(client:get_base_project_buckets_status{ id = id })
    assert.equal("/api/base-projects/" .. id .. "/buckets-status", last_request().path)
    assert.is_table(body.File)
    assert.equal(1, body.File[1].nodes.status)
  end)

  it("buckets-status goes to its own host only with the default base URL", function()
    local default = acrcloud.new{ token = "t", base_url = nil }
    local custom = new_client()
    local req = default:prepare("get_base_project_buckets_status", { id = 15 })
    assert.equal("https://us-api-v2.acrcloud.com/api/base-projects/15/buckets-status", req.url)
    assert.equal("https://api-v2.acrcloud.com/api/base-projects/15",
      default:prepare("get_base_project", { id = 15 }).url)
    assert.equal(emu.url .. "/base-projects/15/buckets-status",
      custom:prepare("get_base_project_buckets_status", { id = 15 }).url)
  end)

  it("day-stat sends start and end and returns one row per day", function()
    local id = create().data.id
    local body = assert(client:get_base_project_day_stat{ id = id, start = "2021-04-09",
      ["end"] = "2021-04-11" })
    local wire = last_request()
    assert.equal("/api/base-projects/" .. id .. "/day-stat", wire.path)
    assert.truthy(wire.query:find("start=2021-04-09", 1, true))
    assert.truthy(wire.query:find("end=2021-04-11", 1, true))
    assert.equal(3, #body.data)
  end)
end)

describe("Broadcast Database projects", function()
  local client
  support.each_client(_ENV, emu, function(c) client = c end)

  local function create()
    return assert(client:create_bd_project{ name = "radio", region = "eu-west-1",
      buckets = { 23 } }).data
  end

  it("create, list, update and delete round-trip", function()
    local seeded = assert(client:list_bd_projects{}).meta.total
    local project = create()
    assert.same({ name = "radio", region = "eu-west-1", buckets = { 23 } },
      decoded_body(last_request()))
    assert.equal("integer", math.type(project.id))
    local list = assert(client:list_bd_projects{ region = "eu-west-1", per_page = 100 })
    assert.equal("/api/bm-bd-projects", last_request().path)
    local listed
    for _, p in ipairs(list.data) do listed = listed or (p.id == project.id and p) end
    assert.equal("radio", listed.name)
    local updated = assert(client:update_bd_project{ id = project.id, name = "radio2",
      buckets = { 23, 14661 } })
    assert.equal("PUT", last_request().method)
    assert.equal("radio2", updated.data.name)
    assert.equal(2, #updated.data.buckets)
    assert.truthy(client:delete_bd_project{ id = project.id })
    assert.equal(seeded, assert(client:list_bd_projects{}).meta.total)
  end)

  it("the result callback goes with ?type=diy and shows in the config", function()
    local id = create().id
    local body = assert(client:set_bd_project_result_callback{ id = id,
      result_callback_url = "http://example.com/cb", result_callback_send_noresult = 1,
      result_callback_result_type = 1 })
    local wire = last_request()
    assert.equal("/api/bm-bd-projects/" .. id .. "/result-callback", wire.path)
    assert.equal("type=diy", wire.query)
    assert.equal("http://example.com/cb", decoded_body(wire).result_callback_url)
    local cb = body.data.config.callback_result
    assert.same({ 1, "http://example.com/cb" }, { cb.enabled, cb.diy_url })
    local got
    for p in client:each("list_bd_projects", {}) do got = got or (p.id == id and p) end
    assert.equal("http://example.com/cb", got.config.callback_result.diy_url)
  end)

  it("the state notification shows in the config", function()
    local id = create().id
    local body = assert(client:set_bd_project_state_notification{ id = id,
      state_callback_url = "http://example.com/state" })
    assert.equal("/api/bm-bd-projects/" .. id .. "/state-notification", last_request().path)
    assert.same({ 1, "http://example.com/state" },
      { body.data.config.callback_state.enabled, body.data.config.callback_state.url })
  end)
end)

describe("user reports", function()
  it("are sent as a data list and come back with UTC times", function()
    local client = new_client()
    local body = assert(client:add_stream_user_reports{ pid = 17913, stream_id = "s-XXXXXX",
      data = { { from = "api", title = "xxx", timeoffset = -480,
        start_timestamp = "2021-05-25 11:55:49", end_timestamp = "2021-05-25 11:56:37",
        user_defined = { artists = "xxx" } } } })
    local wire = last_request()
    assert.equal("/api/bm-cs-projects/17913/streams/s-XXXXXX/user-reports", wire.path)
    assert.equal(-480, decoded_body(wire).data[1].timeoffset)
    assert.equal("2021-05-25 03:55:49", body.data.result.start_timestamp_utc)
    assert.equal("2021-05-25 03:56:37", body.data.result.end_timestamp_utc)
  end)
end)

describe("argument checking", function()
  local client
  support.each_client(_ENV, emu, function(c) client = c end)

  local function raises(fn, pattern)
    local msg = support.error_of(fn)
    assert.matches(pattern, msg)
  end

  it("refuses an unknown key, naming the operation and the key", function()
    raises(function() client:get_base_project{ id = 1, nmae = "x" } end,
      "get_base_project: unknown parameter 'nmae'")
  end)

  it("refuses a missing required parameter", function()
    raises(function() client:create_bd_project{ name = "x", buckets = { 23 } } end,
      "create_bd_project: missing required parameter 'region'")
  end)

  it("refuses a wrong type", function()
    raises(function()
      client:create_bd_project{ name = "x", region = 3, buckets = { 23 } }
    end, "create_bd_project: parameter 'region' must be string, got number")
  end)

  it("refuses an id with a fraction", function()
    raises(function() client:get_base_project{ id = 1.5 } end,
      "parameter 'id' must be integer or string")
  end)

  it("refuses a table that is not a list where a list is expected", function()
    raises(function()
      client:create_bd_project{ name = "x", region = "eu-west-1", buckets = { a = 1 } }
    end, "parameter 'buckets' must be array")
  end)

  it("refuses params that are not a table", function()
    raises(function() client:get_base_project("15") end, "params must be a table")
  end)

  it("sends nothing when it refuses", function()
    local before = emu.request_count()
    pcall(client.get_base_project, client, { id = 1, bogus = true })
    local after = emu.request_count()
    -- only the first state request was counted
    assert.equal(before + 1, after)
  end)

  it("refuses unknown options to acrcloud.new", function()
    raises(function() acrcloud.new{ tiemout = 3 } end, "acrcloud.new: unknown option 'tiemout'")
  end)

  it("refuses a base_url that is not http(s)", function()
    raises(function() acrcloud.new{ base_url = "ftp://x" } end, "base_url must be an http")
  end)

  it("refuses a token with a line break without printing it", function()
    local msg = support.error_of(acrcloud.new, { token = "abc\r\nX-Evil: 1" })
    assert.matches("option 'token' holds a NUL byte, a line break", msg)
    assert.is_nil(msg:find("abc", 1, true))
  end)

  it("raises at the first call when there is no token", function()
    local env_token = os.getenv("ACRCLOUD_ACCESS_TOKEN")
    if env_token then return pending("ACRCLOUD_ACCESS_TOKEN is set") end
    local c = acrcloud.new{ base_url = emu.url }
    raises(function() c:list_base_projects{} end, "no access token")
  end)
end)

describe("encoding", function()
  local client
  support.each_client(_ENV, emu, function(c) client = c end)

  it("percent-encodes path parameters so ../x stays one segment", function()
    local body, err = client:add_stream_user_reports{ pid = 17913, stream_id = "../x",
      data = { { from = "api", title = "t", timeoffset = 0,
        start_timestamp = "2021-02-01 12:13:14", end_timestamp = "2021-02-01 12:15:26" } } }
    assert.is_nil(body)
    assert.equal(404, err.status)
    assert.equal("/api/bm-cs-projects/17913/streams/..%2Fx/user-reports", last_request().path)
  end)

  it("encodes a lone .. path parameter so it is not a dot-segment", function()
    assert.equal(emu.url .. "/base-projects/%2E%2E",
      client:prepare("get_base_project", { id = ".." }).url)
  end)

  it("encodes query values", function()
    client:list_audio_files{ bucket_id = 8881, search = "eu west&x=1" }
    assert.truthy(last_request().query:find("search=eu%20west%26x%3D1", 1, true))
  end)

  it("sends an integral float id as an integer", function()
    local id = assert(client:create_bd_project{ name = "r", region = "eu-west-1",
      buckets = { 23 } }).data.id
    local body = assert(client:update_bd_project{ id = id + 0.0, name = "r2" })
    assert.equal("/api/bm-bd-projects/" .. id, last_request().path)
    assert.equal(id, body.data.id)
  end)

  it("sends an empty list field as []", function()
    client:create_bd_project{ name = "r", region = "eu-west-1", buckets = {} }
    assert.truthy(last_request().body:find('"buckets":[]', 1, true))
  end)

  it("decodes ids as integers", function()
    local body = assert(client:create_bd_project{ name = "r", region = "eu-west-1",
      buckets = { 23 } })
    assert.equal("integer", math.type(body.data.id))
    assert.equal("integer", math.type(body.data.buckets[1].id))
  end)

  it("keeps JSON null as acrcloud.null", function()
    local body = assert(client:list_base_projects{})
    assert.equal(acrcloud.null, body.links.prev)
  end)

  it("round-trips empty arrays and big integers through encode and decode", function()
    local v = acrcloud.decode('{"a":[],"b":9007199254740993,"c":{}}')
    assert.equal(9007199254740993, v.b)
    assert.equal("integer", math.type(v.b))
    local text = acrcloud.encode(v)
    assert.truthy(text:find('"a":[]', 1, true))
    assert.truthy(text:find('"b":9007199254740993', 1, true))
    assert.truthy(text:find('"c":{}', 1, true))
  end)
end)

describe("errors", function()
  it("a closed port is a network error that was never sent", function()
    local client = new_client{ base_url = "http://127.0.0.1:" .. closed_port() .. "/api" }
    local body, err = client:list_base_projects{}
    assert.is_nil(body)
    assert.equal("network", err.kind)
    assert.is_false(err.sent)
    assert.is_nil(err.status)
    assert.matches(
      "^acrcloud: network error: .*%[GET http://127%.0%.0%.1:%d+/api/base%-projects%]$",
      tostring(err))
  end)

  it("a slow answer is a timeout", function()
    fault{ operation = "list_base_projects", delay = 3 }
    local client = new_client{ timeout = 0.5, retries = 0 }
    local body, err = client:list_base_projects{}
    assert.is_nil(body)
    assert.equal("timeout", err.kind)
    assert.is_true(err.sent)
  end)

  it("a wrong token is an HTTP 401 with the server's message", function()
    local client = new_client{ token = "wrong" }
    local body, err = client:list_base_projects{}
    assert.is_nil(body)
    assert.same({ "http", 401, "Unauthenticated." }, { err.kind, err.status, err.message })
    assert.equal("GET", err.method)
  end)

  it("a 422 carries the field errors", function()
    local client = new_client()
    local body, err = client:create_bd_project{ name = "x", region = "eu-west-1",
      buckets = { 999999 } }
    assert.is_nil(body)
    assert.equal(422, err.status)
    assert.is_table(err.errors["buckets.0"])
    assert.matches("^acrcloud: HTTP 422: .*%(buckets%.0: .*%) %[POST .*/bm%-bd%-projects%]$",
      tostring(err))
  end)

  it("a value outside the table's allowed set is refused before sending", function()
    local client = new_client()
    local before = #emu.requests()
    assert.has_error(function()
      client:create_bd_project{ name = "x", region = "eu-west-9", buckets = { 23 } }
    end, "create_bd_project: parameter 'region' must be one of eu-west-1, us-west-2, "
      .. "ap-southeast-1, got 'eu-west-9'")
    assert.equal(before, #emu.requests())
  end)

  it("an undecodable 2xx body is a decode error holding the text", function()
    fault{ operation = "list_bd_projects", undecodable = true }
    local body, err = new_client():list_bd_projects{}
    assert.is_nil(body)
    assert.equal("decode", err.kind)
    assert.equal(200, err.status)
    assert.is_string(err.body)
  end)

  it("a non-JSON error body still gives the status", function()
    fault{ operation = "list_bd_projects", status = 503, body = "busy" }
    local body, err = new_client{ retries = 0 }:list_bd_projects{}
    assert.is_nil(body)
    assert.same({ "http", 503 }, { err.kind, err.status })
  end)

  it("never shows the token", function()
    local client = new_client{ token = "sekrit-token-123" }
    local _, err = client:list_base_projects{}
    assert.is_nil(tostring(client):find("sekrit", 1, true))
    assert.is_nil(tostring(err):find("sekrit", 1, true))
    for _, v in pairs(err) do
      if type(v) == "string" then assert.is_nil(v:find("sekrit", 1, true)) end
    end
  end)

  it("assert on a failed call prints one clean line from acrlua", function()
    local script = os.tmpname()
    local f = assert(io.open(script, "w"))
    f:write(string.format([[
local c = require("acrcloud").new{ token = "x", base_url = %q }
assert(c:get_base_project{ id = 15 })
]], "http://127.0.0.1:" .. closed_port() .. "/api"))
    f:close()
    local errfile = os.tmpname()
    local ok, _, code = os.execute(string.format("%q %q 2>%q", os.getenv("ACRLUA"), script,
      errfile))
    local stderr = assert(io.open(errfile)):read("a")
    os.remove(script)
    os.remove(errfile)
    assert.is_nil(ok)
    assert.equal(1, code)
    assert.matches("^acrlua: acrcloud: network error: [^\n]*"
      .. "%[GET http://127%.0%.0%.1:%d+/api/base%-projects/15%]\n", stderr)
  end)
end)

describe("pagination", function()
  it("each walks every page holding one page at a time", function()
    local client = new_client()
    local seeded = assert(client:list_bd_projects{}).meta.total
    for i = 1, 45 - seeded do
      assert(client:create_bd_project{ name = "p" .. i, region = "eu-west-1", buckets = { 23 } })
    end
    local seen = {}
    local before = emu.request_count()
    for project in client:each("list_bd_projects", { per_page = 20 }) do
      seen[#seen + 1] = project.name
    end
    local after = emu.request_count()
    local pages = after - before - 1 -- the state request itself
    assert.equal(45, #seen)
    assert.equal(3, pages)
  end)

  it("each raises the error object when a page fails", function()
    fault{ operation = "list_bd_projects", status = 500 }
    local ok, err = pcall(function()
      for _ in new_client{ retries = 0 }:each("list_bd_projects", {}) do end
    end)
    assert.is_false(ok)
    assert.equal(500, err.status)
    assert.equal(1, err.page)
  end)

  it("each refuses an operation that is not a list", function()
    assert.has_error(function() new_client():each("get_base_project", { id = 1 }) end,
      "each: get_base_project is not a paginated list")
  end)
end)

describe("the client's life", function()
  it("reuses its connection across calls", function()
    local client = new_client()
    assert(client:list_base_projects{})
    assert(client:list_base_projects{})
    local reqs = emu.requests()
    local a, b = reqs[#reqs - 1], reqs[#reqs]
    assert.is_string(a.connection)
    assert.equal(a.connection, b.connection)
  end)

  it("names acrlua and libcurl in the User-Agent", function()
    new_client():list_base_projects{}
    assert.matches("^acrlua/%d+%.%d+%.%d+ libcurl/", last_request().headers["user-agent"])
  end)

  it("close is idempotent and a closed client raises", function()
    local client = new_client()
    client:close()
    client:close()
    assert.has_error(function() client:list_base_projects{} end, "acrcloud: the client is closed")
    assert.matches("closed", tostring(client))
  end)

  it("closes at the end of a <close> scope", function()
    local escaped
    do
      local client <close> = new_client()
      escaped = client
    end
    assert.matches("closed", tostring(escaped))
  end)

  it("is collected without being closed, and its connection closed with it", function()
    -- The sockets this process holds open, from /proc: a client that keeps
    -- its connection holds one until it is closed or its __gc runs.
    local pid = assert(io.open("/proc/self/stat")):read("n")
    local function sockets()
      local p = assert(io.popen("ls -l /proc/" .. pid .. "/fd"))
      local n = 0
      for line in p:lines() do
        if line:find("socket:", 1, true) then n = n + 1 end
      end
      p:close()
      return n
    end
    collectgarbage()
    collectgarbage()
    local before = sockets()
    local finalized = setmetatable({}, { __mode = "k" })
    -- no collection until they are counted (acrlua's generational mode
    -- collects young garbage often)
    collectgarbage("stop")
    for _ = 1, 50 do
      local c = new_client()
      assert(c:list_base_projects{})
      finalized[c] = true
    end
    -- the count sees the 50 connections: without this the test could not fail
    assert.is_true(sockets() >= before + 50, "the connections were not seen")
    assert.is_function(getmetatable(next(finalized)).__gc)
    collectgarbage("restart")
    collectgarbage()
    collectgarbage()
    assert.is_nil(next(finalized), "a client was not collected")
    assert.is_true(sockets() <= before, "the collected clients left sockets open")
    assert(new_client():list_base_projects{})
  end)

  it("does not print its token in tostring", function()
    assert.is_nil(tostring(new_client()):find(TOKEN, 1, true))
  end)
end)
