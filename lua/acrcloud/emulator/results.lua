-- Broadcast-monitoring data for the emulator: what a stream or channel
-- played, its state over time, analytics, recordings. Shared by the Custom
-- Streams (handlers/streams.lua) and Broadcast Database
-- (handlers/bd_channels.lua) areas.
--
-- Nothing is stored: a source (a stream or a channel) is { key =, events = }
-- where `key` names it ("cs:s-XXXXXX", "bd:100251") and `events` is its
-- state history, a list of { at = seconds, code = state code } sorted by
-- time (Running from its creation, Paused when paused, ...). A day's plays
-- are drawn from a generator seeded with the key and the day, so they are
-- the same on every run; they are then kept only where the source was
-- running, and only once they are over (`now`). Results, unknown results,
-- the state list and analytics all come from the same plays, so they agree
-- with each other.
local catalog = require "acrcloud.emulator.catalog"
local json = require "acrcloud.emulator.json"
local by = require("acrcloud.order").by
local random = require "acrcloud.emulator.random"
local validate = require "acrcloud.emulator.validate"

local M = {}

local DAY = 86400

-- State codes (spec/bd-projects.txt) and the names the list filters use
-- (the filter's allowed values are the endpoint table's).
M.STATE_NAMES = { [0] = "Running", [1] = "Timeout", [4] = "Paused", [6] = "Invalid URL",
  [10] = "Deleted", [12] = "Mute" }
M.RUNNING, M.TIMEOUT, M.PAUSED, M.INVALID_URL, M.MUTE = 0, 1, 4, 6, 12

function M.state_name(code)
  return M.STATE_NAMES[code] or "Other"
end

-- Does a state code pass a list filter ("All", "Running", ..., "Other")?
function M.state_matches(filter, code)
  if filter == nil or filter == "All" then return true end
  if filter == "Other" then
    return code ~= 0 and code ~= 1 and code ~= 4 and code ~= 6 and code ~= 12
  end
  return M.STATE_NAMES[code] == filter
end

