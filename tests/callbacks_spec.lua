-- acrcloud.callbacks: callback posts -> events, on the corpus under
-- tests/fixtures/callbacks/ (its README lists the files).
local acrcloud = require "acrcloud"
local callbacks = require "acrcloud.callbacks"
local support = dofile(debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") .. "support.lua")

local DIR = support.ROOT .. "/tests/fixtures/callbacks/"
local SPEC = "../shared/spec/bd-projects.txt"

local function fixture(name)
  return assert(support.read_file(DIR .. name), "no fixture " .. name)
end

-- The request a fixture stands for: .json as JSON, .form as a form.
local function request(name, o)
  o = o or {}
  local ctype = name:match("%.form$") and "application/x-www-form-urlencoded"
    or "application/json; charset=utf-8"
  return { method = o.method or "POST", headers = { ["content-type"] = o.ctype or ctype },
    body = o.body or fixture(name) }
end

local function parse(name, o)
  return callbacks.parse(request(name, o))
end

-- The one event a fixture makes (an error when it makes another number).
local function parse_one(name, o)
  local events = assert(parse(name, o))
  assert.are.equal(1, #events, name)
  return events[1]
end

-- The event (or any table) has the fields of `want`, with its values.
local function has_fields(want, event)
  assert.are.same(want, support.fields(event, want))
end

describe("the corpus", function()
  it("holds the spec's two examples byte for byte", function()
    local spec = support.read_file(SPEC)
    if not spec then
      pending("no " .. SPEC .. " beside this clone: byte comparison skipped")
      return
    end
    for _, name in ipairs({ "spec-result.json", "spec-state.json" }) do
      local text = fixture(name)
      assert.is_truthy(spec:find(text, 1, true), name .. " is not a part of the spec")
      -- Whole JSON documents, not a piece of one: they start and end with braces.
      assert.are.equal("{", text:sub(1, 1))
      assert.are.equal("}", text:sub(-1))
    end
  end)
end)

describe("callbacks.parse: results", function()
  it("reads the spec's result example as one music result", function()
    local e = parse_one("spec-result.json")
    has_fields({
      kind = "result", shape = "result_json", stream_id = "100251", stream_name = "BBC Radio 1",
      timestamp_utc = "2020-01-14 05:49:18", played_duration = 139, result_type = 0,
      type = "delay", record_timestamp = "20200114054918", match = "music", position = 1,
      acrid = "9564199dacc709123aee61c9556bacd2", title = "I Know You",
      artists = { "Craig David" }, album = "I Know You", label = "Speakerbox/Insanity Records",
      release_date = "2017-11-10", isrc = { "GBARL1701677", "GBARL1800085" },
      upc = { "886446809496", "886446747439", "886446617541" }, score = 100,
    }, e)
    assert.are.equal(math.type(e.played_duration), "integer")
  end)

  it("keeps the JSON body byte for byte as the event's raw text", function()
    local events = assert(parse("spec-result.json"))
    assert.are.equal(fixture("spec-result.json"), events[1].raw)
  end)

  it("keeps the match as posted, nested fields included", function()
    local e = assert(parse("spec-result.json"))[1]
    assert.are.equal("Bastille", e.item.external_metadata.spotify[1].artists[2].name)
  end)

  it("makes one event per match, songs first, then custom files", function()
    local events = assert(parse("result-music-custom.json"))
    assert.are.equal(3, #events)
    assert.are.same({ "music", "music", "custom" },
      { events[1].match, events[2].match, events[3].match })
    assert.are.same({ 1, 2, 3 }, { events[1].position, events[2].position, events[3].position })
    assert.are.equal("Slow River, Fast Boat", events[2].title)
    assert.are.same({ "Kestrel Union", "Mara Quill" }, events[1].artists)
    assert.are.equal("5f1b0c6a2e8d4b7c9a3e1d0f8b6c4a2e", events[3].acrid)
    assert.are.same({}, events[3].isrc)
    for _, e in ipairs(events) do
      assert.are.equal("s-XXXXXX", e.stream_id)
      assert.are.equal("2021-03-28 01:01:08", e.timestamp_utc)
      assert.are.equal(1, e.result_type)
    end
  end)

  it("reads a form whose data field is the whole post", function()
    local e = parse_one("result-form-whole.form")
    has_fields({ shape = "result_form", stream_id = "100251", type = "realtime",
      title = "Harbour Lights" }, e)
    -- raw is the JSON text the form carried.
    local whole = support.read_file(DIR .. "result-form-whole.form"):match("^data=(.*)$")
    assert.are.equal(callbacks.parse_form("data=" .. whole).data, e.raw)
  end)

  it("reads a form whose data field holds the data object, the stream beside it", function()
    local events = assert(parse("result-form-split.form"))
    local e = events[1]
    has_fields({ shape = "result_form", stream_id = "100251", stream_name = "BBC Radio 1",
      timestamp_utc = "2020-01-14 05:52:01" }, e)
    local raw = assert(acrcloud.decode(e.raw))
    assert.are.equal("United Kingdom", raw.stream_country)
    assert.are.equal("Harbour Lights", raw.data.metadata.music[1].title)
  end)

  it("reads the same post the same way as JSON and as a form", function()
    local a = assert(parse("noresult.json"))[1]
    local b = assert(parse("noresult.form"))[1]
    for _, k in ipairs({ "kind", "stream_id", "stream_name", "timestamp_utc", "played_duration",
      "result_type", "type", "record_timestamp", "status_code" }) do
      assert.are.equal(a[k], b[k], k)
    end
  end)

  it("reads a post with status 1001 as a no-result", function()
    local e = parse_one("noresult.json")
    has_fields({ kind = "no_result", status_code = 1001, timestamp_utc = "2020-01-14 06:02:11",
      played_duration = 73 }, e)
    assert.is_nil(e.acrid)
  end)

  it("reads a post without matches as a no-result, a numeric stream_id as a string", function()
    has_fields({ kind = "no_result", stream_id = "100251", status_code = 0 },
      assert(parse("noresult-empty-music.json"))[1])
  end)

  it("takes a custom file's audio_id when it has no acrid", function()
    local post = assert(acrcloud.decode(fixture("result-music-custom.json")))
    local item = post.data.metadata.custom_files[1]
    item.acrid = nil
    item.audio_id = "jingle-7"
    local events = assert(callbacks.parse({ method = "POST",
      headers = { ["content-type"] = "application/json" }, body = acrcloud.encode(post) }))
    assert.are.equal("jingle-7", events[3].acrid)
  end)

  it("reads JSON sent without a content type", function()
    assert.is_table(parse_one("spec-result.json", { ctype = "" }))
  end)
end)

describe("callbacks.parse: states", function()
  it("reads the spec's state example", function()
    local e = parse_one("spec-state.json")
    has_fields({ kind = "state", shape = "state_v2", stream_id = "222195",
      stream_name = "Radio Fermo Uno", code = 6, state = "invalid_url", type = "unknown",
      timestamp = "2022-01-22 14:02:00", raw = fixture("spec-state.json") }, e)
    assert.is_nil(e.legacy)
  end)

  it("makes one event per change of a v2 post, naming a state it leaves out", function()
    local events = assert(parse("state-v2-two.json"))
    assert.are.equal(2, #events)
    assert.are.same({ 4, 0 }, { events[1].code, events[2].code })
    assert.are.same({ "paused", "running" }, { events[1].state, events[2].state })
  end)

  it("reads a v2 state post sent as a form", function()
    has_fields({ shape = "state_v2", code = 4 }, assert(parse("state-v2.form"))[1])
  end)

  it("reads the legacy flat shape from a form, without a timestamp", function()
    local e = parse_one("state-legacy.form")
    has_fields({ shape = "state_legacy", legacy = true, stream_id = "222195", code = 6,
      state = "invalid_url" }, e)
    assert.is_nil(e.timestamp)
  end)

  it("reads the legacy shape as JSON, a numeric status standing for the code's name", function()
    has_fields({ stream_id = "100251", code = 12, state = "mute", type = "radio" },
      assert(parse("state-legacy.json"))[1])
  end)

  it("names every state code of the spec's table", function()
    local names = {}
    for _, code in ipairs({ 0, 1, 4, 6, 10, 12 }) do
      names[#names + 1] = callbacks.state_name(code)
    end
    assert.are.same({ "running", "timeout", "paused", "invalid_url", "deleted", "mute" }, names)
    assert.are.equal("unknown", callbacks.state_name(99))
  end)
end)

describe("callbacks.parse: what it refuses", function()
  -- Fixtures refused with 400, and what the message says (a pattern).
  local bad_fixtures = {
    { "bad-truncated.json", "the body is not valid JSON" },
    { "bad-array.json", "the body must be a JSON object" },
    { "bad-unknown-shape.json", "neither a result" },
    { "bad-no-timestamp.json", "data.metadata.timestamp_utc is missing" },
    { "bad-date.json",
      'data.metadata.timestamp_utc must be YYYY%-mm%-dd HH:MM:SS, got "2020%-02%-30' },
    { "bad-status-code.json", "data.status.code 3000 is neither 0" },
    { "bad-custom-no-id.json", "data.metadata.custom_files%[1%] has neither acrid nor audio_id" },
    { "bad-state-code.json", "status%[1%]%.code must be an integer" },
    { "bad-empty-stream-id.json", "stream_id must be a non%-empty string or number" },
  }
  -- Requests made of a fixture (by its name: .json or .form) changed by the
  -- options of request() above, the status and what the message says.
  local cases = {
    { "an empty body", "spec-result.json", { body = "  \r\n" }, 400, "^the body is empty$" },
    { "a method other than POST, with 405", "spec-result.json", { method = "GET" }, 405,
      "method GET not allowed" },
    { "a content type it does not read, with 415", "spec-result.json",
      { ctype = "application/xml" }, 415, "unsupported Content%-Type application/xml" },
    { "a form whose data field is not JSON", "x.form", { body = "data=%7Bnope" }, 400,
      "the form field data is not valid JSON" },
    { "a body that is not UTF-8", "x.json", { body = '{"stream_id": "\255"}' }, 400,
      "^the body is not valid UTF%-8$" },
    { "a form field that is not UTF-8", "x.form", { body = "stream_id=%FF&code=1" }, 400,
      "^the form field stream_id is not valid UTF%-8 text$" },
    { "a v2 post with an empty status list", "x.json", { body = '{"status": []}' }, 400,
      "^status is an empty list$" },
  }
  for _, c in ipairs(bad_fixtures) do
    cases[#cases + 1] = { c[1] .. ": 400 naming the problem", c[1], nil, 400, c[2] }
  end
  for _, c in ipairs(cases) do
    local name, file, options, status, pattern = table.unpack(c, 1, 5)
    it(name, function()
      local events, message, got = parse(file, options)
      assert.is_nil(events)
      assert.are.equal(status, got)
      assert.matches(pattern, message)
    end)
  end

  it("raises on misuse (no request table)", function()
    assert.has_error(function() callbacks.parse("body") end)
  end)
end)
