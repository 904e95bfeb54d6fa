-- The emulator delivers callbacks: its clock advances, it POSTs results,
-- no-results and state changes to a receiver (scripts/receive-callbacks.lua)
-- that stores them; end to end, over loopback.
local acrcloud = require "acrcloud"
local cbs = dofile(debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") .. "callbacks_support.lua")
local process = require "acrcloud.process"
local support = dofile(debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") .. "support.lua")

local TOKEN = "deliveries-token"
local emu = support.emulator(TOKEN)
local temp = support.temp_files()
local q = support.q
local DAY = 86400

local receiver, db, client
support.each_client(_ENV, emu, function(c) client = c end)

local function new_db() return cbs.new_sqlite_db(temp) end

local function rows(sql, numbers)
  local d = cbs.open_db(db)
  local out = d:rows(sql, numbers)
  d:close()
  return out
end

local function count(tbl, where)
  return rows("SELECT COUNT(*) AS n FROM " .. tbl .. (where and " WHERE " .. where or ""),
    { "n" })[1].n
end

local function advance(seconds)
  return assert(emu.admin:request("POST", "/_emulator/clock", { body = { advance = seconds } }))
    .data
end

local function clock()
  return assert(emu.admin:request("GET", "/_emulator/clock")).data
end

-- Points Broadcast Database project 12345's result callback at the
-- receiver, with `fields` (more callback settings) besides.
local function bd_result_callback(fields)
  fields.id = 12345
  fields.result_callback_url = fields.result_callback_url or receiver.url
  assert(client:set_bd_project_result_callback(fields))
end

local function parse_time(s)
  local y, mo, d, h, mi, se = s:match("^(%d+)%-(%d+)%-(%d+) (%d+):(%d+):(%d+)$")
  local days = require("acrcloud.emulator.validate").days_from_civil(tonumber(y), tonumber(mo),
    tonumber(d))
  return days * DAY + tonumber(h) * 3600 + tonumber(mi) * 60 + tonumber(se)
end

setup(function()
  emu.start()
  db = new_db()
  receiver = cbs.receiver({ db = db })
end)

teardown(function()
  emu.stop()
  cbs.stop_all()
  temp.remove_all()
end)

before_each(function()
  emu.reset()
  local d = cbs.open_db(db)
  for _, t in ipairs({ "results", "no_results", "states" }) do d:exec("DELETE FROM " .. t) end
  d:close()
end)

describe("the emulator's clock", function()
  it("starts at the real time", function()
    local c = clock()
    assert.is_true(math.abs(parse_time(c.now) - os.time()) <= 2, c.now)
    assert.are.equal(0, c.offset)
  end)

  it("moves forward by the advance, and back to the real time on reset", function()
    local before = parse_time(clock().now)
    local got = advance(3600)
    assert.are.equal(3600, got.advanced)
    assert.is_true(parse_time(got.now) - before >= 3600)
    emu.reset()
    assert.are.equal(0, clock().offset)
  end)

  it("refuses an advance that is not a whole number of seconds from 0 to 7 days", function()
    for _, bad in ipairs({ -1, 1.5, "soon", 7 * DAY + 1 }) do
      local body, err = emu.admin:request("POST", "/_emulator/clock", { body = { advance = bad } })
      assert.is_nil(body, tostring(bad))
      assert.are.equal(422, err.status)
      assert.is_truthy(err.errors.advance)
    end
  end)

  it("moves the time the API works with: results of a later day appear", function()
    local tomorrow = os.date("!%Y%m%d", os.time() + DAY)
    local body = assert(client:get_channel_results({ pid = 12345, channel_id = 100251,
      type = "day", date = tomorrow }))
    assert.are.equal(0, #body.data)
    advance(2 * DAY)
    body = assert(client:get_channel_results({ pid = 12345, channel_id = 100251, type = "day",
      date = tomorrow }))
    assert.is_true(#body.data > 50)
  end)
end)

describe("result callbacks", function()
  it("delivers a Broadcast Database project's results as the API serves them", function()
    bd_result_callback{ result_callback_url = receiver.url .. "/12345",
      result_callback_send_noresult = 0, result_callback_result_type = 1 }
    local set_at = parse_time(clock().now)
    local got = advance(3 * DAY)
    assert.are.equal(0, got.failed)
    assert.is_true(got.delivered > 300, "delivered " .. got.delivered)
    assert.are.equal(got.delivered, count("results") + count("no_results"))
    assert.are.equal(0, count("no_results"))
    -- A day in Tokyo that lies wholly after the callback was set: the CSV of
    -- what was pushed is the CSV of what the API serves.
    local date = os.date("!%Y-%m-%d", set_at + 2 * DAY)
    local from_receiver = temp.name()
    assert.is_true(os.execute(q(cbs.ACRLUA) .. " " .. q(cbs.RECEIVER) .. " --db " .. q(db) ..
      " --export " .. date .. " -z Asia/Tokyo --project 12345 > " .. q(from_receiver)))
    local from_api = temp.name()
    assert.is_true(os.execute("ACRCLOUD_ACCESS_TOKEN=" .. q(TOKEN) .. " " .. q(cbs.ACRLUA) ..
      " " .. q(cbs.EXPORT_RESULTS) .. " --base-url " .. q(emu.url) .. " -z Asia/Tokyo 12345 " ..
      date .. " > " .. q(from_api) .. " 2>/dev/null"))
    local a, b = support.read_file(from_api), support.read_file(from_receiver)
    assert.is_true(select(2, a:gsub("\r\n", "")) > 100)
    assert.are.equal(a, b)
  end)

  it("posts in the spec's shape, JSON by default", function()
    bd_result_callback{ result_callback_result_type = 1 }
    advance(3600)
    local row = rows("SELECT raw FROM results ORDER BY timestamp_utc LIMIT 1")[1]
    local post = assert(acrcloud.decode(row.raw))
    assert.are.equal("100251", post.stream_id)
    assert.are.equal("BBC Radio 1", post.stream_name)
    assert.are.equal("United Kingdom", post.stream_country)
    assert.are.equal("23", post.bucket_id)
    assert.are.equal("test_id", post.user_defined.custom_id)
    assert.are.equal(0, post.data.status.code)
    assert.are.equal(1, post.data.result_type)
    assert.are.equal("delay", post.data.metadata.type)
    assert.matches("^%d%d%d%d%-%d%d%-%d%d %d%d:%d%d:%d%d$", post.data.metadata.timestamp_utc)
    assert.is_truthy(post.data.metadata.music[1].acrid)
    -- The spec's key order.
    assert.matches('^{"stream_id":.-"stream_name":.-"stream_country":.-"bucket_id":.-"status":' ..
      '.-"user_defined":.-"data":', row.raw)
    local log = assert(emu.admin:request("GET", "/_emulator/deliveries")).data
    assert.are.equal("application/json", log[1].content_type)
  end)

  it("sends a form whose data field is the JSON text with send_type 1", function()
    bd_result_callback{ result_callback_send_type = 1 }
    local got = advance(3600)
    assert.is_true(got.delivered > 0)
    assert.are.equal("application/x-www-form-urlencoded", got.deliveries[1].content_type)
    assert.are.equal(got.delivered, count("results"))
  end)

  it("honours send_noresult", function()
    bd_result_callback{ result_callback_send_noresult = 1 }
    advance(DAY)
    local n = count("no_results")
    assert.is_true(n > 10, "no-results: " .. n)
    local post = assert(acrcloud.decode(rows("SELECT raw FROM no_results LIMIT 1")[1].raw))
    assert.are.equal(1001, post.data.status.code)
    assert.is_nil(post.data.metadata.music)
  end)

  it("posts realtime results ten seconds into each play with result_type 0", function()
    bd_result_callback{ result_callback_result_type = 0 }
    local got = advance(3600)
    assert.is_true(got.delivered > 0)
    local list = rows("SELECT played_duration, result_type, metadata_type FROM results",
      { "played_duration", "result_type" })
    for _, r in ipairs(list) do
      assert.are.equal("realtime", r.metadata_type)
      assert.are.equal(0, r.result_type)
      assert.is_true(r.played_duration <= 10)
    end
  end)

  it("delivers a Custom Streams project's results, songs and custom files", function()
    assert(client:set_cs_project_result_callback({ id = 17913,
      result_callback_url = receiver.url .. "/17913" }))
    local got = advance(6 * 3600)
    assert.are.equal(0, got.failed)
    assert.is_true(count("results", "stream_id = 's-XXXXXX'") > 0)
    assert.is_true(count("results", "stream_id = 's-Jq2n5T'") > 0)
    assert.is_true(count("results", "match_kind = 'custom'") > 0)
  end)

  it("delivers nothing that happened before the callback was set", function()
    advance(DAY)
    bd_result_callback{}
    local set_at = clock().now
    advance(3600)
    local first = rows("SELECT MIN(timestamp_utc) AS t FROM results")[1].t
    -- Results are posted once over; the earliest started at most an hour before.
    assert.is_true(parse_time(first) > parse_time(set_at) - 3600, first)
  end)
end)

describe("state notifications", function()
  it("post a Custom Streams stream's pause, restart and deletion", function()
    assert(client:set_cs_project_state_notification({ id = 17913,
      state_notification_url = receiver.url .. "/17913" }))
    -- Short advances: an outage spell of the monitoring is unlikely to
    -- start or end within them.
    assert(client:pause_streams({ pid = 17913, stream_ids = "s-XXXXXX" }))
    advance(0)
    advance(1)
    assert(client:restart_streams({ pid = 17913, stream_ids = "s-XXXXXX" }))
    advance(1)
    assert(client:delete_streams({ pid = 17913, stream_ids = "s-Jq2n5T" }))
    advance(0)
    local got = rows("SELECT stream_id, code, state, legacy FROM states ORDER BY timestamp, id",
      { "code", "legacy" })
    local seen = {}
    for _, r in ipairs(got) do seen[#seen + 1] = r.stream_id .. ":" .. r.code .. ":" .. r.state end
    assert.are.same({ "s-XXXXXX:4:paused", "s-XXXXXX:0:running", "s-Jq2n5T:10:deleted" }, seen)
  end)

  it("post a channel's state set through the admin route, in the v2 shape", function()
    assert(client:set_bd_project_state_notification({ id = 12345,
      state_callback_url = receiver.url }))
    assert(emu.admin:request("POST", "/_emulator/states", { body = { channel_id = 100251,
      code = 6 } }))
    -- Until the clock moves, nothing is sent.
    assert.are.equal(0, count("states"))
    local got = advance(0)
    assert.are.equal(1, got.delivered)
    local r = rows("SELECT * FROM states", { "code", "legacy" })[1]
    assert.are.equal("100251", r.stream_id)
    assert.are.equal("BBC Radio 1", r.stream_name)
    assert.are.equal(6, r.code)
    assert.are.equal("invalid_url", r.state)
    assert.are.equal(0, r.legacy)
    local post = assert(acrcloud.decode(r.raw))
    assert.are.equal(6, post.status[1].code)
    -- The API shows the new state too.
    local list = assert(client:list_channels({ pid = 12345 }))
    assert.are.equal(6, list.data[1].status_code)
  end)

  it("post the legacy flat shape as a form with state_callback_type 1", function()
    assert(client:set_bd_project_state_notification({ id = 12345,
      state_callback_url = receiver.url, state_callback_type = 1 }))
    assert(emu.admin:request("POST", "/_emulator/states", { body = { channel_id = 100251,
      code = 12 } }))
    advance(0)
    local r = rows("SELECT * FROM states", { "code", "legacy" })[1]
    assert.are.equal(1, r.legacy)
    assert.are.equal(12, r.code)
    assert.are.equal("mute", r.state)
  end)

  it("post the Mute and Timeout spells the monitoring finds, and their end", function()
    assert(client:set_bd_project_state_notification({ id = 12345,
      state_callback_url = receiver.url }))
    local got = advance(7 * DAY)
    assert.are.equal(0, got.failed)
    local spells = count("states", "code IN (1, 12)")
    assert.is_true(spells > 0, "no outage in a week")
    -- Each spell ends (Running again) unless it is still on.
    local ends = count("states", "code = 0")
    assert.is_true(ends == spells or ends == spells - 1, spells .. " spells, " .. ends .. " ends")
  end)

  it("refuse a code the monitoring does not set, and an unknown stream", function()
    local _, err = emu.admin:request("POST", "/_emulator/states", { body = { channel_id = 100251,
      code = 10 } })
    assert.are.equal(422, err.status)
    _, err = emu.admin:request("POST", "/_emulator/states", { body = { stream_id = "s-nope",
      code = 1 } })
    assert.are.equal(404, err.status)
  end)
end)

describe("delivery faults", function()
  local function fault(spec)
    assert(emu.admin:request("POST", "/_emulator/delivery-faults", { body = spec }))
  end

  local function states_in_order()
    local out = {}
    for _, e in ipairs(assert(emu.admin:request("GET", "/_emulator/deliveries")).data) do
      out[#out + 1] = e.code .. (e.fault and ("/" .. e.fault) or "")
    end
    return out
  end

  before_each(function()
    assert(client:set_bd_project_state_notification({ id = 12345,
      state_callback_url = receiver.url }))
  end)

  local function three_changes()
    for _, code in ipairs({ 12, 0, 1 }) do
      assert(emu.admin:request("POST", "/_emulator/states", { body = { channel_id = 100251,
        code = code } }))
      advance(1)
    end
  end

  it("duplicate: the same post twice, stored once", function()
    fault({ kind = "duplicate", callback = "state" })
    assert(emu.admin:request("POST", "/_emulator/states", { body = { channel_id = 100251,
      code = 12 } }))
    local got = advance(0)
    assert.are.equal(2, got.delivered)
    assert.are.same({ "12", "12/duplicate" }, states_in_order())
    assert.are.equal(1, count("states"))
  end)

  it("reorder: two posts of one advance swapped", function()
    assert(client:add_channels({ pid = 12345, channels = { 300101 } }))
    fault({ kind = "reorder" })
    assert(emu.admin:request("POST", "/_emulator/states", { body = { channel_id = 100251,
      code = 12 } }))
    assert(emu.admin:request("POST", "/_emulator/states", { body = { channel_id = 300101,
      code = 1 } }))
    local got = advance(0)
    assert.are.equal(2, got.delivered)
    assert.are.same({ "300101", "100251" }, { got.deliveries[1].stream_id,
      got.deliveries[2].stream_id })
    assert.are.equal("reordered", got.deliveries[2].fault)
    assert.are.same({ "1", "12/reordered" }, states_in_order())
    local stored = rows("SELECT stream_id FROM states ORDER BY id")
    assert.are.same({ "300101", "100251" }, { stored[1].stream_id, stored[2].stream_id })
  end)

  it("delay: one post held back until after later ones", function()
    fault({ kind = "delay", delay = 2 })
    three_changes()
    -- 12 was held; 0 and 1 went out; 2 s later, 12.
    advance(2)
    assert.are.same({ "0", "1", "12/delayed" }, states_in_order())
    local got = rows("SELECT code FROM states ORDER BY id", { "code" })
    assert.are.same({ 0, 1, 12 }, { got[1].code, got[2].code, got[3].code })
    assert.are.equal(3, count("states"))
  end)

  it("are listed, and refused when malformed", function()
    fault({ kind = "delay", delay = 5, count = 2 })
    local list = assert(emu.admin:request("GET", "/_emulator/delivery-faults")).data
    assert.are.equal(1, #list)
    assert.are.equal(2, list[1].count)
    local _, err = emu.admin:request("POST", "/_emulator/delivery-faults",
      { body = { kind = "explode" } })
    assert.are.equal(422, err.status)
    assert(emu.admin:request("DELETE", "/_emulator/delivery-faults"))
    assert.are.equal(0, #assert(emu.admin:request("GET", "/_emulator/delivery-faults")).data)
  end)
end)

describe("delivery failures", function()
  it("a receiver that never answers holds the emulator up its short timeout, no more", function()
    -- A server that accepts connections and never answers.
    local hang = require("acrcloud.httpd").listen({ port = 0 })
    assert(client:set_bd_project_state_notification({ id = 12345,
      state_callback_url = "http://127.0.0.1:" .. hang:port() .. "/callback" }))
    assert(emu.admin:request("POST", "/_emulator/states", { body = { channel_id = 100251,
      code = 12 } }))
    local t0 = process.now()
    local got = advance(0)
    local took = process.now() - t0
    hang:close()
    assert.are.equal(1, got.failed)
    assert.matches("timeout", got.deliveries[1].error)
    assert.is_true(took >= 1.5 and took < 4, string.format("took %.2f s", took))
    -- And it serves again at once.
    assert(client:list_bd_projects({}))
  end)

  it("does not post to itself, and logs the URL without its query", function()
    assert(client:set_bd_project_state_notification({ id = 12345,
      state_callback_url = emu.url .. "/x?key=hunter2" }))
    assert(emu.admin:request("POST", "/_emulator/states", { body = { channel_id = 100251,
      code = 12 } }))
    local got = advance(0)
    assert.are.equal(1, got.failed)
    assert.matches("emulator's own", got.deliveries[1].error)
    assert.is_nil(got.deliveries[1].url:find("hunter2", 1, true))
  end)

  it("records a receiver's refusal (401 without the key)", function()
    local keyed = cbs.receiver({ db = new_db(), env = { ACRCLOUD_CALLBACK_KEY = "k-1" } })
    assert(client:set_bd_project_state_notification({ id = 12345,
      state_callback_url = keyed.url }))
    assert(emu.admin:request("POST", "/_emulator/states", { body = { channel_id = 100251,
      code = 12 } }))
    local got = advance(0)
    assert.are.equal(401, got.deliveries[1].status)
    assert.are.equal(1, got.failed)
    keyed.stop()
  end)
end)
