-- Broadcast Database channels and analytics, through the client against the
-- emulator: what went on the wire (the emulator's request log) and what
-- came back, for every operation of the area; channels added, listed,
-- given a custom id and removed; results, state history, recordings and
-- user reports; 404 and 422 answers.
local here = debug.getinfo(1, "S").source:match("^@(.-)[^/]*$")
local support = dofile(here .. "support.lua")
local unchecked = dofile(here .. "unchecked.lua")

local TOKEN = "bd-channels-spec-token"
-- Seeded: project 12345 monitors channel 100251 (Timemap on, custom id
-- "test_id"); 100252 is in the database, 222195 too, with an invalid URL.
local PID, CHANNEL = 12345, 100251
local emu = support.emulator(TOKEN)
local last_request = emu.last_request
local wire_body, query_has, utc_stamp = support.wire_body, support.query_has, support.utc_stamp
local read_file, ids_of = support.read_file, support.ids
local client

-- "2021-02-01 12:00:00" (UTC) -> seconds since the epoch. os.time reads
-- the fields as local time; the difference to their UTC reading is the
-- zone's offset.
local function utc_epoch(s)
  local y, mo, d, h, mi, se = s:match("^(%d+)%-(%d+)%-(%d+) (%d+):(%d+):(%d+)$")
  local t = os.time{ year = y, month = mo, day = d, hour = h, min = mi, sec = se }
  return t + (t - os.time(os.date("!*t", t)))
end

emu.hook(_ENV, function(c) client = c end)

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
    local body, err = client:add_channels{ pid = PID, channels = { 100252, 999 } }
    assert.is_nil(body)
    assert.same({ 422, { "The selected channels.1 is invalid." } },
      { err.status, err.errors["channels.1"] })
  end)

  it("add to a project that does not exist is a 404", function()
    local body, err = client:add_channels{ pid = 99999, channels = { 100252 } }
    assert.is_nil(body)
    assert.same({ 404, "No query results for model [BmBdProject] 99999" },
      { err.status, err.message })
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
    local body, err = client:delete_channels{ pid = PID, channel_ids = { CHANNEL, 100252 } }
    assert.is_nil(body)
    assert.same({ 404, "No query results for model [BmBdChannel] 100252" },
      { err.status, err.message })
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
  it("a day's results come in the identification shape", function()
    local body = assert(client:get_channel_results{ pid = PID, channel_id = CHANNEL,
      date = "20210201" })
    local wire = last_request()
    assert.equal("/api/bm-bd-projects/12345/channels/100251/results", wire.path)
    assert.is_true(query_has(wire, "date=20210201"))
    assert.is_true(#body.data > 50)
    for _, r in ipairs(body.data) do
      assert.same({ 0, "delay" }, { r.status.code, r.metadata.type })
      assert.matches("^2021%-02%-01 ", r.metadata.timestamp_utc)
      -- The project's only bucket is ACRCloud Music: music, no custom files.
      assert.is_string(r.metadata.music[1].acrid)
      assert.is_nil(r.metadata.custom_files)
    end
  end)

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

  it("type=last gives the day's last result", function()
    local day = assert(client:get_channel_results{ pid = PID, channel_id = CHANNEL,
      date = "20210201" }).data
    local body = assert(client:get_channel_results{ pid = PID, channel_id = CHANNEL,
      date = "20210201", type = "last" })
    assert.same({ day[#day] }, body.data)
  end)

  it("a channel with an invalid URL has no results", function()
    assert(client:add_channels{ pid = PID, channels = { 222195 } })
    local body = assert(client:get_channel_results{ pid = PID, channel_id = 222195 })
    assert.same({}, body.data)
  end)

  it("with_false_positive=1 adds the weak matches", function()
    local plain = assert(client:get_channel_results{ pid = PID, channel_id = CHANNEL,
      date = "20210201" }).data
    local body = assert(client:get_channel_results{ pid = PID, channel_id = CHANNEL,
      date = "20210201", with_false_positive = 1 })
    assert.is_true(query_has(last_request(), "with_false_positive=1"))
    local weak = 0
    for _, r in ipairs(body.data) do
      if r.metadata.music[1].score < 70 then weak = weak + 1 end
    end
    assert.is_true(weak > 0)
    assert.equal(#plain + weak, #body.data)
  end)

  it("refuses a type other than day or last (422)", function()
    local body, err = unchecked(client, "get_channel_results", { pid = PID, channel_id = CHANNEL,
      type = "week" })
    assert.is_nil(body)
    assert.same({ 422, { "The selected type is invalid." } }, { err.status, err.errors.type })
  end)

  it("a channel the project does not have is a 404", function()
    local body, err = client:get_channel_results{ pid = PID, channel_id = 100252 }
    assert.is_nil(body)
    assert.same({ 404, "No query results for model [BmBdChannel] 100252" },
      { err.status, err.message })
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

  it("unknown results list music heard but not recognised", function()
    local body = assert(client:get_channel_unknown_results{ pid = PID, channel_id = CHANNEL,
      date = "20210201", max_duration = 100 })
    local wire = last_request()
    assert.equal("/api/bm-bd-projects/12345/channels/100251/unknown_results", wire.path)
    assert.is_true(query_has(wire, "max_duration=100"))
    assert.is_true(#body.data > 0)
    for _, r in ipairs(body.data) do
      assert.same({ 1001, "No result" }, { r.status.code, r.status.msg })
      assert.is_true(r.metadata.played_duration <= 100)
    end
  end)

  it("unknown results refuse a date not in YYYYmmdd (422)", function()
    local body, err = unchecked(client, "get_channel_unknown_results", { pid = PID,
      channel_id = CHANNEL, date = "1.2.2021" })
    assert.is_nil(body)
    assert.same({ 422, { "The date does not match the format Ymd." } },
      { err.status, err.errors.date })
  end)
end)

describe("Broadcast Database channel state", function()
  it("lists the states of the days asked for", function()
    local body = assert(client:get_channel_state{ pid = PID, channel_id = CHANNEL,
      start_date = "20210326", end_date = "20210326", timeoffset = 0 })
    local wire = last_request()
    assert.equal("/api/bm-bd-projects/12345/channels/100251/state", wire.path)
    assert.is_true(query_has(wire, "end_date=20210326"))
    local d = body.data
    assert.same({ 0, 86400 }, { d.timeoffset, d.total_time })
    assert.same({ "2021-03-26 00:00:00", "2021-03-27 00:00:00" },
      { d.state_list[1].start, d.state_list[#d.state_list]["end"] })
    local valid = 0
    for _, s in ipairs(d.state_list) do
      if s.code == 0 then valid = valid + s.duration end
    end
    assert.equal(d.valid_time, valid)
  end)

  it("shows a channel with an invalid URL as code 6 all along", function()
    assert(client:add_channels{ pid = PID, channels = { 222195 } })
    local body = assert(client:get_channel_state{ pid = PID, channel_id = 222195 })
    assert.is_true(#body.data.state_list > 0)
    for _, s in ipairs(body.data.state_list) do assert.equal(6, s.code) end
    assert.equal(0, body.data.valid_time)
  end)

  it("refuses a time offset beyond UTC-12..UTC+14 (422)", function()
    local body, err = client:get_channel_state{ pid = PID, channel_id = CHANNEL,
      timeoffset = 900 }
    assert.is_nil(body)
    assert.same({ 422, { "The timeoffset must be an integer between -840 and 720." } },
      { err.status, err.errors.timeoffset })
  end)
end)

describe("Broadcast Database channel recordings", function()
  local hour_ago = utc_stamp(os.time() - 3600)

  it("come back as WAV bytes, with before and after added", function()
    local bytes, res = client:get_channel_recording{ pid = PID, channel_id = CHANNEL,
      timestamp_utc = hour_ago, played_duration = 2, record_before = 2 }
    local wire = last_request()
    assert.equal("/api/bm-bd-projects/12345/channels/100251/recordings", wire.path)
    assert.is_true(query_has(wire, "record_before=2"))
    assert.equal("audio/wav", res.headers["content-type"])
    assert.equal("RIFF", bytes:sub(1, 4))
    assert.equal(44 + 4 * 8000, #bytes)
  end)

  it("are written to the file given as output, byte for byte", function()
    local served = assert(client:get_channel_recording{ pid = PID, channel_id = CHANNEL,
      timestamp_utc = hour_ago, played_duration = 1 })
    local path = os.tmpname()
    local ok = client:get_channel_recording{ pid = PID, channel_id = CHANNEL,
      timestamp_utc = hour_ago, played_duration = 1, output = path }
    local written = read_file(path)
    os.remove(path)
    assert.is_true(ok)
    assert.equal(served, written)
  end)

  it("are not available without Timemap (404)", function()
    assert(client:add_channels{ pid = PID, channels = { 100252 } })
    local body, err = client:get_channel_recording{ pid = PID, channel_id = 100252,
      timestamp_utc = hour_ago, played_duration = 2 }
    assert.is_nil(body)
    assert.same({ 404, "The recording is not available." }, { err.status, err.message })
  end)

  it("are not available after 30 days (404)", function()
    local body, err = client:get_channel_recording{ pid = PID, channel_id = CHANNEL,
      timestamp_utc = "20210201120000", played_duration = 2 }
    assert.is_nil(body)
    assert.same({ 404, "The recording is not available." }, { err.status, err.message })
  end)

  it("refuse a played_duration below 1 (422)", function()
    local body, err = client:get_channel_recording{ pid = PID, channel_id = CHANNEL,
      timestamp_utc = hour_ago, played_duration = 0 }
    assert.is_nil(body)
    assert.same({ 422, { "The played duration must be at least 1." } },
      { err.status, err.errors.played_duration })
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

  it("by label: ranked by plays", function()
    local body = assert(client:get_bd_project_analytics{ project_id = PID,
      stats_type = "label", result_type = "music" })
    local rows = body.data.results
    assert.is_true(#rows > 0)
    for i, row in ipairs(rows) do
      assert.equal(i, row.rank)
      assert.is_string(row.label)
      if i > 1 then assert.is_true(rows[i - 1].plays >= row.plays) end
    end
  end)

  it("refuses a stats_type it does not know (422)", function()
    local body, err = unchecked(client, "get_bd_project_analytics", { project_id = PID,
      stats_type = "stream", result_type = "music" })
    assert.is_nil(body)
    assert.same({ 422, { "The selected stats type is invalid." } },
      { err.status, err.errors.stats_type })
  end)

  it("of a project that does not exist is a 404", function()
    local body, err = client:get_bd_project_analytics{ project_id = 99999, stats_type = "date",
      result_type = "music" }
    assert.is_nil(body)
    assert.same({ 404, "No query results for model [BmBdProject] 99999" },
      { err.status, err.message })
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
    local body, err = client:add_channel_user_reports{ pid = PID, channel_id = CHANNEL,
      data = { { from = "api", timeoffset = 0, start_timestamp = "2021-02-01 12:00:00",
        end_timestamp = "2021-02-01 12:00:30" } } }
    assert.is_nil(body)
    assert.same({ 422, { "The data.0.title field is required." } },
      { err.status, err.errors["data.0.title"] })
  end)

  it("for a channel the project does not have are a 404", function()
    local body, err = client:add_channel_user_reports{ pid = PID, channel_id = 100252,
      data = { item } }
    assert.is_nil(body)
    assert.same({ 404, "No query results for model [BmBdChannel] 100252" },
      { err.status, err.message })
  end)
end)
