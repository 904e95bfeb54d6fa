-- Buckets, audio files, live and recorded channels, dedup files: every
-- operation through the client against the emulator (what went on the wire,
-- what came back, 404s and 422s), the multipart upload, and the emulator's
-- multipart parser and parameter locations on their own.
local acrcloud = require "acrcloud"
local multipart = require "acrcloud.emulator.multipart"
local validate = require "acrcloud.emulator.validate"
local here = debug.getinfo(1, "S").source:match("^@(.-)[^/]*$")
local support = dofile(here .. "support.lua")

local client, dir
local emu = support.spec_emulator(_ENV, "buckets-spec-token", function(c) client = c end)
local requests, last_request = emu.requests, emu.last_request
local decoded_body = support.wire_body
local failed, refused = support.failed, support.refused
local request_line = support.request_line

-- A file of the spec's temporary directory; its path.
local function write_file(name, bytes)
  local path = dir .. "/" .. name
  support.write_file(path, bytes)
  return path
end

-- A request the client cannot make (a malformed body): through curl.
-- Returns the status and the decoded answer.
local function curl(method, path, args)
  local code, body = support.curl(method, emu.url .. path,
    { headers = { Authorization = "Bearer " .. emu.token }, args = { args } })
  return code, acrcloud.decode(body)
end

-- Bytes that text handling would spoil: NUL, CR LF, a boundary look-alike.
local AUDIO = "ID3\3\0\0\0\0\0\0" .. "\r\n--not-the-boundary\r\n" .. string.rep("\255\0\1", 100)

setup(function() dir = support.tmpdir() end)
teardown(function() support.rmdir(dir) end)

describe("the emulator's multipart parser", function()
  local B = "xYz-boundary"
  local CT = "multipart/form-data; boundary=" .. B

  local function part(headers, data)
    return "--" .. B .. "\r\n" .. headers .. "\r\n\r\n" .. data .. "\r\n"
  end

  it("reads text parts as fields and parts with a filename as files", function()
    local body = part('Content-Disposition: form-data; name="title"', "Blue; Hour") ..
      part('Content-Disposition: form-data; name="file"; filename="a.mp3"\r\n' ..
        "Content-Type: audio/mpeg", AUDIO) .. "--" .. B .. "--\r\n"
    local fields, files = multipart.parse_request(CT, body)
    assert.same({ title = "Blue; Hour" }, fields)
    assert.same({ file = { filename = "a.mp3", content_type = "audio/mpeg", data = AUDIO } },
      files)
  end)

  it("takes a quoted boundary and ignores the preamble and the epilogue", function()
    local body = "preamble\r\n" .. part('Content-Disposition: form-data; name="a"', "1") ..
      "--" .. B .. "--\r\nepilogue"
    local fields = multipart.parse_request('multipart/form-data; boundary="' .. B .. '"', body)
    assert.same({ a = "1" }, fields)
  end)

  it("unescapes quoted names as curl writes them", function()
    local body = part('Content-Disposition: form-data; name="a"; filename="x \\"y\\".mp3"', "") ..
      "--" .. B .. "--"
    local _, files = multipart.parse_request(CT, body)
    assert.equal('x "y".mp3', files.a.filename)
  end)

  it("keeps the last of parts sharing a name", function()
    local body = part('Content-Disposition: form-data; name="a"', "1") ..
      part('Content-Disposition: form-data; name="a"', "2") .. "--" .. B .. "--"
    assert.same({ a = "2" }, (multipart.parse_request(CT, body)))
  end)

  it("treats a part with an empty filename and no data as no file", function()
    local body = part('Content-Disposition: form-data; name="file"; filename=""', "") ..
      "--" .. B .. "--"
    local fields, files = multipart.parse_request(CT, body)
    assert.same({ {}, {} }, { fields, files })
  end)

  -- What it refuses: the content type, the body, what the error says.
  local refusals = {
    { "a content type without a boundary", "multipart/form-data", "--x--", "boundary" },
    { "a body without its closing boundary", CT,
      part('Content-Disposition: form-data; name="a"', "1"), "closing boundary" },
    { "a part without a form-data name", CT,
      part("Content-Type: text/plain", "1") .. "--" .. B .. "--", "no form%-data name" },
  }
  for _, case in ipairs(refusals) do
    local name, content_type, body, message = table.unpack(case)
    it("refuses " .. name, function()
      local fields, err = multipart.parse_request(content_type, body)
      assert.is_nil(fields)
      assert.matches(message, err)
    end)
  end
end)

