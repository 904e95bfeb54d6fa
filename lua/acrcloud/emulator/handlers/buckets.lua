-- Buckets and what they hold: audio files (File buckets), live channels
-- (Live and LiveTimeshift buckets), recorded channels (LiveRec buckets,
-- imported from live channels) and dedup fingerprints (DedupFile buckets).
-- Inventory: shared/api/endpoints.json, sections "Buckets*".
--
-- Shapes not in the inventory are invented; the emulator's README section
-- says which. Audio files answer state 0 (processing) to their upload and
-- 1 (ready) on every read after it.
local area = require "acrcloud.emulator.area"
local common, json, validate = area.common, area.json, area.validate
local random = require "acrcloud.emulator.random"

local M, H, R = area.new()

local find_bucket = area.finder("buckets")

-- Every operation below a bucket finds it first (404 before validation).
-- The bucket's own operations name it {id}, the rest {bucket_id}.
M.bindings = {
  { path = "/buckets/{id}", param = "id", model = "Bucket", find = find_bucket },
  { path = "/buckets/{bucket_id}", param = "bucket_id", model = "Bucket", find = find_bucket },
}

local BUCKET_TYPES = { "File", "Live", "LiveRec", "LiveTimeshift", "DedupFile" }

-- Which collection holds a bucket's content, by bucket type; `num` of
-- these buckets is the count of what they hold.
local CONTENT = { File = "audio_files", Live = "live_channels", LiveTimeshift = "live_channels",
  LiveRec = "rec_channels", DedupFile = "dedup_files" }

-- A node per region for new buckets (`node`, and the hash buckets-status
-- reports for it).
local NODES = {
  ["eu-west-1"] = { "10.12.12.235-850", "9b1c4e0f52a7d3e8c6f1a2b3d4e5f607" },
  ["us-west-2"] = { "10.16.3.41-850", "5d2c7b1a0f9e8d7c6b5a4f3e2d1c0b9a" },
  ["ap-southeast-1"] = { "10.12.12.240-860", "1f0e2d3c4b5a69788796a5b4c3d2e1f0" },
}

-- The documented keys first; data_type, filename, size are additions.
local FILE = { "id", "uid", "acr_id", "bucket_id", "state", "title", "audio_id", "duration",
  "user_defined", "created_at", "updated_at", "data_type", "filename", "size" }
local CHANNEL = { "id", "uid", "bucket_id", "acr_id", "channel_id", "state", "title", "url",
  "user_defined", "timeshift", "created_at", "updated_at", "bucket_type" }
local DEDUP = { "id", "dup_files", "acr_id", "created_at", "updated_at" }

local HEX = "0123456789abcdef"

-- acr_ids: this area's own xorshift32 sequence, so that they repeat run
-- after run without shifting the keys other areas draw from state:random_string.
local function acr_id(state)
  local out = {}
  for i = 1, 32 do
    local k = random.advance(state, "buckets_random") % 16 + 1
    out[i] = HEX:sub(k, k)
  end
  return table.concat(out)
end

local function now(ctx) return common.sql_time(ctx.state:now()) end

local function strings(list)
  local out = json.array()
  for i, v in ipairs(list or {}) do out[i] = v end
  return out
end

-- Stored user_defined (a table or a string) as it goes out; {} when none.
local function user_defined_view(v)
  if v == nil then return json.object({}, {}) end
  return v
end

-- Keeps `num` of a bucket whose content this area serves equal to what it
-- holds (bd-project views show it).
local function recount(state, bucket)
  local col = CONTENT[bucket.type]
  if not col then return end
  local n = 0
  for _, rec in pairs(state[col].items) do
    if rec.bucket_id == bucket.id then n = n + 1 end
  end
  bucket.num = n
end