-- The code a source is in now: the last event's (brief outages only show in
-- the history, so a listing does not flicker with the clock).
function M.current_code(events)
  local last = events[#events]
  return last and last.code or M.RUNNING
end

-- add_event(events, now, code): a source's state is `code` from `now` on;
-- two changes in one second keep the last.
function M.add_event(events, now, code)
  local last = events[#events]
  if last and last.at >= now then
    last.code = code
  else
    events[#events + 1] = { at = now, code = code }
  end
end

-- Random numbers -----------------------------------------------------------

-- FNV-1a (32 bits): seeds from strings.
local function hash(s)
  local h = 0x811c9dc5
  for i = 1, #s do h = ((h ~ s:byte(i)) * 0x01000193) & 0xffffffff end
  return h
end
M.hash = hash

local Rng = {}
Rng.__index = Rng

-- rng(seed string) -> a xorshift32 generator; the same seed, the same numbers.
function M.rng(seed)
  local x = hash(seed)
  if x == 0 then x = 0x6d2b79f5 end
  return setmetatable({ x = x }, Rng)
end

function Rng:next() return random.advance(self, "x") end

-- An integer in [a, b].
function Rng:int(a, b)
  return a + self:next() % (b - a + 1)
end

-- True `percent` times in a hundred.
function Rng:chance(percent)
  return self:next() % 100 < percent
end

-- 32 hex digits, the shape of acrids and analytics ids.
function M.hex_id(seed)
  local r = M.rng(seed)
  return string.format("%08x%08x%08x%08x", r:next(), r:next(), r:next(), r:next())
end

-- Dates and times ------------------------------------------------------------

-- "20210201" -> day number (days since 1970-01-01), or nil.
function M.parse_day(s)
  if type(s) ~= "string" then return nil end
  local y, m, d = s:match("^(%d%d%d%d)(%d%d)(%d%d)$")
  if not y then return nil end
  return validate.parse_date(y .. "-" .. m .. "-" .. d)
end

-- "20210201121314" (UTC) -> seconds since the epoch, or nil.
function M.parse_stamp(s)
  if type(s) ~= "string" then return nil end
  local y, mo, d, h, mi, se = s:match("^(%d%d%d%d)(%d%d)(%d%d)(%d%d)(%d%d)(%d%d)$")
  if not y then return nil end
  return validate.parse_datetime(string.format("%s-%s-%s %s:%s:%s", y, mo, d, h, mi, se))
end

function M.format_stamp(t)
  return (validate.format_datetime(t):gsub("[- :]", ""))
end

M.format_time = validate.format_datetime

-- Rules for YYYYmmdd and YYYYmmddHHMMSS query values, in Laravel's words.
function M.day_rule(value, name)
  if not M.parse_day(value) then
    return "The " .. validate.attribute(name) .. " does not match the format Ymd."
  end
end

function M.stamp_rule(value, name)
  if not M.parse_stamp(value) then
    return "The " .. validate.attribute(name) .. " does not match the format YmdHis."
  end
end

-- Rule: a number >= 0.
function M.non_negative(value, name)
  if type(value) == "number" and value < 0 then
    return "The " .. validate.attribute(name) .. " must be at least 0."
  end
end

-- State history ----------------------------------------------------------------

-- Short outages of a running source on one day: 0 to 3 Mute or Timeout
-- spells, sorted, not overlapping.
local function outages(key, day)
  local r = M.rng("outage|" .. key .. "|" .. day)
  local list = {}
  for _ = 1, r:int(0, 3) do
    local from = day * DAY + r:int(0, DAY - 1)
    list[#list + 1] = { from = from, to = from + r:int(10, 1500),
      code = r:chance(60) and M.MUTE or M.TIMEOUT }
  end
  table.sort(list, function(a, b) return a.from < b.from end)
  return list
end

-- segments(source, from, to) -> list of { code =, from =, to = } covering
-- the part of [from, to) the source existed in, adjacent equal codes merged.
function M.segments(source, from, to)
  local out = {}
  local function push(code, a, b)
    if b <= a then return end
    local last = out[#out]
    if last and last.code == code and last.to == a then
      last.to = b
    else
      out[#out + 1] = { code = code, from = a, to = b }
    end
  end
  local events = source.events
  for i, ev in ipairs(events) do
    local a = math.max(ev.at, from)
    local b = math.min(events[i + 1] and events[i + 1].at or math.huge, to)
    if a < b and ev.code == M.RUNNING then
      -- An outage that started the day before may still be going on.
      local t = a
      for day = a // DAY - 1, (b - 1) // DAY do
        for _, o in ipairs(outages(source.key, day)) do
          local s, e = math.max(o.from, t), math.min(o.to, b)
          if s < e then
            push(M.RUNNING, t, s)
            push(o.code, s, e)
            t = e
          end
        end
      end
      push(M.RUNNING, t, b)
    elseif a < b then
      push(ev.code, a, b)
    end
  end
  return out
end

-- Was the source running at time t? (segments sorted; i is a cursor that
-- only moves forward, for walking through a day's plays in order.)
local function running_at(segs, t, i)
  while segs[i] and segs[i].to <= t do i = i + 1 end
  local s = segs[i]
  return s ~= nil and s.from <= t and s.code == M.RUNNING, i
end

local STATE_ITEM = { "code", "start", "end", "duration" }
local STATE_DATA = { "total_time", "valid_time", "timeoffset", "state_list" }

-- state_report(source, first_day, last_day, offset, now) -> the `data` of a
-- state answer. The days are local days of a zone `offset` minutes behind
-- UTC (JavaScript's getTimezoneOffset: UTC+8 is -480); times in the list
-- are local too. total_time is the time covered, valid_time the time
-- running, both in seconds.
function M.state_report(source, first_day, last_day, offset, now)
  local shift = offset * 60
  local from = first_day * DAY + shift
  local to = math.min((last_day + 1) * DAY + shift, now)
  local segs = M.segments(source, from, to)
  -- A change made this very second (a pause just now) shows, with no
  -- duration yet.
  local last_event, last_seg = source.events[#source.events], segs[#segs]
  if last_event and last_event.at >= from and last_event.at == to and
      (not last_seg or last_seg.code ~= last_event.code) then
    segs[#segs + 1] = { code = last_event.code, from = to, to = to }
  end
  local list, total, valid = json.array(), 0, 0
  for _, s in ipairs(segs) do
    local duration = s.to - s.from
    total = total + duration
    if s.code == M.RUNNING then valid = valid + duration end
    list[#list + 1] = json.object({
      code = s.code, start = M.format_time(s.from - shift), ["end"] = M.format_time(s.to - shift),
      duration = duration,
    }, STATE_ITEM)
  end
  return json.object({ total_time = total, valid_time = valid, timeoffset = offset,
    state_list = list }, STATE_DATA)
end

-- Plays -----------------------------------------------------------------------

-- Custom content (jingles, station ids, adverts) that custom-bucket
-- monitoring finds. Invented, as the catalog's tracks are.
local CUSTOM = {
  { title = "Station ID - morning", duration = 8 },
  { title = "Jingle - news on the hour", duration = 12 },
  { title = "Advert - Harbour Motors spring sale", duration = 30 },
  { title = "Advert - Lakeside Dental", duration = 20 },
  { title = "Promo - weekend countdown", duration = 25 },
  { title = "Sponsor tag - traffic report", duration = 6 },
}
for _, c in ipairs(CUSTOM) do c.acrid = M.hex_id("custom|" .. c.title) end

-- A day's plays of a source, before any filtering: { start =, played =,
-- track = catalog track, offset_ms =, score =, custom = CUSTOM item or nil }
-- in time order, and the unknown music heard in the gaps between them.
-- Every draw happens whatever is later kept, so that the plays depend on
-- nothing but (key, day).
local function day_plays(key, day)
  local r = M.rng("plays|" .. key .. "|" .. day)
  local tracks = catalog.tracks
  local plays, unknown = {}, {}
  local t = day * DAY + r:int(0, 90)
  local stop = (day + 1) * DAY
  while t < stop do
    local track = tracks[r:int(1, #tracks)]
    local length = track.duration_ms // 1000
    -- Most songs play through; some are cut short or talked over.
    local cut = r:int(math.min(20, length), length)
    local played = r:chance(70) and length or cut
    local custom = CUSTOM[r:int(1, #CUSTOM)]
    local is_custom = r:chance(15)
    local offset_ms = r:int(0, 25000)
    -- A few weak matches: the API's "false positives".
    local score = r:chance(5) and r:int(50, 69) or r:int(80, 100)
    if is_custom then played = custom.duration end
    plays[#plays + 1] = { start = t, played = played, track = track, offset_ms = offset_ms,
      score = score, custom = is_custom and custom or nil }
    t = t + played
    local gap = r:int(3, 300)
    local heard = r:chance(30)
    local unknown_len = r:int(20, 240)
    if heard and gap > 40 then
      unknown[#unknown + 1] = { start = t + 5, played = math.min(unknown_len, gap - 10) }
    end
    t = t + gap
  end
  return plays, unknown
end

-- filtered(source, day, opts) -> the plays and unknown stretches kept:
-- over by opts.now (ongoing ones too with opts.ongoing), started while the
-- source was running, and of a kind the project recognises: songs when it
-- has ACRCloud Music (opts.music), custom content when it has a custom
-- bucket (opts.custom_bucket, the id the results name).
local function filtered(source, day, opts)
  local plays, unknown = day_plays(source.key, day)
  local segs = M.segments(source, day * DAY, math.min((day + 1) * DAY, opts.now))
  local function keep_time(p)
    if opts.ongoing then return p.start < opts.now end
    return p.start + p.played <= opts.now
  end
  local out, i = {}, 1
  for _, p in ipairs(plays) do
    local ok
    ok, i = running_at(segs, p.start, i)
    local recognised = p.custom and opts.custom_bucket or (not p.custom and opts.music)
    if ok and recognised and keep_time(p) then
      out[#out + 1] = { start = p.start, played = p.played, track = p.track,
        offset_ms = p.offset_ms, score = p.score, custom = p.custom }
    end
  end
  local heard = {}
  i = 1
  for _, u in ipairs(unknown) do
    local ok
    ok, i = running_at(segs, u.start, i)
    if ok and keep_time(u) then heard[#heard + 1] = u end
  end
  return out, heard
end

-- Result shapes ------------------------------------------------------------------

local RESULT = { "status", "result_type", "metadata" }
local STATUS = { "msg", "code", "version" }
local METADATA = { "type", "timestamp_utc", "played_duration", "music", "custom_files",
  "record_timestamp" }
-- The order of the Broadcast Database examples (spec and docs).
local MUSIC = { "album", "play_offset_ms", "sample_begin_time_offset_ms", "title", "result_from",
  "release_date", "sample_end_time_offset_ms", "genres", "label", "db_end_time_offset_ms",
  "score", "db_begin_time_offset_ms", "artists", "duration_ms", "external_ids", "acrid",
  "external_metadata" }
local CUSTOM_FILE = { "acrid", "title", "bucket_id", "duration_ms", "score", "play_offset_ms",
  "db_begin_time_offset_ms", "db_end_time_offset_ms", "sample_begin_time_offset_ms",
  "sample_end_time_offset_ms" }

local function names(list)
  local out = json.array()
  for i, n in ipairs(list or {}) do out[i] = json.object({ name = n }, { "name" }) end
  return out
end

local function one(v)
  return json.array(v and v ~= "" and { v } or {})
end

-- Where in the sample (about ten seconds of audio) and in the reference the
-- match lay.
local function offsets(p)
  local sample_begin = 1000 + p.offset_ms % 4000
  local db_begin = p.offset_ms
  return sample_begin, sample_begin + 5000, db_begin, db_begin + 5000
end

local function music_item(p)
  local t = p.track
  local sb, se, db, de = offsets(p)
  local platforms = json.object({}, { "spotify", "deezer" })
  if t.spotify then
    platforms.spotify = json.array({ json.object({
      track = json.object({ name = t.title, id = t.spotify }, { "name", "id" }),
      album = json.object({ name = t.album }, { "name" }),
      artists = names(t.artists),
    }, { "track", "album", "artists" }) })
  end
  if t.deezer then
    platforms.deezer = json.array({ json.object({
      track = json.object({ name = t.title, id = t.deezer }, { "name", "id" }),
    }, { "track" }) })
  end
  return json.object({
    album = json.object({ name = t.album }, { "name" }),
    play_offset_ms = p.offset_ms + 5000,
    sample_begin_time_offset_ms = sb, title = t.title, result_from = 3,
    release_date = t.release_date, sample_end_time_offset_ms = se,
    genres = names(t.genres), label = t.label, db_end_time_offset_ms = de, score = p.score,
    db_begin_time_offset_ms = db, artists = names(t.artists), duration_ms = t.duration_ms,
    external_ids = json.object({ isrc = one(t.isrc), upc = one(t.upc) }, { "isrc", "upc" }),
    acrid = t.acrid, external_metadata = platforms,
  }, MUSIC)
end

local function custom_item(p, bucket_id)
  local c = p.custom
  local sb, se, db, de = offsets(p)
  return json.object({
    acrid = c.acrid, title = c.title, bucket_id = bucket_id, duration_ms = c.duration * 1000,
    score = p.score, play_offset_ms = db + 5000, db_begin_time_offset_ms = db,
    db_end_time_offset_ms = de, sample_begin_time_offset_ms = sb,
    sample_end_time_offset_ms = se,
  }, CUSTOM_FILE)
end

local function result_of(p, opts, kind)
  local meta = json.object({
    type = kind or "delay", timestamp_utc = M.format_time(p.start),
    played_duration = p.played, record_timestamp = M.format_stamp(p.start),
  }, METADATA)
  if p.custom then
    meta.custom_files = json.array({ custom_item(p, opts.custom_bucket) })
  else
    meta.music = json.array({ music_item(p) })
  end
  return json.object({
    status = json.object({ msg = "Success", code = 0, version = "1.0" }, STATUS),
    result_type = 0, metadata = meta,
  }, RESULT)
end

local function passes(p, opts)
  local min, max = opts.min_duration or 0, opts.max_duration or 3600
  if p.played < min or p.played > max then return false end
  if p.score < 70 and opts.with_false_positive ~= 1 then return false end
  if opts.isrc_country then
    local isrc = not p.custom and p.track.isrc or ""
    if isrc:sub(1, 2):upper() ~= opts.isrc_country:upper() then return false end
  end
  return true
end

-- results(source, day, opts) -> list of results for a UTC day, in time
-- order. opts: now, music, custom_bucket, min_duration, max_duration,
-- isrc_country, with_false_positive (0|1), last (only the last one).
function M.results(source, day, opts)
  local plays = filtered(source, day, opts)
  local out = json.array()
  for _, p in ipairs(plays) do
    if passes(p, opts) then out[#out + 1] = result_of(p, opts) end
  end
  if opts.last and #out > 1 then out = json.array({ out[#out] }) end
  return out
end

-- realtime(source, opts) -> the results of the last `window` seconds (ten
-- minutes by default) up to opts.now, the one still playing included with
-- the time played so far; metadata.type "realtime".
function M.realtime(source, opts)
  local window = opts.window or 600
  local out = json.array()
  local now = opts.now
  local wanted = {}
  for day = (now - window) // DAY, now // DAY do
    local plays = filtered(source, day, { now = now, ongoing = true, music = opts.music,
      custom_bucket = opts.custom_bucket })
    for _, p in ipairs(plays) do
      if p.start + p.played > now - window then wanted[#wanted + 1] = p end
    end
  end
  for _, p in ipairs(wanted) do
    if p.start + p.played > now then p.played = now - p.start end
    if p.score >= 70 then out[#out + 1] = result_of(p, opts, "realtime") end
  end
  return out
end

-- unknown_results(source, day, opts) -> the music heard but not recognised
-- on a UTC day. The shape is invented: a result without a match, status
-- 1001 ("No result", the Identification API's code), with the time it
-- was heard, how long, and the record_timestamp to fetch its recording.
function M.unknown_results(source, day, opts)
  local _, heard = filtered(source, day, { now = opts.now, music = true })
  local out = json.array()
  local min, max = opts.min_duration or 0, opts.max_duration or 3600
  for _, u in ipairs(heard) do
    if u.played >= min and u.played <= max then
      out[#out + 1] = json.object({
        status = json.object({ msg = "No result", code = 1001, version = "1.0" }, STATUS),
        result_type = 0,
        metadata = json.object({ type = "delay", timestamp_utc = M.format_time(u.start),
          played_duration = u.played, record_timestamp = M.format_stamp(u.start) }, METADATA),
      }, RESULT)
    end
  end
  return out
end

-- Callbacks ---------------------------------------------------------------------

-- Seconds of audio a realtime result waits for (a monitoring config's
-- rec_length): a realtime post goes out that long after the start.
M.REALTIME_AFTER = 10
-- Plays and unknown stretches last less than this: a window's plays are
-- looked for from this long before it.
local LONGEST = 2 * 3600

-- due(source, from, to, opts) -> the posts of the result callback whose
-- time falls in (from, to], in time order: { at = seconds, kind =
-- "result" | "no_result", data = <the post's `data`> }. opts: music,
-- custom_bucket (what the project recognises), realtime (a post a play,
-- REALTIME_AFTER seconds after it started, with the time played so far;
-- else one when it is over, with all of it), noresult (also the music
-- heard but not recognised), result_type (data.result_type).
-- Weak matches (score < 70) are left out, as the results API leaves them.
function M.due(source, from, to, opts)
  local out = {}
  local kind = opts.realtime and "realtime" or "delay"
  local function when(start, played)
    if opts.realtime then return start + math.min(played, M.REALTIME_AFTER) end
    return start + played
  end
  local function shown(p)
    if not opts.realtime then return p end
    local q = {}
    for k, v in pairs(p) do q[k] = v end
    q.played = math.min(p.played, M.REALTIME_AFTER)
    return q
  end
  for day = (from - LONGEST) // DAY, to // DAY do
    local plays, heard = filtered(source, day, { now = to, ongoing = true, music = opts.music,
      custom_bucket = opts.custom_bucket })
    for _, p in ipairs(plays) do
      local at = when(p.start, p.played)
      if at > from and at <= to and p.score >= 70 then
        local data = result_of(shown(p), opts, kind)
        data.result_type = opts.result_type or 0
        out[#out + 1] = { at = at, start = p.start, kind = "result", data = data }
      end
    end
    if opts.noresult then
      for _, u in ipairs(heard) do
        local at = when(u.start, u.played)
        if at > from and at <= to then
          local v = shown(u)
          out[#out + 1] = { at = at, start = u.start, kind = "no_result", data = json.object({
            status = json.object({ msg = "No result", code = 1001, version = "1.0" }, STATUS),
            result_type = opts.result_type or 0,
            metadata = json.object({ type = kind, timestamp_utc = M.format_time(v.start),
              played_duration = v.played, record_timestamp = M.format_stamp(v.start) },
              METADATA),
          }, RESULT) }
        end
      end
    end
  end
  table.sort(out, by("at", "start"))
  return out
end

-- outage_changes(source, from, to) -> the state changes the monitoring
-- itself finds in (from, to]: the short Mute and Timeout spells of a
-- running source, their start (the spell's code) and end (Running), as
-- { at =, code = }. Changes of the source's own events (a pause, an admin
-- change) are not among them: those are announced when they are made.
function M.outage_changes(source, from, to)
  local out = {}
  local segs = M.segments(source, from, to + 1)
  local function event_code_at(t)
    local code
    for _, ev in ipairs(source.events) do
      if ev.at <= t then code = ev.code else break end
      if ev.at == t then return nil end -- an event of its own
    end
    return code
  end
  for i = 2, #segs do
    local s, prev = segs[i], segs[i - 1]
    if s.from > from and s.from <= to and prev.to == s.from and
        event_code_at(s.from) == M.RUNNING then
      out[#out + 1] = { at = s.from, code = s.code }
    end
  end
  return out
end

-- Analytics -----------------------------------------------------------------------

local ANALYTICS = { "id", "project_id", "stats_type", "result_type", "start_timestamp_utc",
  "end_timestamp_utc", "results" }

-- What one analytics row is keyed by, and the fields it shows before
-- play_time, plays and rank. Only the "date" row is documented.
local function row_keys(stats_type, p, source)
  if stats_type == "date" then
    local d = validate.format_date(p.start // DAY)
    return d, { date = d }, { "date" }
  elseif stats_type == "track" then
    if p.custom then
      return p.custom.acrid, { acrid = p.custom.acrid, title = p.custom.title },
        { "acrid", "title" }
    end
    local t = p.track
    return t.acrid, { acrid = t.acrid, title = t.title, artists = table.concat(t.artists, ", ") },
      { "acrid", "title", "artists" }
  elseif stats_type == "artists" then
    local a = table.concat(p.track.artists, ", ")
    return a, { artists = a }, { "artists" }
  elseif stats_type == "label" then
    return p.track.label, { label = p.track.label }, { "label" }
  end
  -- "stream" or "channel": per source
  return source.id, { [source.id_name] = source.id, [source.name_field] = source.name },
    { source.id_name, source.name_field }
end

-- analytics(project_id, sources, opts) -> the `data` of an analytics answer:
-- plays and play time over the last 7 full UTC days, per date, track,
-- artist, label or source. Sources here also carry id, name, id_name
-- ("stream_id"/"channel_id") and name_field. Rows: dates in order; the
-- others by plays (most first), at most 100. opts: now, stats_type,
-- result_type ("music"|"custom"), music, custom_bucket.
function M.analytics(project_id, sources, opts)
  local today = opts.now // DAY
  local first, last = today - 7, today - 1
  local rows, order = {}, {}
  for day = first, last do
    if opts.stats_type == "date" then
      local d = validate.format_date(day)
      rows[d] = { fields = { date = d }, keys = { "date" }, plays = 0, play_time = 0 }
      order[#order + 1] = d
    end
    for _, source in ipairs(sources) do
      local plays = filtered(source, day, { now = opts.now, music = opts.music,
        custom_bucket = opts.custom_bucket })
      for _, p in ipairs(plays) do
        local wanted = (opts.result_type == "custom") == (p.custom ~= nil)
        if wanted and p.score >= 70 then
          local k, fields, keys = row_keys(opts.stats_type, p, source)
          local row = rows[k]
          if not row then
            row = { fields = fields, keys = keys, plays = 0, play_time = 0 }
            rows[k] = row
            order[#order + 1] = k
          end
          row.plays = row.plays + 1
          row.play_time = row.play_time + p.played
        end
      end
    end
  end
  local list = {}
  for _, k in ipairs(order) do list[#list + 1] = rows[k] end
  if opts.stats_type ~= "date" then
    table.sort(list, function(a, b)
      if a.plays ~= b.plays then return a.plays > b.plays end
      if a.play_time ~= b.play_time then return a.play_time > b.play_time end
      return tostring(a.fields[a.keys[1]]) < tostring(b.fields[b.keys[1]])
    end)
  end
  local results = json.array()
  for i = 1, math.min(#list, 100) do
    local row = list[i]
    local keys = {}
    for j, key in ipairs(row.keys) do keys[j] = key end
    for _, key in ipairs({ "play_time", "plays", "rank" }) do keys[#keys + 1] = key end
    local item = row.fields
    item.play_time, item.plays, item.rank = row.play_time, row.plays, i
    results[i] = json.object(item, keys)
  end
  return json.object({
    id = M.hex_id(string.format("analytics|%s|%s|%s|%d", project_id, opts.stats_type,
      opts.result_type, first)),
    project_id = project_id, stats_type = opts.stats_type, result_type = opts.result_type,
    start_timestamp_utc = M.format_time(first * DAY),
    end_timestamp_utc = M.format_time((last + 1) * DAY - 1),
    results = results,
  }, ANALYTICS)
end

-- Recordings ------------------------------------------------------------------------

M.RECORDING_MAX = 120           -- seconds of audio at most in one answer
M.RECORDING_KEPT = 30 * DAY     -- how far back recordings are kept

-- recording_window(source, from, to, now) -> true when [from, to) can be
-- served: within the last 30 days, over by now, and all of it in a time the
-- source was running (outages aside: a Mute spell is still audio).
function M.recording_window(source, from, to, now)
  if from < now - M.RECORDING_KEPT or to > now or to <= from then return false end
  local events = source.events
  for i, ev in ipairs(events) do
    local a, b = ev.at, events[i + 1] and events[i + 1].at or math.huge
    if a <= from and to <= b then return ev.code == M.RUNNING end
  end
  return false
end

-- Pentatonic notes (Hz) the recordings are made of.
local NOTES = { 261.63, 293.66, 329.63, 392.00, 440.00, 523.25, 587.33, 659.25 }

-- wav(seed, seconds) -> a WAV file (PCM, 8 kHz, 8-bit, mono) of that many
-- seconds: a tune of short notes drawn from the seed, the same every time.
function M.wav(seed, seconds)
  local rate = 8000
  local n = seconds * rate
  local header = string.pack("<c4I4c4c4I4I2I2I4I4I2I2c4I4", "RIFF", 36 + n, "WAVE", "fmt ", 16,
    1, 1, rate, rate, 1, 8, "data", n)
  local r = M.rng("wav|" .. seed)
  local parts, buf = { header }, {}
  local i = 0
  while i < n do
    local len = r:int(1600, 4800)
    local step = 2 * math.pi * NOTES[r:int(1, #NOTES)] / rate
    for k = 0, math.min(len, n - i) - 1 do
      -- A short fade in and out, so the notes do not click.
      local env = math.min(1, k / 160, (len - k) / 320)
      buf[#buf + 1] = 128 + math.floor(90 * env * math.sin(step * k) + 0.5)
      if #buf == 4000 then
        parts[#parts + 1] = string.char(table.unpack(buf))
        buf = {}
      end
    end
    i = i + len
  end
  if #buf > 0 then parts[#parts + 1] = string.char(table.unpack(buf)) end
  return table.concat(parts)
end

-- recording(source, params, now) -> bytes, headers | nil when it is not
-- available. params: timestamp_utc (YYYYmmddHHMMSS), played_duration,
-- record_before, record_after. The audio covers record_before seconds
-- before the start to record_after after the end, cut to RECORDING_MAX.
function M.recording(source, params, now)
  local start = M.parse_stamp(params.timestamp_utc)
  local from = start - (params.record_before or 0)
  local to = start + params.played_duration + (params.record_after or 0)
  if not M.recording_window(source, from, to, now) then return nil end
  local seconds = math.min(to - from, M.RECORDING_MAX)
  local name = source.key:gsub("^%a+:", "") .. "_" .. M.format_stamp(from) .. ".wav"
  return M.wav(source.key .. "|" .. from, seconds), {
    ["Content-Type"] = "audio/wav",
    ["Content-Disposition"] = 'attachment; filename="' .. name .. '"',
  }
end

return M