describe("parameter locations in the emulator's validation", function()
  local function check(params, inputs)
    local errors = validate.errors()
    inputs.path, inputs.query, inputs.body = inputs.path or {}, inputs.query or {},
      inputs.body or {}
    local out = validate.check_params({ params = params }, inputs, errors)
    return out, errors.fields
  end

  it("skips host, secret and output parameters even when required", function()
    local out, errs = check({
      { name = "region", location = "host", type = "string", required = true },
      { name = "access_secret", location = "secret", type = "string", required = true },
      { name = "output", location = "output", type = "string", required = true },
    }, { body = { access_secret = "leaked" } })
    assert.same({}, out)
    assert.same({}, errs)
  end)

  it("gives a file parameter the uploaded part", function()
    local file = { filename = "a.mp3", content_type = "audio/mpeg", data = "x" }
    local out = check({ { name = "file", location = "file", type = "string", required = true } },
      { files = { file = file }, form = true })
    assert.equal(file, out.file)
  end)

  it("refuses a file parameter sent as a text field", function()
    local _, errs = check({ { name = "file", location = "file", type = "string" } },
      { body = { file = "/tmp/a.mp3" }, form = true })
    assert.same({ "The file must be a file." }, errs.file)
  end)

  it("requires a required file parameter", function()
    local _, errs = check({ { name = "file", location = "file", type = "string",
      required = true } }, { form = true })
    assert.same({ "The file field is required." }, errs.file)
  end)

  it("decodes JSON form fields for table parameters only", function()
    local out = check({ { name = "labels", location = "body", type = "array" },
      { name = "title", location = "body", type = "string" } },
      { body = { labels = '["a","b"]', title = '["a"]' }, form = true })
    assert.same({ "a", "b" }, out.labels)
    assert.equal('["a"]', out.title)
  end)
end)

describe("multipart requests to the emulator", function()
  it("answer 400 when the body is malformed", function()
    local status, body = curl("POST", "/buckets/8881/files",
      "-H 'Content-Type: multipart/form-data; boundary=abc' --data-binary 'no parts here'")
    assert.equal(400, status)
    assert.matches("boundary", body.message)
  end)

  it("answer 422 when the file comes as a text field", function()
    local status, body = curl("POST", "/buckets/8881/files",
      "-F data_type=audio -F file=not-a-file")
    assert.equal(422, status)
    assert.same({ "The file must be a file." }, body.errors.file)
  end)
end)

