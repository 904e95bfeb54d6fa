-- UCF (Unknown Content Filter) against the emulator: projects, the BM
-- streams they import, their results, through the client; what went on the
-- wire and what came back.
local acrcloud = require "acrcloud"
local here = debug.getinfo(1, "S").source:match("^@(.-)[^/]*$")
local support = dofile(here .. "support.lua")

local PID = 10263 -- the seeded project, holding the docs' example results
local client
local emu = support.spec_emulator(_ENV, "ucf-spec-token", function(c) client = c end)
local last_request = emu.last_request
local ids, unchecked = support.ids, support.unchecked
local failed, refused, invalid = support.failed, support.refused, support.invalid

-- GET a URL with curl, no token: status, body
local function fetch(url) return support.curl("GET", url) end

describe("UCF projects", function()
  it("list answers every project, filtered by region", function()
    local all = assert(client:list_ucf_projects{})
    assert.same({ 10264, 10263 }, ids(all.data))
    local body = assert(client:list_ucf_projects{ region = "us-west-2" })
    local wire = last_request()
    assert.equal("/api/ucf-projects", wire.path)
    assert.equal("region=us-west-2", wire.query)
    assert.same({ 10264 }, ids(body.data))
    assert.equal("FILES", body.data[1].type)
  end)

  it("create sends JSON and answers 201 with the default config filled in", function()
    local body, res = assert(client:create_ucf_project{ name = "ads", region = "eu-west-1",
      type = "BM", config = { days = 5 } })
    local wire = last_request()
    assert.equal("POST", wire.method)
    assert.same({ name = "ads", region = "eu-west-1", type = "BM", config = { days = 5 } },
      acrcloud.decode(wire.body))
    assert.equal(201, res.status)
    assert.equal("integer", math.type(body.data.id))
    assert.same({ days = 5, min_ms = 5000, max_ms = 300000 }, body.data.config)
  end)

  it("create answers 422 for an unknown type and region", function()
    assert.same({ 422, { region = { "The selected region is invalid." },
      type = { "The selected type is invalid." } } },
      invalid(unchecked(client, "create_ucf_project", { name = "x", region = "moon",
        type = "TV" })))
  end)

  it("update renames and merges the config", function()
    local body = assert(client:update_ucf_project{ id = PID, name = "renamed",
      config = { max_ms = 120000 } })
    local wire = last_request()
    assert.equal("PUT", wire.method)
    assert.equal("/api/ucf-projects/" .. PID, wire.path)
    assert.equal("renamed", body.data.name)
    assert.same({ days = 3, min_ms = 5000, max_ms = 120000 }, body.data.config)
  end)

  it("update answers 422 when max_ms is below min_ms", function()
    local _, err = client:update_ucf_project{ id = PID, config = { min_ms = 9000, max_ms = 10 } }
    assert.equal(422, err.status)
    assert.is_table(err.errors["config.max_ms"])
  end)

  it("update of an unknown project is a 404", function()
    assert.same({ 404, "No query results for model [UcfProject] 1" },
      failed(client:update_ucf_project{ id = 1, name = "x" }))
  end)

  it("delete removes the project with its streams and results", function()
    assert.truthy(client:delete_ucf_project{ id = PID })
    assert.same({ "DELETE", "/api/ucf-projects/" .. PID, 204 },
      support.request_line(last_request()))
    assert.same({ 404, "No query results for model [UcfProject] " .. PID },
      failed(client:list_ucf_streams{ pid = PID }))
    assert.same({ 10264 }, ids(assert(client:list_ucf_projects{}).data))
  end)
end)

