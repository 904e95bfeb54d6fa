-- Broadcast Database channels and analytics, through the client against the
-- emulator: what went on the wire (the emulator's request log) and what
-- came back, for every operation of the area; channels added, listed,
-- given a custom id and removed; results, state history, recordings and
-- user reports; 404 and 422 answers.
local here = debug.getinfo(1, "S").source:match("^@(.-)[^/]*$")
local support = dofile(here .. "support.lua")

-- Seeded: project 12345 monitors channel 100251 (Timemap on, custom id
-- "test_id"); 100252 is in the database, 222195 too, with an invalid URL.
local PID, CHANNEL = 12345, 100251
local client
local emu = support.spec_emulator(_ENV, "bd-channels-spec-token", function(c) client = c end)
local last_request = emu.last_request
local wire_body, query_has, ids_of = support.wire_body, support.query_has, support.ids
local failed, refused = support.failed, support.refused

-- "2021-02-01 12:00:00" (UTC) -> seconds since the epoch. os.time reads
-- the fields as local time; the difference to their UTC reading is the
-- zone's offset.
local function utc_epoch(s)
  local y, mo, d, h, mi, se = s:match("^(%d+)%-(%d+)%-(%d+) (%d+):(%d+):(%d+)$")
  local t = os.time{ year = y, month = mo, day = d, hour = h, min = mi, sec = se }
  return t + (t - os.time(os.date("!*t", t)))
end

-- Results, unknown results, state and recordings, as a stream's.
dofile(here .. "monitoring_cases.lua")(_ENV, {
  product = "Broadcast Database", title = "Broadcast Database channel", noun = "channel",
  id_key = "channel_id", pid = PID, id = CHANNEL,
  path = "/api/bm-bd-projects/12345/channels/100251",
  project_path = "/api/bm-bd-projects/12345", project_model = "BmBdProject",
  analytics = "get_bd_project_analytics", foreign_stats = "stream",
  absent = 100252, absent_message = "No query results for model [BmBdChannel] 100252",
  calls = {
    results = function(c, args) return c:get_channel_results(args) end,
    unknown_results = function(c, args) return c:get_channel_unknown_results(args) end,
    state = function(c, args) return c:get_channel_state(args) end,
    recording = function(c, args) return c:get_channel_recording(args) end,
  },
  music_only = true, client = function() return client end, last_request = last_request,
  -- Timemap is off for 100252: it is not recorded.
  not_recording = function(c)
    assert(c:add_channels{ pid = PID, channels = { 100252 } })
    return 100252
  end,
})

describe("Broadcast Database channels", function()
  it("list shows the project's channels, 50 a page", function()
    local body = assert(client:list_channels{ pid = PID })
    local wire = last_request()
    assert.same({ "GET", "/api/bm-bd-projects/12345/channels" }, { wire.method, wire.path })
    local ch = body.data[1]
    assert.same({ 1, 50, CHANNEL, PID, "BBC Radio 1", 0, 1, "test_id" },
      { body.meta.total, body.meta.per_page, ch.id, ch.project_id, ch.name, ch.status_code,
        ch.timemap, ch.user_defined.custom_id })
    assert.matches("/api/bm%-bd%-projects/12345/channels%?page=1$", body.links.first)
  end)

  it("add puts database channels into the project", function()
    local body = assert(client:add_channels{ pid = PID, channels = { 100252, 222195 } })
    local wire = last_request()
    assert.same({ "POST", "/api/bm-bd-projects/12345/channels" }, { wire.method, wire.path })
    assert.same({ channels = { 100252, 222195 } }, wire_body(wire))
    assert.same({ 100252, 222195 }, ids_of(body.data))
    assert.same({}, body.data[1].user_defined)
    local list = assert(client:list_channels{ pid = PID })
    assert.same({ CHANNEL, 100252, 222195 }, ids_of(list.data))
  end)

  it("the project's monitoring_num counts its channels", function()
    assert(client:add_channels{ pid = PID, channels = { 100252 } })
    local projects = assert(client:list_bd_projects{})
    assert.equal(2, projects.data[1].monitoring_num)
  end)

  it("add refuses ids the database does not have (422)", function()
    assert.same({ 422, { "The selected channels.1 is invalid." } },
      refused("channels.1", client:add_channels{ pid = PID, channels = { 100252, 999 } }))
  end)

  it("add to a project that does not exist is a 404", function()
    assert.same({ 404, "No query results for model [BmBdProject] 99999" },
      failed(client:add_channels{ pid = 99999, channels = { 100252 } }))
  end)

  it("list filters by state", function()
    assert(client:add_channels{ pid = PID, channels = { 100252, 222195 } })
    local body = assert(client:list_channels{ pid = PID, state = "Invalid URL" })
    assert.truthy(last_request().query:find("state=Invalid", 1, true))
    assert.same({ 222195 }, ids_of(body.data))
  end)

  it("list searches the field search_type names", function()
    assert(client:add_channels{ pid = PID, channels = { 100252, 300102 } })
    local body = assert(client:list_channels{ pid = PID, search_type = "city",
      search_value = "valpar" })
    assert.is_true(query_has(last_request(), "search_type=city"))
    assert.same({ 300102 }, ids_of(body.data))
  end)

  it("delete removes the channels named in a list", function()
    assert(client:add_channels{ pid = PID, channels = { 100252, 222195 } })
    local _, res = assert(client:delete_channels{ pid = PID, channel_ids = { 100252, 222195 } })
    local wire = last_request()
    assert.same({ "DELETE", "/api/bm-bd-projects/12345/channels/100252,222195", 204 },
      { wire.method, wire.path, res.status })
    assert.same({ CHANNEL }, ids_of(assert(client:list_channels{ pid = PID }).data))
  end)

  it("delete of a channel the project does not have is a 404", function()
    assert.same({ 404, "No query results for model [BmBdChannel] 100252" },
      failed(client:delete_channels{ pid = PID, channel_ids = { CHANNEL, 100252 } }))
    assert.equal(1, assert(client:list_channels{ pid = PID }).meta.total)
  end)

  it("the custom id goes as a query on a POST and shows in user_defined", function()
    local body = assert(client:set_channel_custom_id{ pid = PID, channel_id = CHANNEL,
      custom_id = "bbc-r1" })
    local wire = last_request()
    assert.same({ "POST", "/api/bm-bd-projects/12345/channels/100251/user-defined" },
      { wire.method, wire.path })
    assert.is_true(query_has(wire, "custom_id=bbc-r1"))
    assert.equal("bbc-r1", body.data.user_defined.custom_id)
    local list = assert(client:list_channels{ pid = PID, search_type = "custom_id",
      search_value = "bbc-r1" })
    assert.equal(1, list.meta.total)
  end)
end)

describe("Broadcast Database channel results", function()
  it("a project sees a channel's results from the time it added it", function()
    local other = assert(client:create_bd_project{ name = "b", region = "eu-west-1",
      buckets = { 23 } }).data.id
    assert(client:add_channels{ pid = other, channels = { CHANNEL } })
    local a = assert(client:get_channel_results{ pid = PID, channel_id = CHANNEL,
      date = "20240301" })
    local b = assert(client:get_channel_results{ pid = other, channel_id = CHANNEL,
      date = "20240301" })
    -- The other project added the channel today.
    assert.is_true(#a.data > 0)
    assert.same({}, b.data)
  end)

  it("a channel with an invalid URL has no results", function()
    assert(client:add_channels{ pid = PID, channels = { 222195 } })
    local body = assert(client:get_channel_results{ pid = PID, channel_id = 222195 })
    assert.same({}, body.data)
  end)

  it("realtime results are the last minutes', marked realtime", function()
    local now = os.time()
    local body = assert(client:get_channel_realtime_results{ pid = PID, channel_id = CHANNEL })
    assert.equal("/api/bm-bd-projects/12345/channels/100251/realtime_results",
      last_request().path)
    assert.is_table(body.data)
    for _, r in ipairs(body.data) do
      assert.equal("realtime", r.metadata.type)
      local t = utc_epoch(r.metadata.timestamp_utc)
      assert.is_true(t + r.metadata.played_duration >= now - 600 - 5)
      assert.is_true(t <= now + 5)
    end
  end)
end)

describe("Broadcast Database channel state", function()
  it("shows a channel with an invalid URL as code 6 all along", function()
    assert(client:add_channels{ pid = PID, channels = { 222195 } })
    local body = assert(client:get_channel_state{ pid = PID, channel_id = 222195 })
    assert.is_true(#body.data.state_list > 0)
    for _, s in ipairs(body.data.state_list) do assert.equal(6, s.code) end
    assert.equal(0, body.data.valid_time)
  end)
end)

describe("Broadcast Database analytics", function()
  it("by channel: a row per channel that played in the last 7 days", function()
    -- Added today: no plays in the last 7 full days, so no row.
    assert(client:add_channels{ pid = PID, channels = { 100252 } })
    local body = assert(client:get_bd_project_analytics{ project_id = PID,
      stats_type = "channel", result_type = "music" })
    local wire = last_request()
    assert.equal("/api/bm-bd-projects/12345/analytics/results", wire.path)
    assert.is_true(query_has(wire, "stats_type=channel"))
    local d = body.data
    assert.same({ PID, "channel", "music" }, { d.project_id, d.stats_type, d.result_type })
    assert.equal(1, #d.results)
    assert.same({ CHANNEL, "BBC Radio 1", 1 }, { d.results[1].channel_id,
      d.results[1].channel_name, d.results[1].rank })
  end)
end)

describe("Broadcast Database user reports", function()
  local item = { from = "api", title = "Station ID", timeoffset = -60,
    start_timestamp = "2021-02-01 12:00:00", end_timestamp = "2021-02-01 12:00:30",
    user_defined = { artists = "BBC" } }

  it("are sent as a data list and come back with UTC times", function()
    local body = assert(client:add_channel_user_reports{ pid = PID, channel_id = CHANNEL,
      data = { item } })
    local wire = last_request()
    assert.same({ "POST", "/api/bm-bd-projects/12345/channels/100251/user-reports" },
      { wire.method, wire.path })
    assert.equal(-60, wire_body(wire).data[1].timeoffset)
    local r = body.data.result
    assert.same({ "2021-02-01 11:00:00", "2021-02-01 12:00:00", 30, "api-report", "BBC" },
      { r.start_timestamp_utc, r.start_timestamp_local, r.duration, r.from, r.artists })
  end)

  it("are stored apart from the streams' reports", function()
    assert(client:add_channel_user_reports{ pid = PID, channel_id = CHANNEL,
      data = { item, item } })
    local state = assert(emu.admin:request("GET", "/_emulator/state"))
    assert.equal(2, state.data.user_reports["bd:12345/100251"])
  end)

  it("refuse an item without a title (422)", function()
    local untitled = { from = "api", timeoffset = 0, start_timestamp = "2021-02-01 12:00:00",
      end_timestamp = "2021-02-01 12:00:30" }
    assert.same({ 422, { "The data.0.title field is required." } },
      refused("data.0.title", client:add_channel_user_reports{ pid = PID, channel_id = CHANNEL,
        data = { untitled } }))
  end)

  it("for a channel the project does not have are a 404", function()
    assert.same({ 404, "No query results for model [BmBdChannel] 100252" },
      failed(client:add_channel_user_reports{ pid = PID, channel_id = 100252, data = { item } }))
  end)
end)
