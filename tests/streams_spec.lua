-- Custom Streams projects and their streams, through the client against the
-- emulator: what went on the wire (the emulator's request log) and what
-- came back, for every operation of the area; the stream life cycle (add,
-- list, pause, restart, delete); results, state history and recordings;
-- 404 and 422 answers.
local here = debug.getinfo(1, "S").source:match("^@(.-)[^/]*$")
local support = dofile(here .. "support.lua")

local PID, STREAM = 17913, "s-XXXXXX"      -- seeded; the stream's config records
local QUIET_STREAM = "s-Jq2n5T"            -- seeded; its config does not record
local client
local emu = support.spec_emulator(_ENV, "streams-spec-token", function(c) client = c end)
local last_request = emu.last_request
local wire_body, query_has = support.wire_body, support.query_has
local failed, refused, unchecked = support.failed, support.refused, support.unchecked

-- Results, unknown results, state and recordings, as a Broadcast Database
-- channel's.
dofile(here .. "monitoring_cases.lua")(_ENV, {
  product = "Custom Streams", title = "stream", noun = "stream", id_key = "stream_id",
  pid = PID, id = STREAM, path = "/api/bm-cs-projects/17913/streams/s-XXXXXX",
  project_path = "/api/bm-cs-projects/17913", project_model = "BmCsProject",
  analytics = "get_cs_project_analytics", foreign_stats = "channel",
  absent = "s-nope00", absent_message = "No query results for model [BmCsStream] s-nope00",
  calls = {
    results = function(c, args) return c:get_stream_results(args) end,
    unknown_results = function(c, args) return c:get_stream_unknown_results(args) end,
    state = function(c, args) return c:get_stream_state(args) end,
    recording = function(c, args) return c:get_stream_recording(args) end,
  },
  not_recording = function() return QUIET_STREAM end,
  client = function() return client end, last_request = last_request,
})

local function create_project(fields)
  local args = { name = "morning shows", region = "eu-west-1", buckets = { 23, 8881 },
    type = "BM-ACRC", external_ids = { "spotify", "isrc" }, metadata_template = "City,FM" }
  for k, v in pairs(fields or {}) do args[k] = v end
  return assert(client:create_cs_project(args))
end

local function add(fields)
  local args = { pid = PID, name = "Evening FM", config_id = 1,
    stream_urls = { "http://radio.example.org/evening.mp3" } }
  for k, v in pairs(fields or {}) do args[k] = v end
  return assert(client:add_stream(args)).data
end

describe("Custom Streams projects", function()
  it("create sends the fields as JSON and answers 201 with the project", function()
    local body, res = create_project()
    local wire = last_request()
    assert.same({ "POST", "/api/bm-cs-projects", 201 }, { wire.method, wire.path, res.status })
    assert.same({ name = "morning shows", region = "eu-west-1", buckets = { 23, 8881 },
      type = "BM-ACRC", external_ids = { "spotify", "isrc" }, metadata_template = "City,FM" },
      wire_body(wire))
    local p = body.data
    assert.equal("integer", math.type(p.id))
    assert.same({ "morning shows", "BM-ACRC", "23,8881", 0, "City,FM" },
      { p.name, p.type, p.bucket_group, p.monitoring_num, p.metadata_template })
    assert.same({ 23, 8881 }, { p.buckets[1].id, p.buckets[2].id })
    assert.same({ "spotify", "isrc" }, p.external_ids)
  end)

  it("get answers the project create made", function()
    local id = create_project().data.id
    local body = assert(client:get_cs_project{ id = id })
    assert.equal("/api/bm-cs-projects/" .. id, last_request().path)
    assert.same({ id, "morning shows", "eu-west-1" }, { body.data.id, body.data.name,
      body.data.region })
  end)

  it("get shows the seeded project and how many streams it monitors", function()
    local body = assert(client:get_cs_project{ id = PID })
    assert.same({ "cs-demo", 2 }, { body.data.name, body.data.monitoring_num })
  end)

  it("list filters by region and type, sent as a query", function()
    create_project{ name = "a" }
    create_project{ name = "b", type = "BM-LOCAL" }
    local body = assert(client:list_cs_projects{ region = "eu-west-1", types = "BM-LOCAL" })
    local wire = last_request()
    assert.equal("/api/bm-cs-projects", wire.path)
    assert.is_true(query_has(wire, "region=eu-west-1"))
    assert.is_true(query_has(wire, "types=BM-LOCAL"))
    assert.equal(1, body.meta.total)
    assert.equal("b", body.data[1].name)
  end)

  it("list paginates with links and meta", function()
    create_project()
    local body = assert(client:list_cs_projects{ per_page = 1, page = 2 })
    assert.same({ 2, 3, "1" }, { body.meta.current_page, body.meta.total, body.meta.per_page })
    assert.equal(1, #body.data)
    assert.matches("/api/bm%-cs%-projects%?page=3$", body.links.next)
  end)

  it("update changes the fields given and keeps the others", function()
    local id = create_project().data.id
    local body = assert(client:update_cs_project{ id = id, name = "late shows",
      buckets = { 23 } })
    local wire = last_request()
    assert.same({ "PUT", "/api/bm-cs-projects/" .. id }, { wire.method, wire.path })
    assert.same({ name = "late shows", buckets = { 23 } }, wire_body(wire))
    assert.same({ "late shows", "23", "City,FM" }, { body.data.name, body.data.bucket_group,
      body.data.metadata_template })
  end)

  it("delete answers 204 and the project is gone", function()
    local id = create_project().data.id
    local body, res = assert(client:delete_cs_project{ id = id })
    assert.same({ "DELETE", 204 }, { last_request().method, res.status })
    assert.truthy(body)
    local gone, err = client:get_cs_project{ id = id }
    assert.is_nil(gone)
    assert.same({ 404, "No query results for model [BmCsProject] " .. id },
      { err.status, err.message })
  end)

  it("the result callback shows in the project's config", function()
    local body = assert(client:set_cs_project_result_callback{ id = PID,
      result_callback_url = "https://hooks.example.com/results" })
    local wire = last_request()
    assert.same({ "POST", "/api/bm-cs-projects/17913/result-callback" },
      { wire.method, wire.path })
    assert.same({ result_callback_url = "https://hooks.example.com/results" }, wire_body(wire))
    local cr = body.data.config.callback_result
    assert.same({ 1, "https://hooks.example.com/results" }, { cr.enabled, cr.diy_url })
  end)

  it("the state notification sets the URL and the e-mail settings", function()
    local body = assert(client:set_cs_project_state_notification{ id = PID,
      state_notification_url = "https://hooks.example.com/state",
      state_notification_email = "ops@example.com", state_notification_email_frequency = 1 })
    assert.equal("/api/bm-cs-projects/17913/state-notification", last_request().path)
    local config = body.data.config
    assert.same({ 1, "https://hooks.example.com/state" },
      { config.callback_state.enabled, config.callback_state.url })
    assert.same({ "ops@example.com", 1 }, { config.email_state.email, config.email_state.type })
  end)

  it("the state notification needs a URL or an e-mail setting (422)", function()
    local body, err = client:set_cs_project_state_notification{ id = PID }
    assert.is_nil(body)
    assert.equal(422, err.status)
    assert.is_table(err.errors.state_notification_url)
  end)

  it("create reports every bad field at once (422)", function()
    local body, err = unchecked(client, "create_cs_project", { name = "x", region = "mars-1",
      buckets = { 23, 99999 }, type = "BM-CLOUD" })
    assert.is_nil(body)
    assert.equal(422, err.status)
    assert.same({ "The selected region is invalid." }, err.errors.region)
    assert.same({ "The selected type is invalid." }, err.errors.type)
    assert.same({ "The selected buckets.1 is invalid." }, err.errors["buckets.1"])
  end)

  it("an unknown project id is a 404", function()
    assert.same({ 404, "No query results for model [BmCsProject] 99999" },
      failed(client:get_cs_project{ id = 99999 }))
  end)
end)

describe("Custom Streams analytics", function()
  it("by stream: a row per stream of the project", function()
    local body = assert(client:get_cs_project_analytics{ project_id = PID,
      stats_type = "stream", result_type = "music" })
    local ids = {}
    for _, row in ipairs(body.data.results) do ids[#ids + 1] = row.stream_id end
    table.sort(ids)
    assert.same({ STREAM, QUIET_STREAM }, { ids[2], ids[1] })
  end)

  it("music analytics need ACRCloud Music among the buckets (422)", function()
    local id = create_project{ buckets = { 8881 } }.data.id
    assert.same({ 422, { "The project is not bound to ACRCloud Music." } },
      refused("result_type", client:get_cs_project_analytics{ project_id = id,
        stats_type = "date", result_type = "music" }))
  end)
end)

describe("the stream life cycle", function()
  it("add sends the stream as JSON and answers 201 with it running", function()
    local body, res = client:add_stream{ pid = PID, name = "Evening FM", config_id = 1,
      stream_urls = { "http://radio.example.org/evening.mp3" }, user_defined = { city = "Oslo" } }
    local wire = last_request()
    assert.same({ "POST", "/api/bm-cs-projects/17913/streams", 201 },
      { wire.method, wire.path, res.status })
    assert.same({ name = "Evening FM", config_id = 1,
      stream_urls = { "http://radio.example.org/evening.mp3" }, user_defined = { city = "Oslo" } },
      wire_body(wire))
    local s = body.data
    assert.matches("^s%-%w%w%w%w%w%w$", s.stream_id)
    assert.same({ "Running", 0, PID, "http://radio.example.org/evening.mp3", 1, "Oslo" },
      { s.state, s.code, s.mcp_id, s.current_url, s.config.id, s.user_defined.city })
  end)

  it("list shows an added stream, 50 a page by default", function()
    local id = add().stream_id
    local body = assert(client:list_streams{ pid = PID, search_value = "evening" })
    local wire = last_request()
    assert.equal("/api/bm-cs-projects/17913/streams", wire.path)
    assert.is_true(query_has(wire, "search_value=evening"))
    assert.same({ 1, id, "50" }, { body.meta.total, body.data[1].stream_id, body.meta.per_page })
  end)

  it("list sorts by the field asked for", function()
    add{ name = "Aardvark Radio" }
    local body = assert(client:list_streams{ pid = PID, sort = "name", order = "asc" })
    local names = {}
    for i, s in ipairs(body.data) do names[i] = s.name end
    assert.same({ "Aardvark Radio", "Demo FM", "Demo Talk" }, names)
  end)

  it("pause turns a stream Paused (code 4)", function()
    local id = add().stream_id
    local body = assert(client:pause_streams{ pid = PID, stream_ids = id })
    local wire = last_request()
    assert.same({ "PUT", "/api/bm-cs-projects/17913/streams/" .. id .. "/pause" },
      { wire.method, wire.path })
    assert.same({ id, "Paused", 4 }, { body.data[1].stream_id, body.data[1].state,
      body.data[1].code })
  end)

  it("a paused stream is listed under the Paused filter only", function()
    local id = add().stream_id
    assert(client:pause_streams{ pid = PID, stream_ids = id })
    local paused = assert(client:list_streams{ pid = PID, state = "Paused" })
    assert.is_true(query_has(last_request(), "state=Paused"))
    local running = assert(client:list_streams{ pid = PID, state = "Running" })
    assert.same({ 1, id }, { paused.meta.total, paused.data[1].stream_id })
    for _, s in ipairs(running.data) do assert.not_equal(id, s.stream_id) end
  end)

  it("restart runs a paused stream again", function()
    local id = add().stream_id
    assert(client:pause_streams{ pid = PID, stream_ids = id })
    local body = assert(client:restart_streams{ pid = PID, stream_ids = id })
    assert.equal("/api/bm-cs-projects/17913/streams/" .. id .. "/restart", last_request().path)
    assert.same({ "Running", 0 }, { body.data[1].state, body.data[1].code })
  end)

  it("pause takes a list of ids, joined by commas", function()
    local body = assert(client:pause_streams{ pid = PID, stream_ids = { STREAM, QUIET_STREAM } })
    assert.equal("/api/bm-cs-projects/17913/streams/s-XXXXXX,s-Jq2n5T/pause",
      last_request().path)
    assert.same({ "Paused", "Paused" }, { body.data[1].state, body.data[2].state })
  end)

  it("delete removes the streams named in a list", function()
    local a, b = add().stream_id, add{ name = "Second" }.stream_id
    local _, res = assert(client:delete_streams{ pid = PID, stream_ids = { a, b } })
    local wire = last_request()
    assert.same({ "DELETE", "/api/bm-cs-projects/17913/streams/" .. a .. "," .. b, 204 },
      { wire.method, wire.path, res.status })
    local left = assert(client:list_streams{ pid = PID })
    assert.equal(2, left.meta.total)
  end)

  it("delete of an id the project does not have is a 404", function()
    assert.same({ 404, "No query results for model [BmCsStream] s-nope00" },
      failed(client:delete_streams{ pid = PID, stream_ids = { STREAM, "s-nope00" } }))
    assert.equal(2, assert(client:list_streams{ pid = PID }).meta.total)
  end)

  it("update renames a stream and tries its new URLs", function()
    local id = add().stream_id
    local body = assert(client:update_stream{ pid = PID, stream_id = id, name = "Night FM",
      stream_urls = { "http://gone.invalid/night.mp3" } })
    local wire = last_request()
    assert.same({ "PUT", "/api/bm-cs-projects/17913/streams/" .. id },
      { wire.method, wire.path })
    assert.same({ name = "Night FM", stream_urls = { "http://gone.invalid/night.mp3" } },
      wire_body(wire))
    assert.same({ "Night FM", "Invalid URL", 6 }, { body.data.name, body.data.state,
      body.data.code })
  end)

  it("add refuses a URL without a stream scheme and an unknown config (422)", function()
    local body, err = client:add_stream{ pid = PID, name = "x", config_id = 77,
      stream_urls = { "http://ok.example.com/a", "ftp://files.example.com/b" } }
    assert.is_nil(body)
    assert.equal(422, err.status)
    assert.same({ "The stream_urls.1 format is invalid." }, err.errors["stream_urls.1"])
    assert.same({ "The selected config id is invalid." }, err.errors.config_id)
  end)

  it("add to a project that does not exist is a 404", function()
    assert.same({ 404, "No query results for model [BmCsProject] 99999" },
      failed(client:add_stream{ pid = 99999, name = "x", config_id = 1,
        stream_urls = { "http://radio.example.org/x" } }))
  end)

  it("an added stream takes user reports", function()
    local id = add().stream_id
    assert(client:add_stream_user_reports{ pid = PID, stream_id = id, data = { { from = "api",
      title = "Jingle", timeoffset = 0, start_timestamp = "2021-02-01 12:13:14",
      end_timestamp = "2021-02-01 12:13:44" } } })
    local stored = assert(emu.admin:request("GET", "/_emulator/user-reports/17913/" .. id))
    assert.same({ 1, "2021-02-01 12:13:14" },
      { #stored.data, stored.data[1].result.start_timestamp_utc })
  end)
end)


describe("stream results", function()
  it("a day before the stream existed has none", function()
    assert.same({}, assert(client:get_stream_results{ pid = PID, stream_id = STREAM,
      date = "20200101" }).data)
  end)
end)

describe("stream state", function()
  it("ends Paused after a pause", function()
    assert(client:pause_streams{ pid = PID, stream_ids = STREAM })
    local body = assert(client:get_stream_state{ pid = PID, stream_id = STREAM })
    local list = body.data.state_list
    assert.equal(4, list[#list].code)
  end)
end)
