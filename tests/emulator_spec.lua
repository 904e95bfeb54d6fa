-- The emulator, exercised as a server: raw HTTP through the curl command,
-- against an emulator started as a child process.
local acrcloud = require "acrcloud"
local emulator = require "acrcloud.emulator"
local httpd = require "acrcloud.httpd"
local process = require "acrcloud.process"
local support = dofile(debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") .. "support.lua")

local ACRLUA = os.getenv("ACRLUA") or "build/acrlua"
local TOKEN = "spec-token"
local q, read_file, write_file = support.q, support.read_file, support.write_file

local function sleep(seconds)
  os.execute("sleep " .. seconds)
end

-- The curl command for one request; see request() for the options.
local function curl_command(method, url, o)
  local parts = { "curl", "-sS", "--path-as-is", "-X", method, "-w", q("%{http_code}") }
  if o.token ~= false then
    parts[#parts + 1] = "-H " .. q("Authorization: Bearer " .. (o.token or TOKEN))
  end
  for name, value in pairs(o.headers or {}) do
    parts[#parts + 1] = "-H " .. q(name .. ": " .. value)
  end
  if o.body_file then
    parts[#parts + 1] = "-H 'Content-Type: application/json' --data-binary @" .. q(o.body_file)
  end
  if o.max_time then parts[#parts + 1] = "--max-time " .. o.max_time end
  if o.out then parts[#parts + 1] = "-o " .. q(o.out) .. " -D " .. q(o.out .. ".h") end
  parts[#parts + 1] = q(url)
  return table.concat(parts, " ")
end

local url_base

-- request(method, path_below_api, { token = false|string, body = table|string,
--   headers = {}, max_time = s }) -> { status =, body =, json =, headers =, rc = }
local function request(method, path, o)
  o = o or {}
  local out = os.tmpname()
  local opts = { token = o.token, headers = o.headers, max_time = o.max_time, out = out }
  if o.body ~= nil then
    opts.body_file = os.tmpname()
    write_file(opts.body_file, type(o.body) == "string" and o.body or acrcloud.encode(o.body))
  end
  local url = (o.base or url_base) .. path
  local p = assert(io.popen(curl_command(method, url, opts) .. " 2>/dev/null"))
  local code = p:read("a")
  local _, _, rc = p:close()
  local res = { status = tonumber(code), body = read_file(out) or "", rc = rc, headers = {} }
  for name, value in (read_file(out .. ".h") or ""):gmatch("([%w-]+):%s*([^\r\n]*)") do
    res.headers[name:lower()] = value
  end
  os.remove(out)
  os.remove(out .. ".h")
  if opts.body_file then os.remove(opts.body_file) end
  res.json = acrcloud.decode(res.body)
  return res
end

-- Runs a shell command: its output, whether it succeeded and its exit status.
local function run(cmd)
  local p = assert(io.popen(cmd))
  local out = p:read("a")
  local ok, _, rc = p:close()
  return out, ok, rc
end

-- An answer's status and the fields its errors name, sorted.
local function refused_fields(res)
  return { res.status, res.json.errors and support.sorted_keys(res.json.errors) }
end

local emu

setup(function()
  emu = emulator.spawn({ token = TOKEN, lifetime = 300 })
  url_base = emu.url
end)

teardown(function()
  if emu then emu.stop() end
end)

before_each(function()
  assert.are.equal(200, request("POST", "/_emulator/reset").status)
end)

describe("the emulator's spawn", function()
  it("gives the URL, port and pid of a running child", function()
    assert.matches("^http://127%.0%.0%.1:%d+/api$", emu.url)
    assert.are.equal(emu.port, tonumber(emu.url:match(":(%d+)/")))
    assert.is_true(process.kill(emu.pid, "0"))
  end)

  it("stops the child, idempotently", function()
    local other = emulator.spawn({ token = "x", lifetime = 60 })
    assert.are.equal(200, request("GET", "/base-projects/15", { base = other.url, token = "x" })
      .status)
    other.stop()
    other.stop()
    assert.are.equal(7, request("GET", "/base-projects/15", { base = other.url, token = "x" }).rc)
  end)

  it("raises for an unknown option", function()
    assert.has_error(function() emulator.spawn({ token = "x", prot = 1 }) end,
      "emulator.spawn: unknown option 'prot'")
  end)

  it("refuses to spawn from an emulator's child process", function()
    local code = "require('acrcloud.emulator').spawn{ token = 'x' }"
    local setup_code = string.format("package.path = %q; package.cpath = %q", package.path,
      package.cpath)
    local out, ok = run("ACRCLOUD_EMULATOR_CHILD=1 " .. q(ACRLUA) .. " -e " .. q(setup_code) ..
      " -e " .. q(code) .. " 2>&1")
    assert.is_falsy(ok)
    assert.matches("refusing to start an emulator", out)
  end)

  it("ends the child when its lifetime is over", function()
    local short = emulator.spawn({ token = "x", lifetime = 1 })
    assert.are.equal(200, request("GET", "/base-projects/15", { base = short.url, token = "x" })
      .status)
    sleep(1.5)
    assert.are.equal(7, request("GET", "/base-projects/15", { base = short.url, token = "x" }).rc)
    short.stop()
  end)

  it("ends the child when its parent dies", function()
    -- A parent that starts an emulator, reports it and exits without
    -- stopping it (os.exit without closing the state runs no finalizer).
    local code = "local e = require('acrcloud.emulator').spawn{ token = 'x', lifetime = 60 }" ..
      " print(e.url, e.pid) io.stdout:flush() os.exit(0, false)"
    local setup_code = string.format("package.path = %q; package.cpath = %q", package.path,
      package.cpath)
    local url = run(q(ACRLUA) .. " -e " .. q(setup_code) .. " -e " .. q(code)):match("^(%S+)")
    assert.is_string(url)
    local gone = false
    for _ = 1, 30 do
      if request("GET", "/base-projects/15", { base = url, token = "x", max_time = 1 }).rc == 7 then
        gone = true
        break
      end
      sleep(0.1)
    end
    assert.is_true(gone)
  end)
end)

describe("the emulator's authentication", function()
  local cases = {
    { "answers 401 without a token", "/base-projects", false },
    { "answers 401 with a wrong token", "/base-projects/15", "not-" .. TOKEN },
    { "guards its admin routes with the token too", "/_emulator/state", false },
  }
  for _, case in ipairs(cases) do
    local name, path, token = table.unpack(case)
    it(name, function()
      local res = request("GET", path, { token = token })
      assert.are.same({ 401, { message = "Unauthenticated." } }, { res.status, res.json })
    end)
  end
end)

describe("the emulator's routing", function()
  -- What answers 404: the request, and what its message says (a pattern).
  local not_found = {
    { "answers 404 for an unknown route", "GET", "/no-such-thing",
      "^The route api/no%-such%-thing could not be found%.$" },
    { "answers 404 with a message for an unknown id", "GET", "/base-projects/999999", "999999" },
    { "answers 404 for an id that is not a number", "GET", "/base-projects/abc",
      "%[BaseProject%] abc" },
    { "keeps an encoded slash inside its segment (a stream id of ../x)", "POST",
      "/bm-cs-projects/17913/streams/..%2Fx/user-reports", "%.%./x", { data = {} } },
    { "does not route an encoded slash to a deeper route", "GET",
      "/base-projects/15%2Fbuckets-status", "BaseProject" },
  }
  for _, case in ipairs(not_found) do
    local name, method, path, message, body = table.unpack(case)
    it(name, function()
      local res = request(method, path, { body = body })
      assert.are.equal(404, res.status)
      assert.matches(message, res.json.message)
    end)
  end

  it("answers 405 with Allow for a method a route does not have", function()
    local res = request("PATCH", "/base-projects/15")
    assert.are.equal(405, res.status)
    assert.are.equal("DELETE, GET, PUT", res.headers.allow)
  end)

  it("lists no operation of the endpoint table without a handler", function()
    assert.are.same({}, emulator.missing_handlers())
  end)

  it("answers 501 for an operation that has no handler", function()
    local server = emulator.start({ token = "t", quiet = true, operations = {
      { name = "list_widgets", method = "GET", path = "/widgets", params = {} } } })
    local out = os.tmpname()
    local p = assert(io.popen(curl_command("GET", server.url .. "/widgets",
      { token = "t", out = out })))
    local deadline = process.now() + 5
    while server.request_count < 1 and process.now() < deadline do server:step(0.05) end
    for _ = 1, 5 do server:step(0.05) end
    local status = p:read("a")
    p:close()
    server:close()
    os.remove(out)
    os.remove(out .. ".h")
    assert.are.equal("501", status)
  end)
end)

describe("the emulator's base projects", function()
  it("serves a seeded project in the spec's shape", function()
    local res = request("GET", "/base-projects/15")
    assert.are.equal(200, res.status)
    local d = res.json.data
    assert.are.equal(15, d.id)
    assert.are.equal("e7a84ca942a13773f6d22e9fd6808fce", d.access_key)
    assert.are.equal(0, d.total_limit)
    assert.are.same({ id = 8881, name = "bucket-music", type = "File",
      metadata_template = acrcloud.null }, d.buckets[1])
    assert.are.same({ "spotify", "isrc", "deezer" }, d.external_ids)
  end)

  it("sends empty lists as []", function()
    local res = request("GET", "/base-projects/3")
    assert.matches('"external_ids":%[%]', res.body)
  end)

  it("paginates with data, links and meta", function()
    local res = request("GET", "/base-projects?per_page=2&page=2")
    assert.are.equal(200, res.status)
    local path = emu.url .. "/base-projects"
    assert.are.same({ 13, 5 }, { res.json.data[1].id, res.json.data[2].id })
    assert.are.same({ first = path .. "?page=1", last = path .. "?page=3",
      prev = path .. "?page=1", next = path .. "?page=3" }, res.json.links)
    assert.are.same({ current_page = 2, from = 3, last_page = 3, path = path, per_page = "2",
      to = 4, total = 6 }, res.json.meta)
  end)

  it("pages by 20 by default, with null prev and next on a single page", function()
    local res = request("GET", "/base-projects")
    assert.are.equal("20", res.json.meta.per_page)
    assert.are.equal(6, #res.json.data)
    assert.are.equal(acrcloud.null, res.json.links.prev)
    assert.are.equal(acrcloud.null, res.json.links.next)
  end)

  it("filters the list by region and type", function()
    local res = request("GET", "/base-projects?region=ap-southeast-1&type=LCD")
    assert.are.equal(1, #res.json.data)
    assert.are.equal(2, res.json.data[1].id)
  end)

  it("answers 422 for a page below 1", function()
    assert.are.same({ 422, { "page" } }, refused_fields(request("GET", "/base-projects?page=0")))
  end)

  it("creates, lists, gets, updates and deletes a project", function()
    local created = request("POST", "/base-projects", { body = { name = "round-trip",
      region = "eu-west-1", type = "AVR", buckets = { 8883, 8881 }, audio_type = "recorded",
      external_ids = { "spotify" } } })
    assert.are.equal(200, created.status)
    local id = created.json.data.id
    assert.are.equal("integer", math.type(id))
    assert.are.same({ 8881, 8883 }, { created.json.data.buckets[1].id,
      created.json.data.buckets[2].id })

    local listed = request("GET", "/base-projects")
    assert.are.equal(id, listed.json.data[1].id)
    assert.are.equal(7, listed.json.meta.total)

    assert.are.equal("round-trip", request("GET", "/base-projects/" .. id).json.data.name)

    local updated = request("PUT", "/base-projects/" .. id, { body = { name = "renamed",
      buckets = { 8880 } } })
    assert.are.equal(200, updated.status)
    assert.are.equal("renamed", updated.json.data.name)
    assert.are.equal("recorded", updated.json.data.audio_type)
    assert.are.equal(8880, updated.json.data.buckets[1].id)

    assert.are.equal(204, request("DELETE", "/base-projects/" .. id).status)
    assert.are.equal(404, request("GET", "/base-projects/" .. id).status)
    assert.are.equal(6, request("GET", "/base-projects").json.meta.total)
  end)

  it("answers 422 with per-field errors for a bad create", function()
    local res = request("POST", "/base-projects", { body = { name = "x", region = "mars",
      type = "XYZ", buckets = { 8881 }, audio_type = "loud" } })
    assert.are.equal(422, res.status)
    assert.are.equal("The given data was invalid.", res.json.message)
    assert.are.same({ "The selected region is invalid." }, res.json.errors.region)
    assert.are.same({ "The selected type is invalid." }, res.json.errors.type)
    assert.are.same({ "The selected audio type is invalid." }, res.json.errors.audio_type)
    assert.is_nil(res.json.errors.name)
  end)

  it("answers 422 for missing fields", function()
    local res = request("POST", "/base-projects", { body = {} })
    assert.are.equal(422, res.status)
    assert.are.same({ "The name field is required." }, res.json.errors.name)
    assert.are.same({ "The buckets field is required." }, res.json.errors.buckets)
  end)

  it("answers 422 for bucket ids that do not exist", function()
    local res = request("POST", "/base-projects", { body = { name = "x", region = "eu-west-1",
      type = "AVR", buckets = { 8881, 424242 } } })
    assert.are.equal(422, res.status)
    assert.are.same({ "The selected buckets.1 is invalid." }, res.json.errors["buckets.1"])
  end)

  it("takes an empty list for an optional field", function()
    local res = request("PUT", "/base-projects/15", { body = { external_ids = {} } })
    assert.are.equal(200, res.status)
    assert.matches('"external_ids":%[%]', res.body)
  end)

  it("answers 422 for a field of the wrong type", function()
    local res = request("PUT", "/base-projects/15", { body = { name = 42 } })
    assert.are.equal(422, res.status)
    assert.are.same({ "The name must be a string." }, res.json.errors.name)
  end)

  it("answers 400 for a body that is not JSON", function()
    local res = request("POST", "/base-projects", { body = '{"name":' })
    assert.are.equal(400, res.status)
    assert.is_string(res.json.message)
  end)

  it("answers 413 for a body over the size limit", function()
    local big = os.tmpname()
    write_file(big, string.rep("x", httpd.max_body + 1))
    local status = run(curl_command("POST", emu.url .. "/base-projects", { body_file = big })
      .. " -o /dev/null")
    os.remove(big)
    assert.are.equal("413", status)
  end)

  it("groups the buckets' status by bucket type", function()
    local res = request("GET", "/base-projects/14/buckets-status")
    assert.are.equal(200, res.status)
    assert.are.same({
      ACRCloudFile = { { buckets = { { name = "ACRCloud Music", id = 8880 } },
        nodes = { node = "46671216359c47fc0c1b236194f7cca0", status = 1 } } },
      File = { { buckets = { { name = "bucket-music", id = 8881 },
        { name = "api-test", id = 8883 } },
        nodes = { node = "9b1c4e0f52a7d3e8c6f1a2b3d4e5f607", status = 1 } } },
    }, res.json)
  end)

  it("gives one day-stat row per day, the same each time", function()
    local path = "/base-projects/15/day-stat?start=2021-04-09&end=2021-04-23"
    local res = request("GET", path)
    assert.are.equal(200, res.status)
    assert.are.equal(15, #res.json.data)
    local row = res.json.data[1]
    assert.are.equal("2021-04-09", row.date)
    assert.are.equal(row.total, row.results + row.no_results)
    assert.are.same(res.json, request("GET", path).json)
  end)

  it("answers 422 for a bad day-stat date", function()
    assert.are.same({ 422, { "start" } },
      refused_fields(request("GET", "/base-projects/15/day-stat?start=2021-02-30&end=2021-03-01")))
  end)

  it("answers 422 for a day-stat end before its start", function()
    assert.are.same({ 422, { "end" } },
      refused_fields(request("GET", "/base-projects/15/day-stat?start=2021-04-09&end=2021-04-01")))
  end)
end)

describe("the emulator's Broadcast Database projects", function()
  it("creates, lists, updates and deletes a project", function()
    local created = request("POST", "/bm-bd-projects", { body = { region = "eu-west-1",
      name = "bd", buckets = { 14661 } } })
    assert.are.equal(201, created.status)
    local d = created.json.data
    d.id = math.tointeger(d.id)
    assert.are.equal("14661", d.bucket_ids)
    assert.are.equal("BM-Database", d.type)
    assert.are.equal(-1, d.config.callback_result.diy_result_type)
    assert.matches('"record":{}', created.body)

    local listed = request("GET", "/bm-bd-projects?region=eu-west-1")
    assert.are.equal(d.id, listed.json.data[1].id)
    assert.are.equal(2, listed.json.meta.total)

    local updated = request("PUT", "/bm-bd-projects/" .. d.id, { body = { name = "bd2",
      buckets = { 14661, 23 } } })
    assert.are.equal("23,14661", updated.json.data.bucket_ids)
    assert.are.equal("bd2", updated.json.data.name)

    assert.are.equal(204, request("DELETE", "/bm-bd-projects/" .. d.id).status)
    assert.are.equal(404, request("DELETE", "/bm-bd-projects/" .. d.id).status)
  end)

  it("reflects the result callback in the project's config", function()
    local res = request("POST", "/bm-bd-projects/12345/result-callback?type=diy", { body = {
      result_callback_url = "http://test.acrcloud.com", result_callback_send_noresult = false,
      result_callback_send_type = "2", result_callback_result_type = "0" } })
    assert.are.equal(200, res.status)
    local cr = res.json.data.config.callback_result
    assert.are.same({ enabled = 1, type_name = "diy", diy_url = "http://test.acrcloud.com",
      diy_send_type = 2, diy_send_noresult = 0, diy_result_type = 0, r3d_source = "",
      r3d_url = "", r3d_key1 = "", r3d_key2 = "", r3d_result_type = "0" }, cr)
  end)

  it("reflects the state notification in the project's config", function()
    local res = request("POST", "/bm-bd-projects/12345/state-notification", { body = {
      state_callback_url = "http://www.example.com/state_callback", state_callback_type = "2" } })
    assert.are.equal(200, res.status)
    assert.are.same({ enabled = 1, url = "http://www.example.com/state_callback", send_type = 2 },
      res.json.data.config.callback_state)
  end)

  it("answers 422 for a callback URL that is not one", function()
    assert.are.same({ 422, { "result_callback_url" } },
      refused_fields(request("POST", "/bm-bd-projects/12345/result-callback", { body = {
        result_callback_url = "not a url" } })))
  end)
end)

describe("the emulator's user reports", function()
  local path = "/bm-cs-projects/17913/streams/s-XXXXXX/user-reports"
  local item = { from = "api", title = "xxx", timeoffset = -480,
    start_timestamp = "2021-05-25 11:55:49", end_timestamp = "2021-05-25 11:56:37",
    user_defined = { artists = "xxx", album = "xxx" } }

  it("computes UTC from local time and timeoffset as the spec's example", function()
    local res = request("POST", path, { body = { data = { item } } })
    assert.are.equal(200, res.status)
    local r = res.json.data.result
    assert.are.equal("2021-05-25 03:55:49", r.start_timestamp_utc)
    assert.are.equal("2021-05-25 03:56:37", r.end_timestamp_utc)
    assert.are.equal("2021-05-25 11:55:49", r.start_timestamp_local)
    assert.are.equal(48, r.duration)
    assert.are.same({ title = "xxx", artist = "xxx", album = "xxx" }, r.raw_metadata)
  end)

  it("crosses day boundaries", function()
    local late = { from = "api", title = "t", timeoffset = 300,
      start_timestamp = "2021-12-31 22:00:00", end_timestamp = "2021-12-31 22:01:00" }
    local r = request("POST", path, { body = { data = { late } } }).json.data.result
    assert.are.equal("2022-01-01 03:00:00", r.start_timestamp_utc)
  end)

  it("answers a list for several items and stores them for the stream", function()
    local res = request("POST", path, { body = { data = { item, item } } })
    assert.are.equal(200, res.status)
    assert.are.equal(2, #res.json.data)
    local stored = request("GET", "/_emulator/user-reports/17913/s-XXXXXX")
    assert.are.equal(2, #stored.json.data)
    assert.are.equal(res.json.data[2].id, stored.json.data[2].id)
  end)

  it("answers 422 naming the item and field", function()
    local bad = { from = "api", title = "t", timeoffset = "soon",
      start_timestamp = "2021-05-25 11:55", end_timestamp = "2021-05-25 11:56:37" }
    assert.are.same({ 422, { "data.1.start_timestamp", "data.1.timeoffset" } },
      refused_fields(request("POST", path, { body = { data = { item, bad } } })))
  end)

  it("answers 404 for an unknown project", function()
    assert.are.equal(404, request("POST", "/bm-cs-projects/1/streams/s-XXXXXX/user-reports",
      { body = { data = { item } } }).status)
  end)
end)

describe("the emulator's faults", function()
  it("answers the next requests of an operation with a given status", function()
    local f = request("POST", "/_emulator/faults", { body = { operation = "get_base_project",
      count = 2, status = 503, headers = { ["Retry-After"] = "1" } } })
    assert.are.equal(201, f.status)
    local first = request("GET", "/base-projects/15")
    assert.are.equal(503, first.status)
    assert.are.equal("1", first.headers["retry-after"])
    assert.are.equal(503, request("GET", "/base-projects/14").status)
    assert.are.equal(200, request("GET", "/base-projects/15").status)
  end)

  it("answers a request of a path with a body that is not JSON", function()
    request("POST", "/_emulator/faults", { body = { path = "/base-projects/14",
      undecodable = true } })
    local res = request("GET", "/base-projects/14")
    assert.are.equal(200, res.status)
    assert.is_nil(res.json)
  end)

  it("drops the connection of a request", function()
    request("POST", "/_emulator/faults", { body = { operation = "list_base_projects",
      drop = true } })
    local res = request("GET", "/base-projects")
    assert.are.equal(52, res.rc) -- curl: empty reply from server
    assert.are.equal(200, request("GET", "/base-projects").status)
  end)

  it("answers 422 for a fault it cannot understand", function()
    local res = request("POST", "/_emulator/faults", { body = { operation = "no_such_op" } })
    assert.are.equal(422, res.status)
  end)
end)

describe("the emulator's request log", function()
  it("records API requests without their Authorization header", function()
    request("GET", "/base-projects/15?x=1")
    local log = request("GET", "/_emulator/requests").json.data
    assert.are.equal(1, #log) -- since the reset, admin requests not counted
    local entry = log[1]
    assert.are.equal("/api/base-projects/15", entry.path)
    assert.are.equal("x=1", entry.query)
    assert.are.equal("get_base_project", entry.operation)
    assert.are.equal(200, entry.status)
    assert.matches("^127%.0%.0%.1:%d+$", entry.connection)
    assert.is_nil(entry.headers.authorization)
    assert.is_nil(request("GET", "/_emulator/requests").body:find(TOKEN, 1, true))
  end)

  it("shows requests sharing a connection with the same connection", function()
    -- One curl, two URLs: the second request reuses the first's connection.
    local cmd = curl_command("GET", emu.url .. "/base-projects/15", {}) .. " -o /dev/null " ..
      q(emu.url .. "/base-projects/14") .. " -o /dev/null"
    run(cmd)
    local log = request("GET", "/_emulator/requests").json.data
    assert.are.equal("/api/base-projects/14", log[2].path)
    assert.are.equal(log[1].connection, log[2].connection)
  end)
end)

describe("the emulator under load", function()
  it("delays a request asked to be delayed", function()
    local t0 = process.now()
    local res = request("GET", "/base-projects/15", { headers = { ["X-Emulator-Delay"] = "1" } })
    assert.are.equal(200, res.status)
    assert.is_true(process.now() - t0 >= 1)
  end)

  it("does not hold up other requests behind a delayed one", function()
    local t0 = process.now()
    local slow = assert(io.popen(curl_command("GET", emu.url .. "/base-projects/15",
      { headers = { ["X-Emulator-Delay"] = "2" } }) .. " -o /dev/null"))
    sleep(0.2)
    local fast = request("GET", "/base-projects/14")
    local fast_time = process.now() - t0
    local slow_status = slow:read("a")
    slow:close()
    local slow_time = process.now() - t0
    assert.are.equal(200, fast.status)
    assert.is_true(fast_time < 1.5, "the quick request took " .. fast_time .. "s")
    assert.are.equal("200", slow_status)
    assert.is_true(slow_time >= 2)
  end)

  it("answers 50 concurrent connections", function()
    local one = curl_command("GET", emu.url .. "/base-projects/15",
      { headers = { ["X-Emulator-Delay"] = "1" } }) .. " -o /dev/null; echo"
    local script = "for i in $(seq 1 50); do (" .. one .. ") & done; wait"
    local t0 = process.now()
    local out = run("sh -c " .. q(script))
    local elapsed = process.now() - t0
    -- Each curl writes its status in one write; they may share a line.
    local _, ok = out:gsub("200", "")
    assert.are.equal(50, ok)
    assert.are.equal(150, #out:gsub("%D", ""))
    -- One at a time, they would take 50 s.
    assert.is_true(elapsed < 10, "50 requests took " .. elapsed .. "s")
  end)
end)

describe("the emulator's HTTP binding", function()
  it("raises a clear error when it cannot bind", function()
    local err = support.error_of(httpd.listen, { host = "127.0.0.1", port = emu.port })
    assert.matches("cannot listen on 127%.0%.0%.1:" .. emu.port, err)
  end)

  it("closes idempotently and refuses use after close", function()
    local server = httpd.listen({ port = 0 })
    assert.is_true(server:port() > 0)
    server:close()
    server:close()
    assert.has_error(function() server:poll(0) end, "acrcloud: the server is closed")
  end)
end)

describe("the emulator's command", function()
  local script = "scripts/emulator.lua"

  it("prints its usage for -h", function()
    local out, ok = run(q(ACRLUA) .. " " .. script .. " -h")
    assert.is_true(ok)
    assert.matches("usage:", out)
  end)

  it("refuses a bad argument with status 2", function()
    local out, _, rc = run(q(ACRLUA) .. " " .. script .. " --port abc 2>&1")
    assert.are.equal(2, rc)
    assert.matches("%-%-port", out)
  end)

  it("takes its token from ACRCLOUD_ACCESS_TOKEN and never logs it", function()
    local log = os.tmpname()
    local secret = "secret-4f1e9a"
    local p = assert(io.popen("ACRCLOUD_ACCESS_TOKEN=" .. secret .. " " .. q(ACRLUA) .. " " ..
      script .. " --port 0 --lifetime 2 2>" .. q(log)))
    local url = p:read("l")
    assert.matches("^http://127%.0%.0%.1:%d+/api$", url)
    assert.are.equal(200, request("GET", "/base-projects/15", { base = url, token = secret })
      .status)
    assert.are.equal(401, request("GET", "/base-projects/15", { base = url }).status)
    p:close()
    local text = read_file(log)
    os.remove(log)
    assert.matches("GET /api/base%-projects/15 200 [%d.]+ms", text)
    assert.is_nil(text:find(secret, 1, true))
  end)
end)
