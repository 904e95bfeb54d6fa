-- File Scanning: containers (api-v2 host) and the files inside them (on
-- api-{region} in the real API; everything comes here with the emulator).
--
-- Sources: the docs' FsFiles page (file list and its result shape) and the
-- official CLI (containers, presigned upload, create, delete, rescan). Where
-- neither shows a response, the shape is invented (see the README notes).
--
-- Scanning is immediate but observable: a file is created (or rescanned) in
-- state 0 "processing" and its scan finishes when it is next read (list or
-- get), giving state 1 with results, or -1 "no results" for an empty upload.
local area = require "acrcloud.emulator.area"
local common, json, validate = area.common, area.json, area.validate
local catalog = require "acrcloud.emulator.catalog"
local presigned = require "acrcloud.emulator.presigned"
local random = require "acrcloud.emulator.random"

local M, H, R = area.new()

-- How long a presigned upload URL stays valid, in seconds.
M.UPLOAD_EXPIRES = 3600
-- Bytes per second of audio, to give uploads a plausible duration (128 kbit/s).
local BYTES_PER_SECOND = 16000

-- Files ---------------------------------------------------------------------

-- Files live in the "fs_files" collection under an internal integer id (for
-- newest-first order); the API names them by `uuid`.
local function find_file(state, container, file_id)
  if not container or type(file_id) ~= "string" then return nil end
  for _, f in pairs(state.fs_files.items) do
    if f.cid == container.id and f.uuid == file_id then return f end
  end
end

local function container_files(state, cid)
  return state:list("fs_files", function(f) return f.cid == cid end)
end

M.bindings = {
  { path = "/fs-containers/{id}", param = "id", model = "FsContainer",
    find = area.finder("fs_containers") },
  { path = "/fs-containers/{container_id}", param = "container_id", model = "FsContainer",
    find = area.finder("fs_containers") },
  { path = "/fs-containers/{container_id}/files/{file_id}", param = "file_id", model = "FsFile",
    find = function(ctx, id) return find_file(ctx.state, ctx.bound.container_id, id) end },
}

-- Identifiers that look random but repeat run after run, from a generator of
-- this area's own (so that other areas' keys do not depend on uploads).
local function next_random(state) return random.advance(state, "fs_random") end

