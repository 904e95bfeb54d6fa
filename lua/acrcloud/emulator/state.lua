-- The emulator's in-memory state and the data it starts with.
--
-- Collections hold records by integer id and hand out new ids from their own
-- sequence. Records keep the fields the spec shows; the views in the handler
-- files turn them into response shapes.
local null = require("acrcloud.emulator.json").null
local random = require "acrcloud.emulator.random"
local validate = require "acrcloud.emulator.validate"

local M = {}

local State = {}
State.__index = State

-- Buckets, from the spec's examples (23, 14661 in the Broadcast Database
-- pages; 8880-8883 in the base-project pages). `node_id` is what the
-- buckets-status endpoint reports as the node's hash. A bucket of the
-- examples is active, private, labelled Music, on net type 1, without a
-- metadata template and not updated since it was made, unless it says
-- otherwise.
local function seed_bucket(b)
  b.state, b.access_permission = 1, "private"
  b.labels = b.labels or { "Music" }
  b.net_type = b.net_type or 1
  if b.metadata_template == nil then b.metadata_template = null end
  b.updated_at = b.updated_at or b.created_at
  return b
end

local seed_buckets = {
  seed_bucket{ id = 23, uid = 0, name = "ACRCloud Music", type = "ACRCloudFile",
    node = "52.50.121.26-8870", node_id = "46671216359c47fc0c1b236194f7cca0",
    region = "global", metadata_template = "", net_type = 0,
    created_at = "2015-05-05 04:22:19", updated_at = "2020-05-13 19:28:15",
    num = 72002117, size = 397184 },
  seed_bucket{ id = 8880, uid = 0, name = "ACRCloud Music", type = "ACRCloudFile",
    node = "52.50.121.26-8870", node_id = "46671216359c47fc0c1b236194f7cca0",
    region = "global", net_type = 0,
    created_at = "2015-05-05 04:22:19", updated_at = "2020-05-13 19:28:15",
    num = 72002117, size = 397184 },
  seed_bucket{ id = 8881, uid = 1, name = "bucket-music", type = "File",
    node = "10.12.12.235-850", node_id = "9b1c4e0f52a7d3e8c6f1a2b3d4e5f607",
    region = "eu-west-1", created_at = "2020-08-07 19:20:11", num = 120, size = 35 },
  seed_bucket{ id = 8882, uid = 1, name = "tv", type = "Live",
    node = "10.12.12.240-860", node_id = "1f0e2d3c4b5a69788796a5b4c3d2e1f0",
    region = "ap-southeast-1", labels = { "TV" }, created_at = "2020-08-07 19:20:42",
    num = 3, size = 0 },
  seed_bucket{ id = 8883, uid = 1, name = "api-test", type = "File",
    node = "10.12.12.235-850", node_id = "9b1c4e0f52a7d3e8c6f1a2b3d4e5f607",
    region = "eu-west-1", created_at = "2020-12-25 09:40:02", num = 2, size = 1 },
  seed_bucket{ id = 14661, uid = 2, name = "test", type = "File",
    node = "10.12.12.236-850", node_id = "c2a9b8f7e6d5c4b3a2918070f6e5d4c3",
    region = "eu-west-1", metadata_template = "isrc, artist, album",
    created_at = "2020-07-06 11:25:08", num = 0, size = 0 },
}

-- Base projects: the six of the spec's list example.
local seed_base_projects = {
  { id = 15, access_key = "e7a84ca942a13773f6d22e9fd6808fce",
    access_secret = "9zlEAx57jaCgeLpDKKQmorv0brrhAYqj076n6FyP", name = "test",
    service_type = "AVR", region = "eu-west-1", audio_type = "linein", external_id = "",
    created_at = "2020-12-25T09:47:25.000000Z", updated_at = "2020-12-25T09:47:25.000000Z",
    buckets = { 8881, 8883 }, external_ids = { "spotify", "isrc", "deezer" } },
  { id = 14, access_key = "9246b72f271403f4abefd723b10d2810",
    access_secret = "TZZbedkkArX2cLDdz6PBc1rkBkUrq3izQccmjDGc", name = "vue-project-2",
    service_type = "AVR", region = "ap-southeast-1", audio_type = "recorded",
    created_at = "2020-08-07T19:21:48.000000Z", updated_at = "2020-08-07T19:22:01.000000Z",
    buckets = { 8880, 8881, 8883 }, external_ids = { "Youtube", "Deezer" } },
  { id = 13, access_key = "a13717e4bef752c067d0cee5dfc13dfb",
    access_secret = "W0IhtWoQjLceyRNufQUhQabudUu0009APOaciRAy", name = "vue-project",
    service_type = "AVR", region = "ap-southeast-1", audio_type = "recorded",
    created_at = "2020-08-07T19:21:48.000000Z", updated_at = "2020-08-07T19:22:01.000000Z",
    buckets = { 8881 }, external_ids = { "Deezer", "Spotify" } },
  { id = 5, access_key = "965eb1aded32934b78a599fffb9befdd",
    access_secret = "BqSmWxTV5dwJgxGVG0Pfxq1wUXHlAXBm4Poy8jpf", name = "param_test",
    service_type = "AVR", region = "ap-southeast-1", audio_type = "recorded",
    created_at = "2020-08-07T19:21:48.000000Z", updated_at = "2020-08-07T19:22:01.000000Z",
    buckets = { 8880, 8881 },
    external_ids = { "deezer", "itunes", "spotify", "youtube", "isrc", "upc", "musicstory",
                     "lyricfind" } },
  { id = 3, access_key = "01d97da894699fb8e0ea9832e679fdc8",
    access_secret = "0t7zQ23F2yhaXEBqUMZ6qvRzhiGt8BKMvk6FPkfG", name = "hr",
    service_type = "HR", region = "ap-southeast-1", audio_type = "recorded", external_id = "",
    created_at = "2020-08-07T19:21:48.000000Z", updated_at = "2020-08-07T19:22:01.000000Z",
    buckets = { 8881, 8882 }, external_ids = {} },
  { id = 2, access_key = "896cf772dc1b5f2e9287f524fcc78971",
    access_secret = "5TETNWSHDnGbXv6OhVrgkbbVzQtuhMuFSDpXu4TW", name = "tv_project",
    service_type = "LCD", region = "ap-southeast-1", audio_type = "recorded", external_id = "",
    created_at = "2020-08-07T19:21:48.000000Z", updated_at = "2020-08-07T19:22:01.000000Z",
    buckets = { 8882 }, external_ids = {} },
}