-- "1, 2,x" -> { "1", "2", "x" }: the comma-separated ids of a path segment,
-- without blanks and repeats.
local function split_ids(s)
  local out, seen = {}, {}
  for item in tostring(s):gmatch("[^,]+") do
    item = item:match("^%s*(.-)%s*$")
    if item ~= "" and not seen[item] then
      seen[item] = true
      out[#out + 1] = item
    end
  end
  return out
end

-- The records of `col` in `bucket_id` (any bucket when nil) that the ids
-- name (numeric ids, or acr_ids where records have them); 404 naming the
-- ids that match nothing.
local function find_many(ctx, col, model, ids, bucket_id, match)
  local found, missing = {}, {}
  for _, token in ipairs(split_ids(ids)) do
    local rec
    for _, r in pairs(ctx.state[col].items) do
      if (bucket_id == nil or r.bucket_id == bucket_id) and match(r, token) then
        rec = r
        break
      end
    end
    if rec then found[#found + 1] = rec else missing[#missing + 1] = token end
  end
  if #missing > 0 or #found == 0 then
    common.not_found(model, #missing > 0 and table.concat(missing, ", ") or ids)
  end
  return found
end

local function by_id_or_acr_id(rec, token)
  return tostring(rec.id) == token or rec.acr_id == token
end

local function by_id(rec, token) return tostring(rec.id) == token end

-- Deletes the records of `col` in the path's bucket that the ids name (404
-- as find_many answers it) and recounts the bucket.
local function delete_many(ctx, col, model, ids, match)
  local state, b = ctx.state, ctx.bound.bucket_id
  for _, rec in ipairs(find_many(ctx, col, model, ids, b.id, match)) do
    state:remove(col, rec.id)
  end
  recount(state, b)
  return 204
end

-- Rules --------------------------------------------------------------------

-- The bucket named by the path is of one of `types`, or a 422 on bucket_id.
local function bucket_type_rule(types)
  local set = {}
  for _, t in ipairs(types) do set[t] = true end
  local wanted = table.concat(types, " or ")
  return function(_, name, ctx)
    local b = ctx.bound[name]
    if b and not set[b.type] then
      return string.format("The bucket %d is a %s bucket; this needs a %s bucket.", b.id, b.type,
        wanted)
    end
  end
end

local IN_FILE_BUCKET = { bucket_type_rule({ "File" }) }
local IN_LIVE_BUCKET = { bucket_type_rule({ "Live", "LiveTimeshift" }) }
local IN_ANY_LIVE_BUCKET = { bucket_type_rule({ "Live", "LiveTimeshift", "LiveRec" }) }
local IN_REC_BUCKET = { bucket_type_rule({ "LiveRec" }) }
local IN_DEDUP_BUCKET = { bucket_type_rule({ "DedupFile" }) }

local NAME = { validate.max_length(255) }
local TITLE = { validate.max_length(255) }

local LABELS = { validate.string_items(false) }

-- user_defined: an object, or a string holding JSON (Laravel's `json` rule).
local function json_rule(value, name)
  if type(value) == "string" and json.decode(value) == nil then
    return "The " .. validate.attribute(name) .. " must be a valid JSON string."
  end
end

local function user_defined(value)
  if type(value) == "string" then
    local v = json.decode(value)
    if type(v) == "table" then return v end
  end
  return value
end

-- Stream URLs of live channels: any scheme (http, rtmp, rtsp, udp...).
local function stream_url_rule(value, name)
  if type(value) ~= "string" or not value:match("^%a[%w+.%-]*://[^%s/?#]+%S*$") then
    return "The " .. validate.attribute(name) .. " format is invalid."
  end
end

-- Buckets ------------------------------------------------------------------

local bucket_view = common.bucket_view

R.create_bucket = {
  name = NAME,
  type = { validate.one_of(BUCKET_TYPES) },
  labels = LABELS,
}

function H.create_bucket(ctx)
  local p, t = ctx.params, now(ctx)
  local node = NODES[p.region]
  local rec = ctx.state:insert("buckets", {
    uid = common.UID, name = p.name, type = p.type, node = node[1], node_id = node[2], state = 1,
    region = p.region, metadata_template = p.metadata_template or json.null,
    labels = p.labels or {}, net_type = common.int(p.net_type or 1), created_at = t,
    updated_at = t, num = 0, size = 0, access_permission = "private",
  })
  return 201, { data = bucket_view(rec) }
end

R.list_buckets = { type = { validate.one_of(BUCKET_TYPES) } }

function H.list_buckets(ctx)
  return common.list_filtered(ctx, "buckets", bucket_view, "type")
end

function H.get_bucket(ctx)
  return 200, { data = bucket_view(ctx.bound.id) }
end

R.update_bucket = { name = NAME, labels = LABELS }

function H.update_bucket(ctx)
  local b, p = ctx.bound.id, ctx.params
  if p.name then b.name = p.name end
  if p.labels then b.labels = p.labels end
  if p.metadata_template then b.metadata_template = p.metadata_template end
  b.updated_at = now(ctx)
  return 200, { data = bucket_view(b) }
end

-- Deleting a bucket deletes what it holds; recorded copies of its live
-- channels go with them.
function H.delete_bucket(ctx)
  local state, b = ctx.state, ctx.bound.id
  local touched = {}
  for _, col in ipairs({ "audio_files", "live_channels", "rec_channels", "dedup_files" }) do
    for id, rec in pairs(state[col].items) do
      if rec.bucket_id == b.id then state[col].items[id] = nil end
    end
  end
  for id, rec in pairs(state.rec_channels.items) do
    if not state.live_channels.items[rec.channel_id] then
      state.rec_channels.items[id] = nil
      touched[rec.bucket_id] = true
    end
  end
  state:remove("buckets", b.id)
  for id in pairs(touched) do
    local other = state:get("buckets", id)
    if other then recount(state, other) end
  end
  return 204
end

-- Audio files --------------------------------------------------------------

-- The first read after an upload finds the file processed.
local function settle(rec)
  if rec.state == 0 then rec.state = 1 end
  return rec
end

local function file_view(f)
  return json.object({
    id = f.id, uid = f.uid, acr_id = f.acr_id, bucket_id = f.bucket_id, state = f.state,
    title = f.title, audio_id = f.audio_id, duration = f.duration,
    user_defined = user_defined_view(f.user_defined), created_at = f.created_at,
    updated_at = f.updated_at, data_type = f.data_type, filename = f.filename,
    size = f.size == nil and json.null or f.size,
  }, FILE)
end

local function file_in_bucket(ctx, token)
  local b = ctx.bound.bucket_id
  return find_many(ctx, "audio_files", "File", token, b.id, by_id_or_acr_id)[1]
end

-- data_type says which other field carries the audio.
local NEEDS = { audio = "file", fingerprint = "file", audio_url = "url", acrid = "acrid" }

local function data_type_rule(value, _, ctx)
  local field = NEEDS[value]
  local given = field and ctx.body[field]
  -- A field given with the wrong type has its own error already.
  if field and ctx.params[field] == nil and (given == nil or given == "" or given == json.null) then
    return { { field, "The " .. field .. " field is required when data type is " .. value .. "." } }
  end
end

R.upload_audio_file = {
  bucket_id = IN_FILE_BUCKET,
  data_type = { data_type_rule },
  title = TITLE,
  url = { validate.url },
  user_defined = { json_rule },
}

-- "http://x/a/b.mp3?q" -> "b.mp3"; "/tmp/song.mp3" -> "song.mp3"
local function base_name(s)
  s = s:gsub("[?#].*$", "")
  return s:match("([^/]+)/*$") or s
end

local function strip_extension(s)
  return s:match("^(.+)%.[%w]+$") or s
end

function H.upload_audio_file(ctx)
  local p, state, b = ctx.params, ctx.state, ctx.bound.bucket_id
  local t = now(ctx)
  local rec = {
    uid = common.UID, acr_id = acr_id(state), bucket_id = b.id, state = 0, data_type = p.data_type,
    user_defined = p.user_defined ~= nil and user_defined(p.user_defined) or nil,
    created_at = t, updated_at = t,
  }
  if p.data_type == "audio" or p.data_type == "fingerprint" then
    local f = p.file
    rec.filename = base_name(f.filename)
    rec.content_type = f.content_type
    rec.data = f.data
    rec.size = #f.data
    -- As if the audio were 128 kbit/s; fingerprints stand for the same.
    rec.duration = math.max(1, #f.data // 16000)
    rec.audio_id = strip_extension(rec.filename)
  elseif p.data_type == "audio_url" then
    rec.filename = base_name(p.url)
    rec.url = p.url
    -- Nothing is fetched: a plausible track length.
    rec.duration = 120 + state.buckets_random % 180
    rec.audio_id = strip_extension(rec.filename)
  else
    rec.filename = p.acrid
    rec.duration = 120 + state.buckets_random % 180
    rec.audio_id = p.acrid
  end
  rec.title = p.title or (p.data_type == "acrid" and p.acrid or strip_extension(rec.filename))
  state:insert("audio_files", rec)
  recount(state, b)
  return 200, { data = file_view(rec) }
end

R.list_audio_files = {
  bucket_id = IN_FILE_BUCKET,
}

-- Sorts records by id or state (then id), ascending or descending.
local function sort_records(records, sort, order)
  local desc = order == "desc"
  table.sort(records, function(a, b)
    if sort == "status" and a.state ~= b.state then
      if desc then return a.state > b.state end
      return a.state < b.state
    end
    if desc then return a.id > b.id end
    return a.id < b.id
  end)
  return records
end

local function title_matches(search)
  local needle = search and search:lower()
  return function(rec)
    return not needle or (rec.title or ""):lower():find(needle, 1, true) ~= nil
  end
end

function H.list_audio_files(ctx)
  local p, b = ctx.params, ctx.bound.bucket_id
  local matches = title_matches(p.search)
  local records = ctx.state:list("audio_files", function(f)
    if f.bucket_id ~= b.id then return false end
    settle(f)
    return matches(f) and (p.state == nil or f.state == p.state)
  end)
  sort_records(records, p.sort, p.order or "asc")
  return 200, common.paginate(ctx, records, file_view)
end

function H.get_audio_file(ctx)
  return 200, { data = file_view(settle(file_in_bucket(ctx, ctx.params.id))) }
end

R.update_audio_file = {
  bucket_id = IN_FILE_BUCKET,
  title = TITLE,
  user_defined = { json_rule },
}

function H.update_audio_file(ctx)
  local p = ctx.params
  local f = settle(file_in_bucket(ctx, p.id))
  if p.title then f.title = p.title end
  if p.user_defined ~= nil then f.user_defined = user_defined(p.user_defined) end
  f.updated_at = now(ctx)
  return 200, { data = file_view(f) }
end

R.delete_audio_files = { bucket_id = IN_FILE_BUCKET }

function H.delete_audio_files(ctx)
  return delete_many(ctx, "audio_files", "File", ctx.params.ids, by_id_or_acr_id)
end

-- The path's bucket is the destination; the files may be in any File
-- bucket. Invented answer: {"data":[file, ...]}, the files moved.
R.move_audio_files = { bucket_id = IN_FILE_BUCKET }

function H.move_audio_files(ctx)
  local state, dest = ctx.state, ctx.bound.bucket_id
  local files = find_many(ctx, "audio_files", "File", ctx.params.ids, nil, by_id_or_acr_id)
  local sources, t, out = {}, now(ctx), json.array()
  for _, f in ipairs(files) do
    if f.bucket_id ~= dest.id then
      sources[f.bucket_id] = true
      f.bucket_id = dest.id
      f.updated_at = t
    end
    out[#out + 1] = file_view(settle(f))
  end
  recount(state, dest)
  for id in pairs(sources) do
    local src = state:get("buckets", id)
    if src then recount(state, src) end
  end
  return 200, { data = out }
end

-- Invented answer: {"data":[file, ...]}, every file of the bucket, oldest
-- first, not paginated.
R.dump_audio_files = { bucket_id = IN_FILE_BUCKET }

function H.dump_audio_files(ctx)
  local b = ctx.bound.bucket_id
  local records = ctx.state:list("audio_files", function(f) return f.bucket_id == b.id end)
  sort_records(records, "id", "asc")
  local out = json.array()
  for i, f in ipairs(records) do out[i] = file_view(settle(f)) end
  return 200, { data = out }
end

-- Live channels ------------------------------------------------------------

-- A channel as it shows in `bucket` (a rec bucket shows the live channels
-- imported into it). `list_item` adds channel_id, as the docs' list shows.
local function channel_view(c, bucket, list_item)
  return json.object({
    id = c.id, uid = c.uid, bucket_id = bucket.id, acr_id = c.acr_id,
    channel_id = list_item and c.id or nil, state = c.state, title = c.title, url = c.url,
    user_defined = user_defined_view(c.user_defined), timeshift = c.timeshift,
    created_at = c.created_at, updated_at = c.updated_at, bucket_type = bucket.type,
  }, CHANNEL)
end

-- The channels a bucket shows: its own, or for a LiveRec bucket the live
-- channels imported into it.
local function channels_of(state, bucket)
  local out = {}
  if bucket.type == "LiveRec" then
    for _, r in pairs(state.rec_channels.items) do
      local c = r.bucket_id == bucket.id and state.live_channels.items[r.channel_id]
      if c then out[#out + 1] = c end
    end
  else
    for _, c in pairs(state.live_channels.items) do
      if c.bucket_id == bucket.id then out[#out + 1] = c end
    end
  end
  return out
end

local function channel_in_bucket(ctx, token)
  local b = ctx.bound.bucket_id
  for _, c in ipairs(channels_of(ctx.state, b)) do
    if tostring(c.id) == token then return c end
  end
  common.not_found("Channel", token)
end

local function timeshift(v)
  if v == nil then return nil end
  return common.int(v)
end

-- A live channel's fields, as create and update take them.
local LIVE_CHANNEL_RULES = {
  bucket_id = IN_LIVE_BUCKET,
  title = TITLE,
  url = { stream_url_rule },
  user_defined = { json_rule },
}

R.create_live_channel = LIVE_CHANNEL_RULES

function H.create_live_channel(ctx)
  local p, state, b = ctx.params, ctx.state, ctx.bound.bucket_id
  local t = now(ctx)
  local rec = state:insert("live_channels", {
    uid = common.UID, bucket_id = b.id, acr_id = acr_id(state), state = 1, url = p.url or "",
    user_defined = p.user_defined ~= nil and user_defined(p.user_defined) or nil,
    timeshift = timeshift(p.timeshift) or 0, created_at = t, updated_at = t,
  })
  rec.title = p.title or ("Channel " .. rec.id)
  recount(state, b)
  return 201, { data = channel_view(rec, b) }
end

R.list_live_channels = {
  bucket_id = IN_ANY_LIVE_BUCKET,
}

function H.list_live_channels(ctx)
  local p, b = ctx.params, ctx.bound.bucket_id
  local matches = title_matches(p.search)
  local records = {}
  for _, c in ipairs(channels_of(ctx.state, b)) do
    if matches(c) then records[#records + 1] = c end
  end
  sort_records(records, p.sort, p.order or "desc")
  return 200, common.paginate(ctx, records, function(c) return channel_view(c, b, true) end)
end

R.get_live_channel = { bucket_id = IN_ANY_LIVE_BUCKET }

function H.get_live_channel(ctx)
  local b = ctx.bound.bucket_id
  return 200, { data = channel_view(channel_in_bucket(ctx, ctx.params.id), b) }
end

R.update_live_channel = LIVE_CHANNEL_RULES

function H.update_live_channel(ctx)
  local p, b = ctx.params, ctx.bound.bucket_id
  local c = channel_in_bucket(ctx, p.id)
  if p.title then c.title = p.title end
  if p.url then c.url = p.url end
  if p.user_defined ~= nil then c.user_defined = user_defined(p.user_defined) end
  if p.timeshift ~= nil then c.timeshift = timeshift(p.timeshift) end
  c.updated_at = now(ctx)
  return 200, { data = channel_view(c, b) }
end

R.delete_live_channels = { bucket_id = IN_LIVE_BUCKET }

-- Recorded copies in LiveRec buckets go with the channels.
function H.delete_live_channels(ctx)
  local state, b = ctx.state, ctx.bound.bucket_id
  local gone = {}
  for _, c in ipairs(find_many(ctx, "live_channels", "Channel", ctx.params.ids, b.id, by_id)) do
    state:remove("live_channels", c.id)
    gone[c.id] = true
  end
  local touched = {}
  for id, r in pairs(state.rec_channels.items) do
    if gone[r.channel_id] then
      state.rec_channels.items[id] = nil
      touched[r.bucket_id] = true
    end
  end
  recount(state, b)
  for id in pairs(touched) do recount(state, state:get("buckets", id)) end
  return 204
end

-- Recorded channels ----------------------------------------------------------

-- ids: live channel ids, "1,2" (or a list), each naming a channel of a
-- Live or LiveTimeshift bucket.
local function channel_ids_rule(value, name, ctx)
  local list = value
  if type(value) ~= "table" then list = split_ids(value) end
  local bad = {}
  for _, id in ipairs(list) do
    local c = ctx.state:get("live_channels", tostring(id))
    if not c then bad[#bad + 1] = tostring(id) end
  end
  if #list == 0 then return "The " .. name .. " field is required." end
  if #bad > 0 then
    return "The selected " .. name .. " is invalid (no live channel " ..
      table.concat(bad, ", ") .. ")."
  end
end

R.import_rec_channels = { bucket_id = IN_REC_BUCKET, ids = { channel_ids_rule } }

-- Invented answer: {"data":[channel, ...]}, the imported channels as the
-- LiveRec bucket shows them. Importing a channel twice keeps one copy.
function H.import_rec_channels(ctx)
  local state, b = ctx.state, ctx.bound.bucket_id
  local ids = ctx.params.ids
  if type(ids) ~= "table" then ids = split_ids(ids) end
  local have = {}
  for _, r in pairs(state.rec_channels.items) do
    if r.bucket_id == b.id then have[r.channel_id] = true end
  end
  local out, t = json.array(), now(ctx)
  for _, id in ipairs(ids) do
    local c = state:get("live_channels", tostring(id))
    if not have[c.id] then
      have[c.id] = true
      state:insert("rec_channels", { bucket_id = b.id, channel_id = c.id, created_at = t })
    end
    out[#out + 1] = channel_view(c, b)
  end
  recount(state, b)
  return 200, { data = out }
end

R.delete_rec_channels = { bucket_id = IN_REC_BUCKET }

-- ids: the live channel ids, as imported.
function H.delete_rec_channels(ctx)
  return delete_many(ctx, "rec_channels", "Channel", ctx.params.ids,
    function(r, token) return tostring(r.channel_id) == token end)
end

-- Dedup files ----------------------------------------------------------------

-- `id` is the caller's track id (an addition to the documented list shape).
local function dedup_view(d)
  return json.object({
    id = d.file_id, dup_files = strings(d.dup_files), acr_id = d.acr_id,
    created_at = d.created_at, updated_at = d.updated_at,
  }, DEDUP)
end

local function unique_track_rule(value, name, ctx)
  local b = ctx.bound.bucket_id
  for _, d in pairs(ctx.state.dedup_files.items) do
    if d.bucket_id == b.id and d.file_id == value then
      return "The " .. validate.attribute(name) .. " has already been taken."
    end
  end
end

R.add_dedup_file = {
  bucket_id = IN_DEDUP_BUCKET,
  id = { validate.max_length(255), unique_track_rule },
}

-- A fingerprint is a duplicate of a stored one with the same bytes. The
-- answer lists the track ids it duplicates; it is stored (do_db) only when
-- it duplicates nothing and db_if_nodup is not 0. The stored ones it
-- duplicates list its track id in their dup_files.
function H.add_dedup_file(ctx)
  local p, state, b = ctx.params, ctx.state, ctx.bound.bucket_id
  local data, t = p.file.data, now(ctx)
  local dups, id = json.array(), nil
  local stored = state:list("dedup_files", function(d)
    return d.bucket_id == b.id and d.data == data
  end)
  for _, d in ipairs(stored) do
    dups[#dups + 1] = d.file_id
    d.dup_files[#d.dup_files + 1] = tostring(p.id)
    d.updated_at = t
    id = d.acr_id
  end
  local do_db = #dups == 0 and (p.db_if_nodup == nil or common.int(p.db_if_nodup) ~= 0)
  id = id or acr_id(state)
  if do_db then
    state:insert("dedup_files", { bucket_id = b.id, file_id = tostring(p.id), acr_id = id,
      data = data, size = #data, dup_files = {}, created_at = t, updated_at = t })
    recount(state, b)
  end
  return 200, { data = json.object({ dup_files = dups, acr_id = id, do_db = do_db },
    { "dup_files", "acr_id", "do_db" }) }
end

R.list_dedup_files = { bucket_id = IN_DEDUP_BUCKET }

function H.list_dedup_files(ctx)
  local b = ctx.bound.bucket_id
  local records = ctx.state:list("dedup_files", function(d) return d.bucket_id == b.id end)
  return 200, common.paginate(ctx, records, dedup_view)
end

local function by_track_or_acr_id(d, token) return d.file_id == token or d.acr_id == token end

R.get_dedup_file = { bucket_id = IN_DEDUP_BUCKET }

-- file_id: the caller's track id or the acr_id.
function H.get_dedup_file(ctx)
  local b = ctx.bound.bucket_id
  local d = find_many(ctx, "dedup_files", "DedupFile", ctx.params.file_id, b.id,
    by_track_or_acr_id)
  return 200, { data = dedup_view(d[1]) }
end

R.delete_dedup_files = { bucket_id = IN_DEDUP_BUCKET }

function H.delete_dedup_files(ctx)
  return delete_many(ctx, "dedup_files", "DedupFile", ctx.params.acr_ids, by_track_or_acr_id)
end

-- Seed data --------------------------------------------------------------------

local SEED_TITLES = { "Morning Drive", "Blue Hour", "Paper Boats", "Northern Lights",
  "Static", "Slow River", "Gold Rush", "Night Bus", "Echo Park", "Glass House" }

-- seed(state): the content of the seeded buckets (as many files and
-- channels as their `num` says), plus a LiveRec and a DedupFile bucket.
function M.seed(state)
  state.buckets_random = 0x1B873593
  state:add_collection("audio_files", {}, 380001)
  state:add_collection("live_channels", {}, 52001)
  state:add_collection("rec_channels", {}, 9001)
  state:add_collection("dedup_files", {}, 1)
  local base = validate.parse_datetime("2020-08-07 19:20:11")
  local files = { { 8881, 120 }, { 8883, 2 } }
  for _, spec in ipairs(files) do
    for i = 1, spec[2] do
      local t = common.sql_time(base + i * 60)
      local title = SEED_TITLES[(i - 1) % #SEED_TITLES + 1] .. " " .. ((i - 1) // #SEED_TITLES + 1)
      local rec = state:insert("audio_files", {
        uid = common.UID, acr_id = acr_id(state), bucket_id = spec[1], state = 1, title = title,
        audio_id = string.format("track-%03d", i), duration = 150 + (i * 37) % 150,
        created_at = t, updated_at = t, data_type = "audio",
        filename = string.format("track-%03d.mp3", i),
      })
      rec.size = rec.duration * 16000
    end
  end
  local channels = {
    { "BBC Radio 1", "http://stream.example.com/bbc1" },
    { "Radio Nova", "http://stream.example.com/nova" },
    { "TV 5 Live", "rtmp://live.example.com/tv5" },
  }
  for i, c in ipairs(channels) do
    local t = common.sql_time(base + 3600 + i * 60)
    state:insert("live_channels", {
      uid = common.UID, bucket_id = 8882, acr_id = acr_id(state), state = 1, title = c[1],
      url = c[2], timeshift = 0, created_at = t, updated_at = t,
    })
  end
  local extra = {
    { id = 14662, name = "tv-rec", type = "LiveRec", region = "ap-southeast-1", num = 1 },
    { id = 14663, name = "dedup", type = "DedupFile", region = "eu-west-1", num = 0 },
  }
  for _, e in ipairs(extra) do
    local node = NODES[e.region]
    state.buckets.items[e.id] = {
      id = e.id, uid = common.UID, name = e.name, type = e.type, node = node[1], node_id = node[2],
      state = 1, region = e.region, metadata_template = json.null, labels = {}, net_type = 1,
      created_at = "2020-07-06 11:30:00", updated_at = "2020-07-06 11:30:00", num = e.num,
      size = 0, access_permission = "private",
    }
    state.buckets.seq = math.max(state.buckets.seq, e.id)
  end
  -- The first channel of the Live bucket, recorded in the LiveRec bucket.
  state:insert("rec_channels", { bucket_id = 14662, channel_id = 52001,
    created_at = "2020-08-07 20:30:00" })
end

return M