local function random_hex(state, n)
  local out = {}
  while #out < n do
    out[#out + 1] = string.format("%08x", next_random(state))
  end
  return table.concat(out):sub(1, n)
end

local function new_uuid(state)
  local h = random_hex(state, 32)
  return string.format("%s-%s-4%s-a%s-%s", h:sub(1, 8), h:sub(9, 12), h:sub(14, 16),
    h:sub(18, 20), h:sub(21, 32))
end

-- Results -----------------------------------------------------------------------

local function segment(offset, played, t, item)
  return json.object({ offset = offset, played_duration = played, type = "traverse",
    result = item or catalog.music_item(t, 0, 100, played * 1000) },
    { "offset", "played_duration", "type", "result" })
end

-- What a finished scan found in a file, from its container's engine:
-- 1 fingerprinting (music), 2 cover songs, 3 both, 4 speech to text; music
-- and speech segments when the container has music detection.
local function scan_results(file, container)
  local t = catalog.pick(file.uuid)
  local duration = file.duration
  local played = math.min(duration, t.duration_ms // 1000)
  local engine = file.engine
  local results = json.object({
    music = json.array(), cover_songs = json.array(), custom_files = json.array(),
    speech = json.array(), music_speech = json.array(),
  }, { "music_speech", "music", "cover_songs", "custom_files", "speech" })
  if engine == 1 or engine == 3 then
    results.music[1] = segment(0, played, t)
  end
  if engine == 2 or engine == 3 then
    local cover = json.object({ title = t.title, artists = catalog.names(t.artists),
      acrid = t.acrid, score = 82, isrc = t.isrc, release_date = t.release_date },
      { "title", "artists", "acrid", "score", "isrc", "release_date" })
    results.cover_songs[1] = segment(0, played, t, cover)
  end
  if engine == 4 then
    results.speech[1] = json.object({ start = 0, ["end"] = duration, language = "en",
      text = "Welcome back to the show. Here is " .. t.title .. " by " .. t.artists[1] .. "." },
      { "start", "end", "language", "text" })
  end
  if container and container.music_detection then
    results.music_speech[1] = json.object({ start = 0, ["end"] = played, label = "m" },
      { "start", "end", "label" })
    if duration > played then
      results.music_speech[2] = json.object({ start = played, ["end"] = duration, label = "s" },
        { "start", "end", "label" })
    end
  end
  return results
end

-- Finishes the scan of a file that is processing.
local function settle(state, file)
  if file.state ~= 0 then return end
  local container = state:get("fs_containers", file.cid)
  if file.size == 0 or file.duration == 0 then
    file.state = -1
    file.results = nil
  else
    file.state = 1
    file.results = scan_results(file, container)
  end
  file.updated_at = common.iso_time(state:now())
end

local FILE = { "id", "uid", "cid", "name", "duration", "uri", "data_type", "engine", "count",
  "state", "created_at", "updated_at", "total", "music_detected", "results" }

local function empty_results()
  return json.object({ music = json.array(), cover_songs = json.array(),
    custom_files = json.array(), speech = json.array(), music_speech = json.array() },
    { "music_speech", "music", "cover_songs", "custom_files", "speech" })
end

local function file_view(f, with_results)
  local music_detected = 0
  if f.state == 1 then music_detected = #f.results.music > 0 and 1 or 2 end
  local results
  if with_results then results = f.results or empty_results() end
  return json.object({
    id = f.uuid, uid = common.UID, cid = f.cid, name = f.name, duration = f.duration, uri = f.uri,
    data_type = f.data_type, engine = f.engine, count = 1, state = f.state,
    created_at = f.created_at, updated_at = f.updated_at, total = 1,
    music_detected = music_detected, results = results,
  }, FILE)
end

-- Containers --------------------------------------------------------------------

local CONTAINER = { "id", "uid", "name", "region", "audio_type", "engine", "num", "size",
  "policy", "buckets", "callback_url", "deepright", "music_detection", "ai_detection",
  "created_at", "updated_at" }

local function policy_view(p)
  if p.type == "points" then
    return json.object({ type = "points", points = p.points }, { "type", "points" })
  end
  return json.object({ type = "traverse", interval = p.interval, rec_length = p.rec_length },
    { "type", "interval", "rec_length" })
end

local function container_view(c, ctx)
  local num, size = 0, 0
  for _, f in ipairs(container_files(ctx.state, c.id)) do
    num = num + 1
    size = size + f.size
  end
  local buckets = json.array()
  for _, id in ipairs(c.buckets) do
    local b = ctx.state:get("buckets", id)
    if b then
      buckets[#buckets + 1] = json.object({ id = b.id, name = b.name }, { "id", "name" })
    end
  end
  return json.object({
    id = c.id, uid = common.UID, name = c.name, region = c.region, audio_type = c.audio_type,
    engine = c.engine, num = num, size = size, policy = policy_view(c.policy),
    buckets = buckets, callback_url = c.callback_url, deepright = c.deepright,
    music_detection = c.music_detection, ai_detection = c.ai_detection,
    created_at = c.created_at, updated_at = c.updated_at,
  }, CONTAINER)
end

-- Buckets are named by id or by name ([8881, "ACRCloud Music"]); a name
-- means the bucket with the lowest id that has it.
local function find_bucket(state, ref)
  local ok, id = validate.check_type(ref, { "integer" })
  if ok then return state:get("buckets", id) end
  if type(ref) ~= "string" then return nil end
  local found
  for _, b in pairs(state.buckets.items) do
    if b.name == ref and (not found or b.id < found.id) then found = b end
  end
  return found
end

local buckets_rule = validate.items(function(ref, key, ctx)
  if not find_bucket(ctx.state, ref) then
    return "The selected " .. validate.attribute(key) .. " is invalid."
  end
end)

local function bucket_ids(state, list)
  local seen, out = {}, {}
  for _, ref in ipairs(list) do
    local b = find_bucket(state, ref)
    if not seen[b.id] then
      seen[b.id] = true
      out[#out + 1] = b.id
    end
  end
  return out
end

-- policy: {type = "traverse", interval = s >= 0, rec_length = s >= 1} or
-- {type = "points", points = n >= 1}; the numbers are optional.
local function policy_rule(value, name)
  local errs = {}
  local function int_at_least(field, min)
    local v = value[field]
    if v == nil or v == json.null then return end
    local key = name .. "." .. field
    local attr = validate.attribute(key)
    local ok, n = validate.check_type(v, { "integer" })
    if not ok then
      errs[#errs + 1] = { key, "The " .. attr .. " must be an integer." }
    elseif n < min then
      errs[#errs + 1] = { key, "The " .. attr .. " must be at least " .. min .. "." }
    end
  end
  if value.type ~= "traverse" and value.type ~= "points" then
    local key = name .. ".type"
    if value.type == nil or value.type == json.null or value.type == "" then
      errs[#errs + 1] = { key, "The " .. validate.attribute(key) .. " field is required." }
    else
      errs[#errs + 1] = { key, "The selected " .. validate.attribute(key) .. " is invalid." }
    end
  elseif value.type == "traverse" then
    int_at_least("interval", 0)
    int_at_least("rec_length", 1)
  else
    int_at_least("points", 1)
  end
  if #errs > 0 then return errs end
end

local function policy_of(value)
  if value.type == "points" then
    local _, points = validate.check_type(value.points or 3, { "integer" })
    return { type = "points", points = points }
  end
  local _, interval = validate.check_type(value.interval or 0, { "integer" })
  local _, rec_length = validate.check_type(value.rec_length or 10, { "integer" })
  return { type = "traverse", interval = interval, rec_length = rec_length }
end

local function flag(v)
  if v == nil then return nil end
  return v == true or v == 1 or v == "1" or v == "true"
end

local CONTAINER_RULES = {
  name = { validate.max_length(255) },
  buckets = { buckets_rule },
  policy = { policy_rule },
  callback_url = { validate.url },
}

R.create_fs_container = CONTAINER_RULES

function H.create_fs_container(ctx)
  local p, state = ctx.params, ctx.state
  local now = common.iso_time(state:now())
  local _, engine = validate.check_type(p.engine, { "integer" })
  local rec = state:insert("fs_containers", {
    name = p.name, region = p.region, audio_type = p.audio_type or "linein",
    engine = engine or 1, policy = policy_of(p.policy or {}),
    buckets = bucket_ids(state, p.buckets or {}), callback_url = p.callback_url or "",
    deepright = flag(p.deepright) or false, music_detection = flag(p.music_detection) or false,
    ai_detection = flag(p.ai_detection) or false, created_at = now, updated_at = now,
  })
  return 201, { data = container_view(rec, ctx) }
end

function H.list_fs_containers(ctx)
  local region, name = ctx.params.region, ctx.params.name
  local records = ctx.state:list("fs_containers", function(c)
    return (not region or c.region == region) and
      (not name or c.name:lower():find(name:lower(), 1, true) ~= nil)
  end)
  return 200, common.paginate(ctx, records, container_view)
end

function H.get_fs_container(ctx)
  return 200, { data = container_view(ctx.bound.id, ctx) }
end

-- The region cannot change: the container's files live in that region.
R.update_fs_container = {
  name = CONTAINER_RULES.name, audio_type = CONTAINER_RULES.audio_type,
  buckets = CONTAINER_RULES.buckets, engine = CONTAINER_RULES.engine,
  policy = CONTAINER_RULES.policy, callback_url = CONTAINER_RULES.callback_url,
}

function H.update_fs_container(ctx)
  local c, p = ctx.bound.id, ctx.params
  if p.name then c.name = p.name end
  if p.audio_type then c.audio_type = p.audio_type end
  if p.buckets then c.buckets = bucket_ids(ctx.state, p.buckets) end
  if p.engine ~= nil then
    local _, engine = validate.check_type(p.engine, { "integer" })
    c.engine = engine
  end
  if p.policy then c.policy = policy_of(p.policy) end
  if p.callback_url then c.callback_url = p.callback_url end
  for _, k in ipairs({ "deepright", "music_detection", "ai_detection" }) do
    if p[k] ~= nil then c[k] = flag(p[k]) end
  end
  c.updated_at = common.iso_time(ctx.state:now())
  return 200, { data = container_view(c, ctx) }
end

-- Deleting a container deletes its files and its pending uploads.
function H.delete_fs_container(ctx)
  local c, state = ctx.bound.id, ctx.state
  for _, f in ipairs(container_files(state, c.id)) do state:remove("fs_files", f.id) end
  for key, slot in pairs(state.fs_uploads) do
    if slot.container_id == c.id then state.fs_uploads[key] = nil end
  end
  state:remove("fs_containers", c.id)
  return 204
end

-- Files ---------------------------------------------------------------------------

function H.list_fs_files(ctx)
  local c, p, state = ctx.bound.container_id, ctx.params, ctx.state
  local search = p.search and p.search:lower()
  local wanted = p.state ~= nil and tonumber(p.state) or nil
  local with_results = tostring(p.with_result) == "1"
  local records = {}
  for _, f in ipairs(container_files(state, c.id)) do
    settle(state, f)
    if (not wanted or f.state == wanted) and (not search or
        f.name:lower():find(search, 1, true) or f.uri:lower():find(search, 1, true)) then
      records[#records + 1] = f
    end
  end
  return 200, common.paginate(ctx, records, function(f) return file_view(f, with_results) end)
end

-- As the CLI reads it: `data` is a list holding the file, with its results.
function H.get_fs_file(ctx)
  local f = ctx.bound.file_id
  settle(ctx.state, f)
  return 200, { data = json.array({ file_view(f, true) }) }
end

-- "a.b c.mp3" -> "a.b_c.mp3": a name that is safe in a key and a URL.
local function safe_name(s)
  s = (s or ""):match("([^/\\]*)$"):gsub("[^%w%._%-]", "_")
  if s == "" or s:match("^%.+$") then return "upload" end
  return s:sub(1, 120)
end

-- The URL the bytes go to: on the emulator itself, outside the Bearer-token
-- API (see emulator/uploads.lua), carrying its own signature and expiry the
-- way an S3 presigned URL does.
function H.get_fs_upload_url(ctx)
  local c, p, state = ctx.bound.container_id, ctx.params, ctx.state
  local key = string.format("fs/%d/%s/%s", c.id, random_hex(state, 16), safe_name(p.filename))
  local now = state:now()
  local slot = {
    container_id = c.id, filename = p.filename or safe_name(p.filename),
    content_type = p.content_type, signature = random_hex(state, 64),
    expires = now + M.UPLOAD_EXPIRES,
  }
  state.fs_uploads[key] = slot
  local url = ctx.server:request_origin(ctx.request) .. ctx.server.mount .. "/_emulator/uploads/"
    .. key .. "?" .. presigned.query(now, M.UPLOAD_EXPIRES, slot.signature)
  local headers = json.object({}, { "Content-Type" })
  if p.content_type then headers["Content-Type"] = p.content_type end
  return 200, { data = json.object({ presigned_url = url, key = key, headers = headers,
    method = "PUT" }, { "presigned_url", "key", "headers", "method" }) }
end

-- The key or url each data type needs, all problems at once (Laravel's
-- required_if wording).
local function data_type_rule(value, _, ctx)
  local p, errs = ctx.params, {}
  if value == "audio" or value == "fingerprint" then
    if p.key == nil then
      errs[#errs + 1] = { "key", "The key field is required when data type is " .. value .. "." }
    else
      local slot = ctx.state.fs_uploads[p.key]
      if not slot or slot.container_id ~= ctx.bound.container_id.id then
        errs[#errs + 1] = { "key", "The selected key is invalid." }
      elseif not slot.data then
        errs[#errs + 1] = { "key", "Nothing has been uploaded to the key yet." }
      end
    end
  elseif p.url == nil then
    errs[#errs + 1] = { "url", "The url field is required when data type is " .. value .. "." }
  else
    -- audio_url takes http(s) and ftp URLs, platforms only web pages.
    local scheme = (p.url:match("^(%a+)://[^%s/]+") or ""):lower()
    local ok = scheme == "http" or scheme == "https" or (value == "audio_url" and scheme == "ftp")
    if not ok then errs[#errs + 1] = { "url", "The url format is invalid." } end
  end
  if #errs > 0 then return errs end
end

R.create_fs_file = {
  data_type = { data_type_rule },
  name = { validate.max_length(255) },
}

-- "https://www.youtube.com/watch?v=abc" -> "youtube", "abc"
local function platform_of(url)
  local host = url:match("^%a+://([^/:?#]+)") or ""
  host = host:lower():gsub("^www%.", ""):gsub("^m%.", "")
  local platform = (host == "youtu.be" or host:find("youtube", 1, true)) and "youtube"
    or host:match("([%w%-]+)%.[%a]+$") or host
  local id = url:match("[?&]v=([%w_%-]+)") or url:match("/([%w_%-]+)/?$") or
    string.format("%08x", catalog.hash(url))
  return platform, id
end

function H.create_fs_file(ctx)
  local c, p, state = ctx.bound.container_id, ctx.params, ctx.state
  local now = common.iso_time(state:now())
  local rec = { cid = c.id, uuid = new_uuid(state), engine = c.engine, state = 0,
    created_at = now, updated_at = now }
  if p.data_type == "audio" or p.data_type == "fingerprint" then
    local slot = state.fs_uploads[p.key]
    state.fs_uploads[p.key] = nil
    local filename = p.filename or slot.filename
    rec.name = p.name or filename
    rec.uri = "audio:" .. filename
    rec.data_type = p.data_type
    rec.size = #slot.data
    -- A fingerprint is far smaller than the audio it stands for.
    local rate = p.data_type == "fingerprint" and BYTES_PER_SECOND // 100 or BYTES_PER_SECOND
    rec.duration = #slot.data == 0 and 0 or math.max(1, #slot.data // rate)
  elseif p.data_type == "audio_url" then
    rec.name = p.name or p.url:gsub("[?#].*$", ""):match("([^/]+)$")
    rec.uri = "audio_url:" .. p.url
    rec.data_type = "audio_url"
    rec.size, rec.duration = 0, 180 + catalog.hash(p.url) % 120
  else
    local platform, id = platform_of(p.url)
    rec.name = p.name or (platform .. " video " .. id)
    rec.uri = platform .. ":video:" .. id
    rec.data_type = platform
    rec.size, rec.duration = 0, 120 + catalog.hash(p.url) % 240
  end
  state:insert("fs_files", rec)
  return 201, { data = file_view(rec, false) }
end

-- "a,b, c" -> the files, each once, in that order; a 404 for the first that
-- is not in the container.
local function files_named(ctx, ids)
  return common.named(ids, "FsFile", function(id)
    return find_file(ctx.state, ctx.bound.container_id, id)
  end)
end

function H.delete_fs_files(ctx)
  for _, f in ipairs(files_named(ctx, ctx.params.file_ids)) do
    ctx.state:remove("fs_files", f.id)
  end
  return 204
end

-- Rescanning puts the files back into processing; the answer lists them.
function H.rescan_fs_files(ctx)
  local out, now = json.array(), common.iso_time(ctx.state:now())
  for _, f in ipairs(files_named(ctx, ctx.params.file_ids)) do
    f.state, f.results, f.updated_at = 0, nil, now
    out[#out + 1] = file_view(f, false)
  end
  return 200, { data = out }
end

-- Seed data -------------------------------------------------------------------------

local seed_containers = {
  { id = 10005, name = "podcast-archive", region = "eu-west-1", audio_type = "linein", engine = 3,
    policy = { type = "traverse", interval = 0, rec_length = 10 }, buckets = { 23 },
    callback_url = "", deepright = false, music_detection = true, ai_detection = false,
    created_at = "2021-04-08T10:20:11.000000Z", updated_at = "2021-04-08T10:20:11.000000Z" },
  { id = 10006, name = "ad-check", region = "us-west-2", audio_type = "recorded", engine = 1,
    policy = { type = "points", points = 3 }, buckets = { 8881, 8883 },
    callback_url = "https://example.com/fs-callback", deepright = false,
    music_detection = false, ai_detection = false,
    created_at = "2022-02-14T08:00:00.000000Z", updated_at = "2022-02-14T08:00:00.000000Z" },
}

local seed_files = {
  { id = 1, uuid = "fd0cbc13-bb69-41ed-abbb-1ed6f25c3b02", cid = 10005,
    name = "Episode 12 - Harbour Lights", duration = 222, uri = "audio:episode-12.mp3",
    data_type = "audio", engine = 3, state = 0, size = 3552000,
    created_at = "2021-04-08T10:23:29.000000Z", updated_at = "2021-04-08T10:23:29.000000Z" },
  { id = 2, uuid = "3b0f6a52-9d1e-4c7a-b2e8-5f14c0d9a7e3", cid = 10005,
    name = "room-tone.wav", duration = 0, uri = "audio:room-tone.wav", data_type = "audio",
    engine = 3, state = -1, size = 0,
    created_at = "2021-04-09T07:02:11.000000Z", updated_at = "2021-04-09T07:02:40.000000Z" },
  { id = 3, uuid = "8c2d7e41-0a6b-4f39-9e15-c7b3a2d4f860", cid = 10005,
    name = "broken-upload.m4a", duration = 0, uri = "audio:broken-upload.m4a",
    data_type = "audio", engine = 3, state = -2, size = 1024,
    created_at = "2021-04-09T07:05:00.000000Z", updated_at = "2021-04-09T07:05:30.000000Z" },
}

function M.seed(state)
  state:add_collection("fs_containers", seed_containers, 10005)
  state:add_collection("fs_files", seed_files, 1)
  -- Pending presigned uploads by key: { container_id, filename, content_type,
  -- signature, expires, data (once uploaded) }.
  state.fs_uploads = {}
  state.fs_random = 0x6A09E667
  -- The seeded ready file has its results already.
  settle(state, state.fs_files.items[1])
  state.fs_files.items[1].updated_at = "2021-04-23T02:58:04.000000Z"
end

return M
