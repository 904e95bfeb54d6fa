-- File scanning against the emulator: containers, their files, and the
-- presigned upload flow (URL, PUT without the token, registration), through
-- the client; what went on the wire and what came back.
local acrcloud = require "acrcloud"
local here = debug.getinfo(1, "S").source:match("^@(.-)[^/]*$")
local support = dofile(here .. "support.lua")

local client
local emu = support.spec_emulator(_ENV, "file-scanning-spec-token", function(c) client = c end)
local requests, last_request = emu.requests, emu.last_request
local write_file, curl, unchecked = support.write_file, support.curl, support.unchecked
local failed, refused = support.failed, support.refused

local function container_params(overrides)
  local p = { name = "scans", region = "eu-west-1", audio_type = "linein", buckets = { 8881 },
    engine = 1, policy = { type = "traverse", interval = 0, rec_length = 10 } }
  for k, v in pairs(overrides or {}) do p[k] = v end
  return p
end

local function create_container(overrides)
  return assert(client:create_fs_container(container_params(overrides))).data
end

-- The three steps by hand: a presigned URL, the bytes PUT with curl (no
-- token), the registration. Returns the created file and the slot.
local function upload_by_hand(container_id, bytes, filename)
  local slot = assert(client:get_fs_upload_url{ container_id = container_id,
    filename = filename or "take.mp3" }).data
  local path = os.tmpname()
  write_file(path, bytes)
  local status = curl("PUT", slot.presigned_url, { file = path })
  os.remove(path)
  assert.equal(200, status)
  local body = assert(client:create_fs_file{ container_id = container_id, data_type = "audio",
    key = slot.key, filename = filename or "take.mp3" })
  return body.data, slot
end

describe("file scanning containers", function()
  it("create sends the fields as JSON and answers 201 with the container", function()
    local body, res = assert(client:create_fs_container(container_params{
      callback_url = "https://example.com/cb", music_detection = true }))
    local wire = last_request()
    assert.equal("POST", wire.method)
    assert.equal("/api/fs-containers", wire.path)
    assert.equal("application/json", wire.headers["content-type"])
    local sent = acrcloud.decode(wire.body)
    assert.same({ type = "traverse", interval = 0, rec_length = 10 }, sent.policy)
    assert.same({ 8881 }, sent.buckets)
    assert.equal(201, res.status)
    assert.equal("integer", math.type(body.data.id))
    assert.equal("scans", body.data.name)
    assert.same({ { id = 8881, name = "bucket-music" } }, body.data.buckets)
    assert.is_true(body.data.music_detection)
    assert.equal(0, body.data.num)
  end)

  it("create takes buckets by name as well as by id", function()
    local c = create_container{ buckets = { "ACRCloud Music", 8883 } }
    assert.same({ 23, 8883 }, { c.buckets[1].id, c.buckets[2].id })
  end)

  it("create answers 422 naming every invalid field", function()
    local body, err = unchecked(client, "create_fs_container", container_params{
      region = "mars-1", buckets = { 8881, 999999 }, engine = 7, policy = { type = "random" } })
    assert.is_nil(body)
    assert.equal(422, err.status)
    assert.is_table(err.errors.region)
    assert.is_table(err.errors["buckets.1"])
    assert.is_nil(err.errors["buckets.0"])
    assert.is_table(err.errors.engine)
    assert.is_table(err.errors["policy.type"])
  end)

  it("create answers 422 for a traverse policy with a zero record length", function()
    assert.same({ 422, { "The policy.rec length must be at least 1." } },
      refused("policy.rec_length", client:create_fs_container(container_params{
        policy = { type = "traverse", rec_length = 0 } })))
  end)

  it("list sends its filters as a query and paginates", function()
    create_container{ name = "jingles-eu" }
    create_container{ name = "jingles-us", region = "us-west-2" }
    local body = assert(client:list_fs_containers{ region = "eu-west-1", name = "jingles",
      page = 1, per_page = 5 })
    assert.same({ "/api/fs-containers", {} },
      support.sent(last_request(), { "region=eu-west-1", "name=jingles", "page=1", "per_page=5" }))
    assert.equal(1, body.meta.total)
    assert.equal("jingles-eu", body.data[1].name)
  end)

  it("get answers the container with its region", function()
    local body = assert(client:get_fs_container{ id = 10005 })
    assert.equal("/api/fs-containers/10005", last_request().path)
    assert.equal("eu-west-1", body.data.region)
    assert.equal(3, body.data.num)
    assert.equal("traverse", body.data.policy.type)
  end)

  it("get of an unknown container is a 404", function()
    assert.same({ 404, "No query results for model [FsContainer] 424242" },
      failed(client:get_fs_container{ id = 424242 }))
  end)

  it("update sends the changed fields with PUT and keeps the region", function()
    local c = create_container()
    local body = assert(client:update_fs_container{ id = c.id, name = "renamed", engine = 3,
      deepright = true })
    local wire = last_request()
    assert.equal("PUT", wire.method)
    assert.same({ name = "renamed", engine = 3, deepright = true }, acrcloud.decode(wire.body))
    assert.equal("renamed", body.data.name)
    assert.equal("eu-west-1", body.data.region)
    assert.equal(3, assert(client:get_fs_container{ id = c.id }).data.engine)
  end)

  it("update answers 422 for an unknown audio type", function()
    assert.same({ 422, { "The selected audio type is invalid." } },
      refused("audio_type", unchecked(client, "update_fs_container", { id = 10005,
        audio_type = "vinyl" })))
  end)

  it("delete removes the container and its files", function()
    assert.truthy(client:delete_fs_container{ id = 10005 })
    assert.equal("DELETE", last_request().method)
    assert.equal(204, last_request().status)
    local _, err = client:get_fs_container{ id = 10005 }
    assert.equal(404, err.status)
    local _, ferr = client:list_fs_files{ container_id = 10005 }
    assert.equal(404, ferr.status)
  end)
end)