-- One Broadcast Database project, as in the spec's list example.
local seed_bd_projects = {
  { id = 12345, name = "test", region = "eu-west-1", buckets = { 23 },
    created_at = "2020-06-16 10:09:35", updated_at = "2020-07-27 03:35:51",
    callback_result = { enabled = 0, diy_url = "", diy_send_type = 2, diy_send_noresult = 0,
                        diy_result_type = 1 },
    callback_state = { enabled = 0, url = "", send_type = 2 } },
}

-- Custom Streams projects (17913 and "s-XXXXXX" come from the spec's
-- example; the user-report tests post to them). Times are UTC. A stream's
-- `config_id` names one of the monitoring configs the streams area seeds
-- (handlers/streams.lua); its state history starts at `created_at`.
local seed_cs_projects = {
  { id = 17913, name = "cs-demo", region = "eu-west-1", type = "BM-ACRC",
    buckets = { 23, 14661 }, external_ids = { "spotify", "isrc", "deezer" },
    metadata_template = "StreamId,City,FM",
    created_at = "2021-01-04 10:42:24", updated_at = "2021-01-04 10:42:24",
    streams = {
      { stream_id = "s-XXXXXX", name = "Demo FM", config_id = 2,
        stream_urls = { "http://streams.example.com/demo-fm.mp3" },
        user_defined = { StreamId = "demo-1", City = "Hong Kong", FM = "98.8" },
        created_at = "2021-01-04 10:50:00", timemap = 1 },
      { stream_id = "s-Jq2n5T", name = "Demo Talk", config_id = 1,
        stream_urls = { "https://streams.example.com/demo-talk.m3u8" },
        created_at = "2021-02-01 08:00:00" },
    } },
  { id = 17914, name = "cs-radio", region = "ap-southeast-1", type = "BM-LOCAL",
    buckets = { 8880 }, external_ids = {}, metadata_template = "",
    created_at = "2021-03-15 05:12:09", updated_at = "2021-03-15 05:12:09",
    streams = {
      { stream_id = "s-8dLk3v", name = "Harbour Radio", config_id = 3,
        stream_urls = { "https://radio.example.net/harbour/live.aac" },
        created_at = "2021-03-15 06:00:00" },
    } },
}

-- The channels of the Broadcast Database project 12345 (its
-- monitoring_num is their number). Channel ids come from the channel
-- catalogue the bd_channels area seeds; the callback example of the spec
-- shows channel 100251 with the custom id "test_id".
local seed_bd_channels = {
  [12345] = {
    { id = 100251, add_at = "2020-06-16 10:09:35", timemap = 1,
      user_defined = { custom_id = "test_id" } },
  },
}

local function copy(v)
  if type(v) ~= "table" then return v end
  local out = {}
  for k, x in pairs(v) do out[k] = copy(x) end
  return out
end
M.copy = copy

local function new_collection(records, first_id)
  local col = { items = {}, seq = first_id - 1 }
  for _, rec in ipairs(records) do
    col.items[rec.id] = copy(rec)
    if rec.id > col.seq then col.seq = rec.id end
  end
  return col
end