describe("UCF streams", function()
  it("import takes Custom Streams streams and names them", function()
    local body, res = assert(client:import_ucf_streams{ pid = 10264, from = "BM-CUSTOM",
      bm_project_id = 17914, bm_stream_ids = { "s-8dLk3v" } })
    local wire = last_request()
    assert.equal("POST", wire.method)
    assert.equal("/api/ucf-projects/10264/streams", wire.path)
    assert.same({ from = "BM-CUSTOM", bm_project_id = 17914, bm_stream_ids = { "s-8dLk3v" } },
      acrcloud.decode(wire.body))
    assert.equal(201, res.status)
    local s = body.data[1]
    assert.same({ 10264, "s-8dLk3v", 17914, "Harbour Radio", "cs-radio" },
      { s.pid, s.bm_stream_id, s.bm_project_id, s.bm_stream_name, s.bm_project_name })
  end)

  it("import takes Broadcast Database channels", function()
    local body = assert(client:import_ucf_streams{ pid = 10264, from = "BM-DATABASE",
      bm_project_id = 12345, bm_stream_ids = { 100251 } })
    assert.equal("100251", body.data[1].bm_stream_id)
    assert.equal("BM-DATABASE", body.data[1].from)
  end)

  it("import answers 422 for a stream the BM project does not have", function()
    assert.same({ 422, { "The selected bm stream ids.1 is invalid." } },
      refused("bm_stream_ids.1", client:import_ucf_streams{ pid = 10264, from = "BM-CUSTOM",
        bm_project_id = 17914, bm_stream_ids = { "s-8dLk3v", "s-nope00" } }))
  end)

  it("import answers 422 for an unknown BM project and source", function()
    assert.same({ 422, { "The selected bm project id is invalid." } },
      refused("bm_project_id", client:import_ucf_streams{ pid = 10264, from = "BM-CUSTOM",
        bm_project_id = 99, bm_stream_ids = { "s-8dLk3v" } }))
    assert.same({ 422, { "The selected from is invalid." } },
      refused("from", unchecked(client, "import_ucf_streams", { pid = 10264, from = "BM-OTHER",
        bm_project_id = 17914, bm_stream_ids = { "s-8dLk3v" } })))
  end)

  it("list paginates the project's streams", function()
    local body = assert(client:list_ucf_streams{ pid = PID, page = 2, per_page = 1 })
    local wire = last_request()
    assert.equal("/api/ucf-projects/" .. PID .. "/streams", wire.path)
    assert.truthy(wire.query:find("page=2", 1, true))
    assert.equal(2, body.meta.total)
    assert.equal(1, #body.data)
    assert.equal("Demo FM", body.data[1].bm_stream_name)
  end)

  it("delete removes the streams it names, joined by commas", function()
    assert.truthy(client:delete_ucf_streams{ pid = PID, ids = { 501, 502 } })
    local wire = last_request()
    assert.equal("DELETE", wire.method)
    assert.equal("/api/ucf-projects/" .. PID .. "/streams/501,502", wire.path)
    assert.equal(0, assert(client:list_ucf_streams{ pid = PID }).meta.total)
  end)

  it("delete of an unknown stream is a 404", function()
    local _, err = client:delete_ucf_streams{ pid = PID, ids = "777" }
    assert.equal(404, err.status)
    assert.equal(2, assert(client:list_ucf_streams{ pid = PID }).meta.total)
  end)
end)

describe("UCF results", function()
  it("list answers the docs' results, newest first", function()
    local body = assert(client:list_ucf_results{ pid = PID })
    assert.equal("/api/ucf-projects/" .. PID .. "/results", last_request().path)
    assert.same({ 340336, 340335, 340334, 340333, 340332 }, ids(body.data))
    local r = body.data[2]
    assert.same({ "d7a4ebc9685f23bdc843ed4146b35f69", 0, 2, 3, 131460 },
      { r.acr_id, r.status, r.label, r.num, r.duration_ms })
    assert.equal(2, #r.operators)
  end)

  it("list sorts by duration, ascending, when asked", function()
    local body = assert(client:list_ucf_results{ pid = PID, sortby = "duration_ms",
      order = "asc" })
    local wire = last_request()
    assert.truthy(wire.query:find("sortby=duration_ms", 1, true))
    assert.truthy(wire.query:find("order=asc", 1, true))
    assert.same({ 340336, 340335, 340332, 340333, 340334 }, ids(body.data))
  end)

  it("list filters by label, duration and stream", function()
    assert.same({ 340336 }, ids(assert(client:list_ucf_results{ pid = PID, label = "4" }).data))
    assert.same({ 340335, 340332 }, ids(assert(client:list_ucf_results{ pid = PID,
      min = "131", max = "133" }).data))
    local heard = assert(client:list_ucf_results{ pid = PID, streams = "s-Jq2n5T" })
    assert.is_true(#heard.data > 0)
  end)

  it("list filters by creation date", function()
    local body = assert(client:list_ucf_results{ pid = PID, begin_date = "2020-05-27 08:50:00",
      end_date = "2020-05-27" })
    assert.same({ 340336, 340335, 340334 }, ids(body.data))
  end)

  it("list answers 422 for an unknown sort key and a bad date", function()
    local _, err = unchecked(client, "list_ucf_results", { pid = PID, sortby = "name",
      begin_date = "May 1" })
    assert.equal(422, err.status)
    assert.is_table(err.errors.sortby)
    assert.is_table(err.errors.begin_date)
  end)

  it("get answers one result, by id or by acr_id", function()
    local body = assert(client:get_ucf_result{ pid = PID, ucf_id = 340334 })
    assert.equal("/api/ucf-projects/" .. PID .. "/results/340334", last_request().path)
    assert.equal("4fc390bfb9db91e904084715c530e25d", body.data.acr_id)
    local same = assert(client:get_ucf_result{ pid = PID,
      ucf_id = "4fc390bfb9db91e904084715c530e25d" })
    assert.equal(340334, same.data.id)
  end)

  it("get of an unknown result is a 404", function()
    assert.same({ 404, "No query results for model [UcfResult] 1" },
      failed(client:get_ucf_result{ pid = PID, ucf_id = 1 }))
  end)

  it("details lists each detection, paginated", function()
    local body = assert(client:get_ucf_result_details{ pid = PID, ucf_id = 340336,
      per_page = 3 })
    assert.equal("/api/ucf-projects/" .. PID .. "/results/340336/details", last_request().path)
    assert.same({ 4, 3, 340336 }, { body.meta.total, #body.data, body.data[1].ucf_id })
    assert.matches("^s%-", body.data[1].stream_id)
    assert.matches("^%d%d%d%d%-%d%d%-%d%d %d%d:%d%d:%d%d$", body.data[1].timestamp_utc)
  end)

  it("record_url answers a URL that gives the audio without the token", function()
    local body = assert(client:get_ucf_result_record_url{ pid = PID, ucf_id = 340335,
      extend = 5 })
    local wire = last_request()
    assert.same({ "/api/ucf-projects/" .. PID .. "/results/340335/record", "extend=5" },
      { wire.path, wire.query })
    assert.equal(131460 + 10000, body.data.duration_ms)
    local status, audio = fetch(body.data.url)
    assert.same({ 200, "RIFF", "WAVE" }, { status, audio:sub(1, 4), audio:sub(9, 12) })
  end)

  it("record_url answers 422 for a negative extend", function()
    local _, err = client:get_ucf_result_record_url{ pid = PID, ucf_id = 340335, extend = -1 }
    assert.equal(422, err.status)
    assert.is_table(err.errors.extend)
  end)

  it("delete with reserved=1 keeps the result as deleted", function()
    assert.truthy(client:delete_ucf_result{ pid = PID, ucf_id = 340333, reserved = 1 })
    local wire = last_request()
    assert.equal("DELETE", wire.method)
    assert.equal("reserved=1", wire.query)
    assert.same({ 340336, 340335, 340334, 340332 },
      ids(assert(client:list_ucf_results{ pid = PID }).data))
    assert.same({ 340333 }, ids(assert(client:list_ucf_results{ pid = PID, status = "-1" }).data))
  end)

  it("delete without reserved removes the result", function()
    assert.truthy(client:delete_ucf_result{ pid = PID, ucf_id = 340333 })
    local _, err = client:get_ucf_result{ pid = PID, ucf_id = 340333 }
    assert.equal(404, err.status)
  end)

  it("set_pending makes the result pending again and records who did it", function()
    local body = assert(client:set_ucf_result_pending{ pid = PID, ucf_id = 340336 })
    local wire = last_request()
    assert.equal("POST", wire.method)
    assert.equal("/api/ucf-projects/" .. PID .. "/results/340336/pending", wire.path)
    assert.equal(0, body.data.status)
    assert.equal(2, #body.data.operators)
    assert.equal(0, assert(client:get_ucf_result{ pid = PID, ucf_id = 340336 }).data.status)
  end)
end)
