-- Broadcast Database channels: the channels of ACRCloud's database that a
-- Broadcast Database project monitors. Channels are added to a project by
-- their database id (from the catalogue below), listed, given a custom id,
-- removed; their results, state history and recordings come from
-- acrcloud.emulator.results, as the Custom Streams ones do. A channel's
-- state is the catalogue's status_code: ACRCloud runs these channels, a
-- project cannot pause them.
local area = require "acrcloud.emulator.area"
local common, json, validate = area.common, area.json, area.validate
local results = require "acrcloud.emulator.results"
local state_mod = require "acrcloud.emulator.state"
local streams = require "acrcloud.emulator.handlers.streams"

local M, H, R = area.new()

local null = json.null

local find_project = area.finder("bd_projects")

M.bindings = {
  { path = "/bm-bd-projects/{pid}", param = "pid", model = "BmBdProject", find = find_project },
  { path = "/bm-bd-projects/{project_id}", param = "project_id", model = "BmBdProject",
    find = find_project },
  { path = "/bm-bd-projects/{pid}/channels/{channel_id}", param = "channel_id",
    model = "BmBdChannel", find = function(ctx, cid)
      local id = state_mod.parse_id(cid)
      return id and ctx.bound.pid.channels[id] or nil
    end },
}

local function project_of(ctx)
  return ctx.bound.pid or ctx.bound.project_id or ctx.bound.id
end

-- The channel database. 100251 and 100252 are the docs' channel-list
-- example, 222195 the spec's state-notification example (Invalid URL);
-- the 3001xx channels are invented (Mute is 300103's state).
local CATALOG = {
  { id = 100251, type = "Radio", name = "BBC Radio 1", sub_title = "London - 98.8 FM",
    language = "English", city = "London", province = null, country = "United Kingdom",
    continent = "Europe", website = "http://www.bbc.co.uk/radio1",
    twitter = "http://twitter.com/BBCR1", mytuner = "https://mytuner-radio.com/radio/409791",
    status_code = 0, monitor_at = "2018-02-26 07:56:50" },
  { id = 100252, type = "Radio", name = "BBC Radio 2", sub_title = "London - 89.1 FM",
    language = "English", city = "London", province = null, country = "United Kingdom",
    continent = "Europe", website = "http://www.bbc.co.uk/radio2",
    twitter = "http://twitter.com/BBCRadio2",
    mytuner = "https://mytuner-radio.com/radio/409758",
    status_code = 0, monitor_at = "2018-02-26 07:56:50" },
  { id = 222195, type = "Radio", name = "Radio Fermo Uno", sub_title = "Fermo - 94.2 FM",
    language = "Italian", city = "Fermo", province = "Marche", country = "Italy",
    continent = "Europe", website = "", twitter = "", mytuner = "",
    status_code = 6, monitor_at = "2019-05-20 09:00:00" },
  { id = 300101, type = "Radio", name = "Aurora Hits", sub_title = "Tromso - 101.3 FM",
    language = "Norwegian", city = "Tromso", province = "Troms", country = "Norway",
    continent = "Europe", website = "https://aurora-hits.example.com", twitter = "",
    mytuner = "", status_code = 0, monitor_at = "2020-02-03 12:00:00" },
  { id = 300102, type = "Radio", name = "Costa Azul FM", sub_title = "Valparaiso - 95.5 FM",
    language = "Spanish", city = "Valparaiso", province = "Valparaiso", country = "Chile",
    continent = "South America", website = "https://costa-azul.example.com", twitter = "",
    mytuner = "", status_code = 0, monitor_at = "2020-02-03 12:00:00" },
  { id = 300103, type = "TV", name = "Kanal Nord", sub_title = "Hamburg", language = "German",
    city = "Hamburg", province = "Hamburg", country = "Germany", continent = "Europe",
    website = "https://kanal-nord.example.com", twitter = "", mytuner = "",
    status_code = 12, monitor_at = "2021-09-01 00:00:00" },
}

-- seed(state): the channel database.
function M.seed(state)
  state:add_collection("bd_catalog", CATALOG)
end

-- Views ----------------------------------------------------------------------------

local CHANNEL = { "uid", "project_id", "id", "type", "name", "sub_title", "language", "city",
  "province", "country", "continent", "website", "twitter", "mytuner", "urls", "status_code",
  "monitor_at", "timemap", "user_defined", "add_at" }

local function view(ch, ctx, project)
  local c = ctx.state:get("bd_catalog", ch.id)
  -- An empty user_defined is [] in the docs' example (PHP's empty array).
  local ud = next(ch.user_defined) and json.object(ch.user_defined, { "custom_id" })
    or json.array()
  return json.object({
    uid = 2, project_id = project.id, id = ch.id, type = c.type, name = c.name,
    sub_title = c.sub_title, language = c.language, city = c.city, province = c.province,
    country = c.country, continent = c.continent, website = c.website, twitter = c.twitter,
    mytuner = c.mytuner, urls = json.array(), status_code = c.status_code,
    monitor_at = c.monitor_at, timemap = ch.timemap, user_defined = ud, add_at = ch.add_at,
  }, CHANNEL)
end