-- state.new(seeders) -> a fresh state holding the seed data, with that of
-- the handler areas added by `seeders` (a list of functions of the state,
-- from routes.load: the areas are not required from here, as they require
-- this module).
function M.new(seeders)
  local self = setmetatable({}, State)
  self.clock_offset = 0 -- seconds the clock was advanced by
  self.buckets = new_collection(seed_buckets, 1)
  self.base_projects = new_collection(seed_base_projects, 1)
  self.bd_projects = new_collection(seed_bd_projects, 1)
  for pid, p in pairs(self.bd_projects.items) do
    p.channels = {}
    for _, ch in ipairs(seed_bd_channels[pid] or {}) do p.channels[ch.id] = copy(ch) end
  end
  self.cs_projects = new_collection({}, 1)
  self.stream_seq = 0 -- the order streams were added in, across projects
  for _, p in ipairs(seed_cs_projects) do
    local rec = copy(p)
    rec.streams = {}
    for _, s in ipairs(p.streams) do self:add_stream(rec, copy(s)) end
    self.cs_projects.items[p.id] = rec
    self.cs_projects.seq = math.max(self.cs_projects.seq, p.id)
  end
  self.user_reports = {}       -- ["pid/stream_id"] = { report, ... }
  self.user_report_seq = 984589 -- the spec's example id is 984590
  self.random = 0x2545F491     -- deterministic keys, run after run
  -- Each handler area may add collections and seed data of its own.
  for _, seed in ipairs(seeders or {}) do seed(self) end
  return self
end

-- state:add_collection(name, records, first_id): a new collection holding
-- copies of the records; new ids continue from first_id or the largest seed.
function State:add_collection(name, records, first_id)
  self[name] = new_collection(records or {}, first_id or 1)
  return self[name]
end

-- Parses an id from a path segment: only plain decimal digits name a record.
function M.parse_id(s)
  if type(s) == "number" then return math.tointeger(s) end
  if type(s) ~= "string" or not s:match("^%d+$") or #s > 15 then return nil end
  return math.tointeger(tonumber(s))
end

function State:get(name, id)
  id = M.parse_id(id)
  return id and self[name].items[id] or nil
end

function State:insert(name, rec)
  local col = self[name]
  col.seq = col.seq + 1
  rec.id = col.seq
  col.items[rec.id] = rec
  return rec
end

function State:remove(name, id)
  self[name].items[id] = nil
end

-- Records of a collection that pass `keep`, newest (highest id) first.
function State:list(name, keep)
  local out = {}
  for _, rec in pairs(self[name].items) do
    if not keep or keep(rec) then out[#out + 1] = rec end
  end
  table.sort(out, function(a, b) return a.id > b.id end)
  return out
end

function State:count(name)
  local n = 0
  for _ in pairs(self[name].items) do n = n + 1 end
  return n
end

-- Keys and secrets that look random but repeat run after run.
function State:next_random()
  return random.advance(self, "random")
end

function State:random_string(n, alphabet)
  local out = {}
  for i = 1, n do
    local k = self:next_random() % #alphabet + 1
    out[i] = alphabet:sub(k, k)
  end
  return table.concat(out)
end

-- The emulator's clock, seconds since the epoch: the real time (or what
-- `clock`, a function that can replace os.time, says) plus however far it
-- was advanced (POST /api/_emulator/clock).
function State:now()
  return (self.clock or os.time)() + self.clock_offset
end

-- Moves the clock forward by `seconds` (an integer >= 0).
function State:advance(seconds)
  self.clock_offset = self.clock_offset + seconds
end

-- State changes made through the API or the admin route (a stream paused,
-- a channel's state set), for the projects' state notifications:
-- state:announce{ at =, area = "cs" | "bd", pid = (cs), stream_id =,
-- stream_name =, channel_id = (bd), code = }; take_announcements() hands
-- them over (deliveries.lua) and forgets them.
function State:announce(change)
  self.announcements = self.announcements or {}
  self.announcements[#self.announcements + 1] = change
end

function State:take_announcements()
  local list = self.announcements or {}
  self.announcements = {}
  return list
end

-- state:add_stream(project, stream): puts a stream record into a Custom
-- Streams project (`streams` is keyed by stream id). The record gets its
-- place in the order of addition and, unless it has one, a state history
-- (`events`, a list of { at = seconds, code = state code }) that starts
-- Running at its creation time.
function State:add_stream(project, stream)
  self.stream_seq = self.stream_seq + 1
  stream.seq = self.stream_seq
  stream.mcp_id = project.id
  if not stream.events then
    local at = validate.parse_datetime(stream.created_at) or self:now()
    stream.events = { { at = at, code = 0 } }
  end
  project.streams[stream.stream_id] = stream
  return stream
end

-- The key of a stream's user reports in state.user_reports: "pid/stream_id",
-- or "bd:pid/channel_id" for a Broadcast Database channel (area "bd").
function M.report_key(pid, stream_id, area)
  return (area and area .. ":" or "") .. pid .. "/" .. stream_id
end

-- User reports of a stream, or of a Broadcast Database channel when `area`
-- is "bd" (stored as "bd:pid/channel_id", apart from the streams').
function State:reports_for(pid, stream_id, area)
  local key = M.report_key(pid, stream_id, area)
  local list = self.user_reports[key]
  if not list then
    list = {}
    self.user_reports[key] = list
  end
  return list
end

return M