describe("file scanning files", function()
  it("list goes to the container's files with its filters", function()
    local body = assert(client:list_fs_files{ container_id = 10005, state = "-2",
      search = "broken", per_page = 10 })
    local wire = last_request()
    assert.equal("GET", wire.method)
    assert.equal("/api/fs-containers/10005/files", wire.path)
    assert.truthy(wire.query:find("state=-2", 1, true))
    assert.truthy(wire.query:find("search=broken", 1, true))
    assert.equal(1, body.meta.total)
    assert.equal("broken-upload.m4a", body.data[1].name)
    assert.equal(-2, body.data[1].state)
  end)

  it("list leaves the results out unless with_result is 1", function()
    local without = assert(client:list_fs_files{ container_id = 10005 })
    assert.is_nil(without.data[1].results)
    local with = assert(client:list_fs_files{ container_id = 10005, with_result = 1 })
    assert.is_table(with.data[1].results)
  end)

  it("list answers 422 for an unknown state", function()
    local _, err = unchecked(client, "list_fs_files", { container_id = 10005, state = "7" })
    assert.equal(422, err.status)
    assert.is_table(err.errors.state)
  end)

  it("get answers a list holding the file with its results", function()
    local id = "fd0cbc13-bb69-41ed-abbb-1ed6f25c3b02"
    local body = assert(client:get_fs_file{ container_id = 10005, file_id = id })
    assert.equal("/api/fs-containers/10005/files/" .. id, last_request().path)
    assert.equal(1, #body.data)
    local file = body.data[1]
    assert.equal(id, file.id)
    assert.equal(1, file.state)
    assert.is_string(file.results.music[1].result.title)
    assert.is_string(file.results.cover_songs[1].result.acrid)
    assert.equal("m", file.results.music_speech[1].label)
  end)

  it("get of an unknown file is a 404", function()
    assert.same({ 404, "No query results for model [FsFile] nope" },
      failed(client:get_fs_file{ container_id = 10005, file_id = "nope" }))
  end)

  it("get_fs_upload_url answers a PUT URL on the emulator and a key", function()
    local body = assert(client:get_fs_upload_url{ container_id = 10005, filename = "a b.mp3" })
    local wire = last_request()
    assert.equal("/api/fs-containers/10005/presigned-upload", wire.path)
    assert.truthy(wire.query:find("filename=a%20b.mp3", 1, true))
    local d = body.data
    assert.equal("PUT", d.method)
    assert.same({}, d.headers)
    assert.matches("^fs/10005/%x+/a_b%.mp3$", d.key)
    assert.equal(1, select(2, d.presigned_url:gsub("X%-Amz%-Signature=%x+", "")))
    assert.equal(emu.url .. "/_emulator/uploads/" .. d.key,
      d.presigned_url:match("^([^?]+)"))
  end)

  it("the presigned URL takes the bytes without the Bearer token", function()
    local slot = assert(client:get_fs_upload_url{ container_id = 10005 }).data
    local path = os.tmpname()
    write_file(path, string.rep("a", 3000))
    local status = curl("PUT", slot.presigned_url, { file = path })
    os.remove(path)
    assert.equal(200, status)
    local wire = last_request()
    assert.equal("PUT", wire.method)
    assert.equal("presigned_upload", wire.operation)
    assert.equal(200, wire.status)
  end)

  it("the presigned URL refuses a wrong signature", function()
    local slot = assert(client:get_fs_upload_url{ container_id = 10005 }).data
    local forged = slot.presigned_url:gsub("X%-Amz%-Signature=%x+", "X-Amz-Signature=00")
    assert.equal(403, (curl("PUT", forged)))
  end)

  it("the presigned URL refuses a request that carries the API token", function()
    local slot = assert(client:get_fs_upload_url{ container_id = 10005 }).data
    local status, body = curl("PUT", slot.presigned_url,
      { headers = { Authorization = "Bearer " .. emu.token } })
    assert.equal(400, status)
    assert.matches("Only one auth mechanism", body)
  end)

  it("create registers an uploaded key with its size", function()
    local before = assert(client:get_fs_container{ id = 10005 }).data
    local file = upload_by_hand(10005, string.rep("x", 48000), "take.mp3")
    local wire = last_request()
    assert.equal("POST", wire.method)
    assert.equal("/api/fs-containers/10005/files", wire.path)
    assert.equal("audio", acrcloud.decode(wire.body).data_type)
    assert.equal("audio:take.mp3", file.uri)
    assert.equal(3, file.duration)
    local after = assert(client:get_fs_container{ id = 10005 }).data
    assert.equal(before.num + 1, after.num)
    assert.equal(before.size + 48000, after.size)
  end)

  it("create answers 422 for a key nothing was uploaded to", function()
    local slot = assert(client:get_fs_upload_url{ container_id = 10005 }).data
    local _, err = client:create_fs_file{ container_id = 10005, data_type = "audio",
      key = slot.key }
    assert.equal(422, err.status)
    assert.is_table(err.errors.key)
  end)

  it("create answers 422 for audio without a key", function()
    assert.same({ 422, { "The key field is required when data type is audio." } },
      refused("key", client:create_fs_file{ container_id = 10005, data_type = "audio" }))
  end)

  it("create registers an audio URL", function()
    local body, res = assert(client:create_fs_file{ container_id = 10006,
      data_type = "audio_url", url = "https://example.com/shows/ep1.mp3" })
    assert.equal(201, res.status)
    assert.equal("audio_url:https://example.com/shows/ep1.mp3", body.data.uri)
    assert.equal("ep1.mp3", body.data.name)
  end)

  it("a new file is processing, and ready with results when read again", function()
    local file = upload_by_hand(10005, string.rep("y", 64000))
    assert.equal(0, file.state)
    local again = assert(client:get_fs_file{ container_id = 10005, file_id = file.id }).data[1]
    assert.equal(1, again.state)
    assert.equal(1, #again.results.music)
  end)

  it("an empty upload ends with no results", function()
    local file = upload_by_hand(10005, "")
    local again = assert(client:get_fs_file{ container_id = 10005, file_id = file.id }).data[1]
    assert.equal(-1, again.state)
  end)

  it("upload_fs_file does the three steps, the PUT without the token", function()
    local path = os.tmpname()
    write_file(path, string.rep("z", 32000))
    local body = assert(client:upload_fs_file{ container_id = 10005, file = path,
      name = "Helper upload" })
    os.remove(path)
    assert.equal("Helper upload", body.data.name)
    local log = requests()
    local steps = {}
    for i = #log - 2, #log do steps[#steps + 1] = log[i].method .. " " .. log[i].status end
    assert.same({ "GET 200", "PUT 200", "POST 201" }, steps)
    assert.matches("/presigned%-upload$", log[#log - 2].path)
    assert.matches("^/api/_emulator/uploads/", log[#log - 1].path)
  end)

  it("rescan puts the files back into processing", function()
    local id = "fd0cbc13-bb69-41ed-abbb-1ed6f25c3b02"
    local body = assert(client:rescan_fs_files{ container_id = 10005, file_ids = { id } })
    local wire = last_request()
    assert.equal("PUT", wire.method)
    assert.equal("/api/fs-containers/10005/files/" .. id .. "/rescan", wire.path)
    assert.equal(0, body.data[1].state)
    local again = assert(client:get_fs_file{ container_id = 10005, file_id = id }).data[1]
    assert.equal(1, again.state)
  end)

  it("delete removes the files it names", function()
    local a = upload_by_hand(10006, "aaaa")
    local b = upload_by_hand(10006, "bbbb")
    assert.truthy(client:delete_fs_files{ container_id = 10006, file_ids = { a.id, b.id } })
    local wire = last_request()
    assert.equal("DELETE", wire.method)
    assert.equal("/api/fs-containers/10006/files/" .. a.id .. "," .. b.id, wire.path)
    assert.equal(204, wire.status)
    assert.equal(0, assert(client:list_fs_files{ container_id = 10006 }).meta.total)
  end)

  it("delete of an unknown file is a 404 that deletes nothing", function()
    local a = upload_by_hand(10006, "aaaa")
    local _, err = client:delete_fs_files{ container_id = 10006, file_ids = { a.id, "nope" } }
    assert.equal(404, err.status)
    assert.equal(1, assert(client:list_fs_files{ container_id = 10006 }).meta.total)
  end)
end)