-- The channel as a source of results: its catalogue state from the time
-- it was both monitored and in the project, then the changes made to it
-- through POST /api/_emulator/states (`changes`, with the state it had
-- before them in `first_code`).
local function source_of(ch, ctx)
  local c = ctx.state:get("bd_catalog", ch.id)
  local from = math.max(validate.parse_datetime(c.monitor_at), validate.parse_datetime(ch.add_at))
  local events = { { at = from, code = c.first_code or c.status_code } }
  for _, change in ipairs(c.changes or {}) do
    if change.at <= from then
      events[1].code = change.code
    else
      events[#events + 1] = { at = change.at, code = change.code }
    end
  end
  return { key = "bd:" .. ch.id, events = events, id = ch.id,
    name = c.name, id_name = "channel_id", name_field = "channel_name" }
end
M.source_of = source_of

-- set_state(state, channel_id, code) -> the catalogue record: the channel's
-- state from now on (in every project that monitors it, as ACRCloud's
-- channels are shared), announced to the projects' state notifications.
function M.set_state(state, id, code)
  local c = state:get("bd_catalog", id)
  if not c or c.status_code == code then return c end
  local now = state:now()
  c.first_code = c.first_code or c.status_code
  c.changes = c.changes or {}
  results.add_event(c.changes, now, code)
  c.status_code = code
  state:announce({ at = now, area = "bd", channel_id = c.id, stream_id = tostring(c.id),
    stream_name = c.name, code = code })
  return c
end

-- A project's channels in the order of their ids.
local function sorted_channels(project) return common.sorted(project.channels, "id") end
M.sorted_channels = sorted_channels

-- "1,2" -> the project's channels, each once; 404 for the first id that
-- names none of them.
local function channels_named(project, ids)
  return common.named(ids, "BmBdChannel", function(item)
    local id = state_mod.parse_id(item)
    return id and project.channels[id]
  end)
end

-- Channels -----------------------------------------------------------------------------

-- The text a search_type looks in (channel_name when none is given).
local function searched(ch, c, search_type)
  if search_type == "channel_id" then return tostring(ch.id) end
  if search_type == "city" then return c.city or "" end
  if search_type == "custom_id" then return ch.user_defined.custom_id or "" end
  if search_type == "mytuner_id" then return (c.mytuner or ""):match("(%d+)$") or "" end
  return c.name
end

function H.list_channels(ctx)
  local project, p = project_of(ctx), ctx.params
  local timemap = p.timemap ~= nil and common.int(p.timemap) or nil
  local search = p.search_value and p.search_value:lower()
  local list = {}
  for _, ch in ipairs(sorted_channels(project)) do
    local c = ctx.state:get("bd_catalog", ch.id)
    local keep = results.state_matches(p.state, c.status_code) and
      (timemap == nil or ch.timemap == timemap) and
      (not search or searched(ch, c, p.search_type):lower():find(search, 1, true) ~= nil)
    if keep then list[#list + 1] = ch end
  end
  ctx.params.per_page = p.per_page or 50
  local body = common.paginate(ctx, list, function(ch) return view(ch, ctx, project) end)
  -- The docs' channel list shows per_page as a number.
  body.meta.per_page = ctx.params.per_page
  return 200, body
end

R.add_channels = { channels = { validate.existing_ids("bd_catalog") } }

-- Adds the channels not in the project yet (timemap off, no custom id) and
-- answers the channels named, in the order given: {"data": [channel, ...]}
-- (an invented shape).
function H.add_channels(ctx)
  local project = project_of(ctx)
  local now = common.sql_time(ctx.state:now())
  local out, seen = json.array(), {}
  for _, v in ipairs(ctx.params.channels) do
    local _, id = validate.check_type(v, { "integer" })
    if not seen[id] then
      seen[id] = true
      local ch = project.channels[id]
      if not ch then
        ch = { id = id, add_at = now, timemap = 0, user_defined = {} }
        project.channels[id] = ch
      end
      out[#out + 1] = view(ch, ctx, project)
    end
  end
  return 200, { data = out }
end

function H.delete_channels(ctx)
  local project = project_of(ctx)
  for _, ch in ipairs(channels_named(project, ctx.params.channel_ids)) do
    project.channels[ch.id] = nil
    ctx.state.user_reports[state_mod.report_key(project.id, ch.id, "bd")] = nil
  end
  return 204
end

R.set_channel_custom_id = { custom_id = { validate.max_length(255) } }

function H.set_channel_custom_id(ctx)
  local ch = ctx.bound.channel_id
  ch.user_defined.custom_id = ctx.params.custom_id
  return 200, { data = view(ch, ctx, project_of(ctx)) }
end

-- Results, state, recordings, analytics --------------------------------------------------

-- As the docs say, only channels with Timemap on have recordings.
streams.source_operations(H, R, "channel", {
  project = project_of,
  source = function(ctx) return source_of(ctx.bound.channel_id, ctx) end,
  recorded = function(ctx) return ctx.bound.channel_id.timemap == 1 end,
})

-- Realtime: what the channel played in the last ten minutes, the song on
-- air included (metadata.type "realtime").
function H.get_channel_realtime_results(ctx)
  local project = project_of(ctx)
  local music, custom = streams.recognition(project, ctx)
  return 200, { data = results.realtime(source_of(ctx.bound.channel_id, ctx), {
    now = ctx.state:now(), music = music, custom_bucket = custom }) }
end

function H.get_bd_project_analytics(ctx)
  local project = project_of(ctx)
  local sources = {}
  for i, ch in ipairs(sorted_channels(project)) do sources[i] = source_of(ch, ctx) end
  return streams.analytics(ctx, project, sources)
end

return M