describe("buckets", function()
  local function create(fields)
    fields = fields or {}
    return assert(client:create_bucket{ name = fields.name or "jingles",
      region = fields.region or "eu-west-1", type = fields.type or "File",
      labels = fields.labels or { "Music" }, net_type = fields.net_type })
  end

  it("create sends JSON and answers 201 with the bucket", function()
    local body, res = create{ name = "jingles", net_type = 2 }
    local wire = last_request()
    assert.same({ "POST", "/api/buckets", 201 }, { wire.method, wire.path, res.status })
    assert.same({ name = "jingles", region = "eu-west-1", type = "File", labels = { "Music" },
      net_type = 2 }, decoded_body(wire))
    assert.equal("integer", math.type(body.data.id))
    assert.same({ "jingles", "File", "eu-west-1", 2, 0, { "Music" } }, { body.data.name,
      body.data.type, body.data.region, body.data.net_type, body.data.num, body.data.labels })
  end)

  it("list filters by type and region and paginates", function()
    create{ name = "a" }
    local body = assert(client:list_buckets{ type = "File", region = "eu-west-1", page = 1,
      per_page = 2 })
    assert.same({ "/api/buckets", {} },
      support.sent(last_request(), { "type=File", "region=eu-west-1", "per_page=2" }))
    -- 8881, 8883, 14661 are seeded File buckets in eu-west-1.
    assert.equal(4, body.meta.total)
    assert.equal(2, #body.data)
    assert.equal("a", body.data[1].name)
    for _, b in ipairs(body.data) do assert.equal("File", b.type) end
  end)

  it("get returns what create made", function()
    local id = create{ name = "jingles" }.data.id
    local body = assert(client:get_bucket{ id = id })
    assert.same({ "GET", "/api/buckets/" .. id }, { last_request().method, last_request().path })
    assert.same({ id, "jingles" }, { body.data.id, body.data.name })
  end)

  it("get answers 404 for an unknown id", function()
    local body, err = client:get_bucket{ id = 999 }
    assert.is_nil(body)
    assert.same({ "http", 404 }, { err.kind, err.status })
    assert.equal("No query results for model [Bucket] 999", err.message)
  end)

  it("update sends the changed fields with PUT", function()
    local id = create().data.id
    local body = assert(client:update_bucket{ id = id, name = "renamed", labels = { "Ads" } })
    local wire = last_request()
    assert.same({ "PUT", "/api/buckets/" .. id }, { wire.method, wire.path })
    assert.same({ name = "renamed", labels = { "Ads" } }, decoded_body(wire))
    assert.same({ "renamed", { "Ads" } }, { body.data.name, body.data.labels })
    assert.equal("renamed", assert(client:get_bucket{ id = id }).data.name)
  end)

  it("delete removes the bucket and its files", function()
    assert.truthy(client:delete_bucket{ id = 8883 })
    assert.same({ "DELETE", "/api/buckets/8883", 204 }, request_line(last_request()))
    local _, err = client:get_bucket{ id = 8883 }
    assert.equal(404, err.status)
    -- The seeded files of 8883 were 380121 and 380122; moving one back
    -- into another bucket finds nothing.
    local _, move_err = client:move_audio_files{ bucket_id = 8881, ids = 380121 }
    assert.equal(404, move_err.status)
  end)
end)

describe("audio files", function()
  local function upload(name, fields)
    local params = { bucket_id = 8883, data_type = "audio", file = write_file(name, AUDIO),
      title = "Jingle" }
    for k, v in pairs(fields or {}) do params[k] = v end
    return assert(client:upload_audio_file(params))
  end

  it("upload sends the file as multipart/form-data", function()
    upload("jingle.mp3", { title = "Jingle" })
    local wire = last_request()
    assert.same({ "POST", "/api/buckets/8883/files" }, { wire.method, wire.path })
    assert.matches("^multipart/form%-data; *boundary=", wire.headers["content-type"])
    assert.truthy(wire.body:find('name="file"; filename="jingle.mp3"', 1, true))
    assert.truthy(wire.body:find('name="data_type"\r\n\r\naudio\r\n', 1, true))
    assert.truthy(wire.body:find('name="title"\r\n\r\nJingle\r\n', 1, true))
    assert.truthy(support.wire_bytes(wire):find(AUDIO, 1, true))
    assert.truthy(wire.body:find("\u{FFFD}", 1, true), "the log shows stray bytes as U+FFFD")
  end)

  it("upload answers the new file, still processing", function()
    local body = upload("jingle.mp3", { title = "Jingle" })
    assert.equal("integer", math.type(body.data.id))
    assert.same({ 8883, 0, "Jingle", "audio" }, { body.data.bucket_id, body.data.state,
      body.data.title, body.data.data_type })
    assert.matches("^%x+$", body.data.acr_id)
    assert.equal(32, #body.data.acr_id)
  end)

  it("the emulator keeps the uploaded bytes: get shows their size, ready", function()
    local id = upload("jingle.mp3").data.id
    local body = assert(client:get_audio_file{ bucket_id = 8883, id = id })
    assert.equal("/api/buckets/8883/files/" .. id, last_request().path)
    assert.same({ id, #AUDIO, "jingle.mp3", 1 }, { body.data.id, body.data.size,
      body.data.filename, body.data.state })
  end)

  it("upload passes user_defined through the form as JSON", function()
    local body = upload("a.mp3", { user_defined = '{"isrc":"GBXXX"}' })
    assert.same({ isrc = "GBXXX" }, body.data.user_defined)
  end)

  it("upload with audio_url sends JSON", function()
    local body = assert(client:upload_audio_file{ bucket_id = 8883, data_type = "audio_url",
      url = "http://media.example.com/a/song.mp3", title = "Song" })
    local wire = last_request()
    assert.same({ "POST", "/api/buckets/8883/files" }, { wire.method, wire.path })
    assert.matches("^application/json", wire.headers["content-type"])
    assert.same({ data_type = "audio_url", url = "http://media.example.com/a/song.mp3",
      title = "Song" }, decoded_body(wire))
    assert.same({ "audio_url", "song.mp3", "Song" }, { body.data.data_type, body.data.filename,
      body.data.title })
  end)

  it("upload of a missing file fails before any request", function()
    local body, err = client:upload_audio_file{ bucket_id = 8883, data_type = "audio",
      file = dir .. "/no-such-file.mp3" }
    assert.is_nil(body)
    assert.equal("file", err.kind)
    assert.same({}, requests())
  end)

  it("upload counts the file in the bucket's num", function()
    local before = assert(client:get_bucket{ id = 8883 }).data.num
    upload("a.mp3")
    assert.equal(before + 1, assert(client:get_bucket{ id = 8883 }).data.num)
  end)

  it("list sends search, order and paging as a query and finds the upload", function()
    local id = upload("a.mp3", { title = "Unique Jingle" }).data.id
    local body = assert(client:list_audio_files{ bucket_id = 8883, search = "unique",
      order = "desc", page = 1, per_page = 5 })
    assert.same({ "/api/buckets/8883/files", {} },
      support.sent(last_request(), { "search=unique", "order=desc", "per_page=5" }))
    assert.same({ 1, id, 1 }, { body.meta.total, body.data[1].id, body.data[1].state })
  end)

  it("list paginates the seeded files oldest first", function()
    local body = assert(client:list_audio_files{ bucket_id = 8881, per_page = 50, page = 3 })
    assert.same({ 120, 3, 3, "50", 20 }, { body.meta.total, body.meta.last_page,
      body.meta.current_page, body.meta.per_page, #body.data })
    assert.is_true(body.data[1].id < body.data[2].id)
  end)

  it("get finds a file by its acr_id too", function()
    local up = upload("a.mp3").data
    local body = assert(client:get_audio_file{ bucket_id = 8883, id = up.acr_id })
    assert.equal(up.id, body.data.id)
  end)

  it("get answers 404 for a file of another bucket", function()
    local id = upload("a.mp3").data.id
    assert.same({ 404, "No query results for model [File] " .. id },
      failed(client:get_audio_file{ bucket_id = 8881, id = id }))
  end)

  it("update sends title and user_defined with PUT", function()
    local id = upload("a.mp3").data.id
    local body = assert(client:update_audio_file{ bucket_id = 8883, id = id, title = "New",
      user_defined = '{"k":"v"}' })
    local wire = last_request()
    assert.same({ "PUT", "/api/buckets/8883/files/" .. id }, { wire.method, wire.path })
    assert.same({ title = "New", user_defined = '{"k":"v"}' }, decoded_body(wire))
    assert.same({ "New", { k = "v" } }, { body.data.title, body.data.user_defined })
    assert.equal("New", assert(client:get_audio_file{ bucket_id = 8883, id = id }).data.title)
  end)

  it("delete joins a list of ids with commas and removes them", function()
    local a, b = upload("a.mp3").data.id, upload("b.mp3").data.id
    assert.truthy(client:delete_audio_files{ bucket_id = 8883, ids = { a, b } })
    assert.same({ "DELETE", "/api/buckets/8883/files/" .. a .. "," .. b, 204 },
      request_line(last_request()))
    assert.equal(404, select(2, client:get_audio_file{ bucket_id = 8883, id = a }).status)
    assert.equal(404, select(2, client:get_audio_file{ bucket_id = 8883, id = b }).status)
  end)

  it("delete answers 404 naming the unknown ids and deletes nothing", function()
    local a = upload("a.mp3").data.id
    assert.same({ 404, "No query results for model [File] 999" },
      failed(client:delete_audio_files{ bucket_id = 8883, ids = { a, 999 } }))
    assert.truthy(client:get_audio_file{ bucket_id = 8883, id = a })
  end)

  it("move puts the files into the bucket of the path", function()
    local body = assert(client:move_audio_files{ bucket_id = 14661, ids = { 380121, 380122 } })
    local wire = last_request()
    assert.same({ "PUT", "/api/buckets/14661/files/380121,380122/move" },
      { wire.method, wire.path })
    assert.same({ 14661, 14661 }, { body.data[1].bucket_id, body.data[2].bucket_id })
    assert.equal(2, assert(client:list_audio_files{ bucket_id = 14661 }).meta.total)
    assert.same({ 0, 2 }, { assert(client:get_bucket{ id = 8883 }).data.num,
      assert(client:get_bucket{ id = 14661 }).data.num })
  end)

  it("dump returns every file of the bucket", function()
    local id = upload("a.mp3").data.id
    local body = assert(client:dump_audio_files{ bucket_id = 8883 })
    local wire = last_request()
    assert.same({ "GET", "/api/buckets/8883/files/dump" }, { wire.method, wire.path })
    local ids = {}
    for i, f in ipairs(body.data) do ids[i] = f.id end
    assert.same({ 380121, 380122, id }, ids)
  end)
end)

describe("live channels", function()
  local function create(fields)
    local params = { bucket_id = 8882, title = "Jazz FM", url = "http://jazz.example/live",
      timeshift = "1" }
    for k, v in pairs(fields or {}) do params[k] = v end
    return assert(client:create_live_channel(params))
  end

  it("create sends JSON and answers 201 with the channel", function()
    local body, res = create()
    local wire = last_request()
    assert.same({ "POST", "/api/buckets/8882/channels", 201 },
      { wire.method, wire.path, res.status })
    assert.same({ title = "Jazz FM", url = "http://jazz.example/live", timeshift = "1" },
      decoded_body(wire))
    assert.equal("integer", math.type(body.data.id))
    assert.same({ 8882, "Jazz FM", 1, "Live" }, { body.data.bucket_id, body.data.title,
      body.data.timeshift, body.data.bucket_type })
  end)

  it("list shows the bucket's channels newest first, with channel_id", function()
    local id = create().data.id
    local body = assert(client:list_live_channels{ bucket_id = 8882, per_page = 10 })
    assert.equal("/api/buckets/8882/channels", last_request().path)
    assert.same({ 4, id, id }, { body.meta.total, body.data[1].id, body.data[1].channel_id })
  end)

  it("list searches titles", function()
    local body = assert(client:list_live_channels{ bucket_id = 8882, search = "nova" })
    assert.truthy(last_request().query:find("search=nova", 1, true))
    assert.same({ 1, "Radio Nova" }, { body.meta.total, body.data[1].title })
  end)

  it("get returns what create made", function()
    local id = create().data.id
    local body = assert(client:get_live_channel{ bucket_id = 8882, id = id })
    assert.equal("/api/buckets/8882/channels/" .. id, last_request().path)
    assert.same({ id, "Jazz FM" }, { body.data.id, body.data.title })
  end)

  it("update sends the changed fields with PUT", function()
    local id = create().data.id
    local body = assert(client:update_live_channel{ bucket_id = 8882, id = id,
      title = "Jazz FM 2", timeshift = "0" })
    local wire = last_request()
    assert.same({ "PUT", "/api/buckets/8882/channels/" .. id }, { wire.method, wire.path })
    assert.same({ title = "Jazz FM 2", timeshift = "0" }, decoded_body(wire))
    assert.same({ "Jazz FM 2", 0 }, { body.data.title, body.data.timeshift })
  end)

  it("delete removes the channels the id list names", function()
    local a, b = create().data.id, create().data.id
    assert.truthy(client:delete_live_channels{ bucket_id = 8882, ids = { a, b } })
    assert.same({ "DELETE", "/api/buckets/8882/channels/" .. a .. "," .. b, 204 },
      request_line(last_request()))
    assert.equal(3, assert(client:list_live_channels{ bucket_id = 8882 }).meta.total)
  end)
end)

describe("recorded channels", function()
  it("import sends the ids and the LiveRec bucket then lists the channels", function()
    local body = assert(client:import_rec_channels{ bucket_id = 14662, ids = "52002,52003" })
    local wire = last_request()
    assert.same({ "POST", "/api/buckets/14662/rec-channels" }, { wire.method, wire.path })
    assert.same({ ids = "52002,52003" }, decoded_body(wire))
    assert.same({ 52002, 52003 }, { body.data[1].id, body.data[2].id })
    local list = assert(client:list_live_channels{ bucket_id = 14662 })
    -- 52001 is imported in the seed data.
    assert.same({ 3, "LiveRec" }, { list.meta.total, list.data[1].bucket_type })
  end)

  it("delete removes the recorded channels", function()
    assert(client:import_rec_channels{ bucket_id = 14662, ids = "52002" })
    assert.truthy(client:delete_rec_channels{ bucket_id = 14662, ids = { 52001, 52002 } })
    assert.same({ "DELETE", "/api/buckets/14662/rec-channels/52001,52002", 204 },
      request_line(last_request()))
    assert.equal(0, assert(client:list_live_channels{ bucket_id = 14662 }).meta.total)
    -- The live channels themselves stay.
    assert.truthy(client:get_live_channel{ bucket_id = 8882, id = 52001 })
  end)
end)

describe("dedup files", function()
  local function add(track, bytes, extra)
    local params = { bucket_id = 14663, id = track, file = write_file(track .. ".fp", bytes) }
    for k, v in pairs(extra or {}) do params[k] = v end
    return assert(client:add_dedup_file(params))
  end

  it("add sends the fingerprint as multipart and stores it", function()
    local body = add("track-1", "FP\0one")
    local wire = last_request()
    assert.same({ "POST", "/api/buckets/14663/dedup-files" }, { wire.method, wire.path })
    assert.matches("^multipart/form%-data", wire.headers["content-type"])
    assert.truthy(wire.body:find('name="id"\r\n\r\ntrack-1\r\n', 1, true))
    assert.truthy(wire.body:find('filename="track-1.fp"', 1, true))
    assert.same({ {}, true }, { body.data.dup_files, body.data.do_db })
    assert.matches("^%x+$", body.data.acr_id)
  end)

  it("add of the same fingerprint names the duplicate and stores nothing", function()
    local first = add("track-1", "FP\0one").data
    local body = add("track-2", "FP\0one")
    assert.same({ { "track-1" }, first.acr_id, false }, { body.data.dup_files,
      body.data.acr_id, body.data.do_db })
    assert.equal(1, assert(client:list_dedup_files{ bucket_id = 14663 }).meta.total)
  end)

  it("add with db_if_nodup 0 stores nothing", function()
    local body = add("track-1", "FP\0one", { db_if_nodup = 0 })
    assert.is_false(body.data.do_db)
    assert.equal(0, assert(client:list_dedup_files{ bucket_id = 14663 }).meta.total)
  end)

  it("add answers 422 for a track id already stored", function()
    add("track-1", "FP\0one")
    assert.same({ 422, { "The id has already been taken." } },
      refused("id", client:add_dedup_file{ bucket_id = 14663, id = "track-1",
        file = write_file("other.fp", "FP\0two") }))
  end)

  it("list pages the stored fingerprints with their duplicates", function()
    add("track-1", "FP\0one")
    add("track-2", "FP\0one")
    add("track-3", "FP\0three")
    local body = assert(client:list_dedup_files{ bucket_id = 14663, page = 1, per_page = 1 })
    local wire = last_request()
    assert.equal("/api/buckets/14663/dedup-files", wire.path)
    assert.truthy(wire.query:find("per_page=1", 1, true))
    assert.same({ 2, 2, "1" }, { body.meta.total, body.meta.last_page, body.meta.per_page })
    assert.same({ "track-3", {} }, { body.data[1].id, body.data[1].dup_files })
  end)

  it("get finds a fingerprint by track id and by acr_id", function()
    local acr_id = add("track-1", "FP\0one").data.acr_id
    add("track-2", "FP\0one")
    local body = assert(client:get_dedup_file{ bucket_id = 14663, file_id = "track-1" })
    assert.equal("/api/buckets/14663/dedup-files/track-1", last_request().path)
    assert.same({ acr_id, { "track-2" } }, { body.data.acr_id, body.data.dup_files })
    assert.equal("track-1",
      assert(client:get_dedup_file{ bucket_id = 14663, file_id = acr_id }).data.id)
  end)

  it("delete removes the fingerprints the acr_ids name", function()
    local a = add("track-1", "FP\0one").data.acr_id
    local b = add("track-2", "FP\0two").data.acr_id
    assert.truthy(client:delete_dedup_files{ bucket_id = 14663, acr_ids = { a, b } })
    assert.same({ "DELETE", "/api/buckets/14663/dedup-files/" .. a .. "," .. b, 204 },
      request_line(last_request()))
    assert.equal(0, assert(client:list_dedup_files{ bucket_id = 14663 }).meta.total)
  end)
end)

-- What the emulator refuses, by area: the status and the message (a 404)
-- or every field's messages (a 422).
describe("refusals", function()
  support.error_cases(_ENV, function() return client end, {
    { "buckets: create answers 422 with every bad field", 422,
      { region = { "The selected region is invalid." }, type = { "The selected type is invalid." },
        net_type = { "The selected net type is invalid." } },
      "create_bucket", { name = "x", region = "mars", type = "Cassette", net_type = 7 },
      "unchecked" },
    { "buckets: update answers 422 for labels that are not strings", 422,
      { ["labels.1"] = { "The labels.1 must be a string." } },
      "update_bucket", { id = 8881, labels = { "ok", 5 } } },
    { "audio files: upload answers 422 when data_type audio comes without a file", 422,
      { file = { "The file field is required when data type is audio." } },
      "upload_audio_file", { bucket_id = 8883, data_type = "audio" } },
    { "audio files: upload answers 422 for an unknown data_type and a bad url", 422,
      { data_type = { "The selected data type is invalid." },
        url = { "The url format is invalid." } },
      "upload_audio_file", { bucket_id = 8883, data_type = "vinyl", url = "not a url" },
      "unchecked" },
    { "audio files: upload answers 422 for a bucket that is not a File bucket", 422,
      { bucket_id = { "The bucket 8882 is a Live bucket; this needs a File bucket." } },
      "upload_audio_file",
      { bucket_id = 8882, data_type = "audio_url", url = "http://x.example/a.mp3" } },
    { "audio files: upload answers 404 for an unknown bucket", 404,
      "No query results for model [Bucket] 424242", "upload_audio_file",
      { bucket_id = 424242, data_type = "audio_url", url = "http://x.example/a.mp3" } },
    { "audio files: list answers 422 for a bad sort", 422,
      { sort = { "The selected sort is invalid." } },
      "list_audio_files", { bucket_id = 8881, sort = "size" }, "unchecked" },
    { "audio files: update answers 422 for user_defined that is not JSON", 422,
      { user_defined = { "The user defined must be a valid JSON string." } },
      "update_audio_file", { bucket_id = 8883, id = 380121, user_defined = "{oops" } },
    { "audio files: move answers 422 when the destination is not a File bucket", 422,
      { bucket_id = { "The bucket 14663 is a DedupFile bucket; this needs a File bucket." } },
      "move_audio_files", { bucket_id = 14663, ids = 380121 } },
    { "live channels: create answers 422 for a bad url and timeshift", 422,
      { url = { "The url format is invalid." },
        timeshift = { "The selected timeshift is invalid." } },
      "create_live_channel", { bucket_id = 8882, url = "jazz", timeshift = "5" }, "unchecked" },
    { "live channels: create answers 422 in a File bucket", 422,
      { bucket_id = {
        "The bucket 8881 is a File bucket; this needs a Live or LiveTimeshift bucket." } },
      "create_live_channel", { bucket_id = 8881, title = "x" } },
    { "live channels: get answers 404 for an unknown channel", 404,
      "No query results for model [Channel] 999",
      "get_live_channel", { bucket_id = 8882, id = 999 } },
    { "live channels: delete answers 404 for an unknown channel", 404,
      "No query results for model [Channel] 999",
      "delete_live_channels", { bucket_id = 8882, ids = 999 } },
    { "recorded channels: import answers 422 naming a channel that does not exist", 422,
      { ids = { "The selected ids is invalid (no live channel 999)." } },
      "import_rec_channels", { bucket_id = 14662, ids = "52002,999" } },
    { "recorded channels: import answers 422 outside a LiveRec bucket", 422,
      { bucket_id = { "The bucket 8882 is a Live bucket; this needs a LiveRec bucket." } },
      "import_rec_channels", { bucket_id = 8882, ids = "52002" } },
    { "recorded channels: delete answers 404 for a channel that was not imported", 404,
      "No query results for model [Channel] 52003",
      "delete_rec_channels", { bucket_id = 14662, ids = 52003 } },
    -- the file is written when the test runs: the spec's directory is made in setup()
    { "dedup files: add answers 422 outside a DedupFile bucket", 422,
      { bucket_id = { "The bucket 8881 is a File bucket; this needs a DedupFile bucket." } },
      "add_dedup_file",
      function() return { bucket_id = 8881, id = "t", file = write_file("t.fp", "FP") } end },
    { "dedup files: get answers 404 for an unknown fingerprint", 404,
      "No query results for model [DedupFile] nope",
      "get_dedup_file", { bucket_id = 14663, file_id = "nope" } },
    { "dedup files: delete answers 404 for an unknown acr_id", 404,
      "No query results for model [DedupFile] 0123abcd",
      "delete_dedup_files", { bucket_id = 14663, acr_ids = "0123abcd" } },
  })
end)
