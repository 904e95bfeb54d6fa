-- Base (recognition) projects: spec/base-projects.txt.
local area = require "acrcloud.emulator.area"
local common, json, validate = area.common, area.json, area.validate

local M, H, R = area.new()

-- Operations below /base-projects/{id} get the project as ctx.bound.id
-- (a 404 when there is none, before any validation).
M.bindings = {
  { path = "/base-projects/{id}", param = "id", model = "BaseProject",
    find = area.finder("base_projects") },
}

-- Key orders of the spec's examples: one project (create, get, update) and a
-- list item, which differ (total_limit vs qps_limit, order).
local ITEM = { "uid", "access_key", "access_secret", "service_type", "state", "name", "region",
  "day_limit", "total_limit", "audio_type", "version", "external_id", "updated_at",
  "created_at", "id", "buckets", "status_check", "external_ids" }
local LIST_ITEM = { "id", "uid", "access_key", "access_secret", "name", "service_type", "state",
  "region", "day_limit", "qps_limit", "audio_type", "version", "external_id", "created_at",
  "updated_at", "buckets", "status_check", "external_ids" }
local BUCKET = { "id", "name", "type", "metadata_template" }

local function view(p, ctx, list_item)
  local buckets = json.array()
  for _, id in ipairs(p.buckets) do
    local b = ctx.state:get("buckets", id)
    if b then
      buckets[#buckets + 1] = json.object({
        id = b.id, name = b.name, type = b.type, metadata_template = b.metadata_template,
      }, BUCKET)
    end
  end
  local external_ids = json.array()
  for i, v in ipairs(p.external_ids) do external_ids[i] = v end
  return json.object({
    id = p.id, uid = common.UID, access_key = p.access_key, access_secret = p.access_secret,
    name = p.name, service_type = p.service_type, state = 1, region = p.region,
    day_limit = 0, total_limit = (not list_item) and 0 or nil, qps_limit = list_item and 0 or nil,
    audio_type = p.audio_type, version = 1, external_id = p.external_id,
    created_at = p.created_at, updated_at = p.updated_at, buckets = buckets, status_check = 2,
    external_ids = external_ids,
  }, list_item and LIST_ITEM or ITEM)
end

local function list_view(p, ctx) return view(p, ctx, true) end

local NAME = { validate.max_length(255) }
local BUCKETS = { common.bucket_ids_rule }

R.create_base_project = {
  name = NAME,
  buckets = BUCKETS,
  external_ids = { common.external_ids_rule },
}

function H.create_base_project(ctx)
  local p, state = ctx.params, ctx.state
  local now = common.iso_time(state:now())
  local rec = state:insert("base_projects", {
    access_key = state:random_string(32, "0123456789abcdef"),
    access_secret = state:random_string(40,
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"),
    name = p.name, service_type = p.type, region = p.region,
    audio_type = p.audio_type or "linein", external_id = "",
    created_at = now, updated_at = now,
    buckets = common.bucket_ids(p.buckets),
    external_ids = p.external_ids and common.external_ids(p.external_ids) or {},
  })
  -- The spec's page shows 200 for this create (unlike buckets, channels
  -- and streams, which answer 201).
  return 200, { data = view(rec, ctx) }
end

function H.list_base_projects(ctx)
  return common.list_filtered(ctx, "base_projects", list_view, "service_type")
end

function H.get_base_project(ctx)
  return 200, { data = view(ctx.bound.id, ctx) }
end

R.update_base_project = {
  name = NAME,
  buckets = BUCKETS,
  external_ids = { common.external_ids_rule },
}

function H.update_base_project(ctx)
  local rec = ctx.bound.id
  local p = ctx.params
  if p.name then rec.name = p.name end
  if p.audio_type then rec.audio_type = p.audio_type end
  if p.buckets then rec.buckets = common.bucket_ids(p.buckets) end
  if p.external_ids then rec.external_ids = common.external_ids(p.external_ids) end
  rec.updated_at = common.iso_time(ctx.state:now())
  return 200, { data = view(rec, ctx) }
end

function H.delete_base_project(ctx)
  local rec = ctx.bound.id
  ctx.state:remove("base_projects", rec.id)
  return 204
end

-- {"<bucket type>": [{"buckets": [{"name","id"}], "nodes": {"node","status"}}]}
-- one entry per server node serving buckets of that type.
function H.get_base_project_buckets_status(ctx)
  local rec = ctx.bound.id
  local out, groups = {}, {}
  for _, id in ipairs(rec.buckets) do
    local b = ctx.state:get("buckets", id)
    if b then
      local key = b.type .. "\0" .. b.node_id
      local group = groups[key]
      if not group then
        group = json.object({
          buckets = json.array(),
          nodes = json.object({ node = b.node_id, status = b.state == 1 and 1 or 0 },
            { "node", "status" }),
        }, { "buckets", "nodes" })
        groups[key] = group
        out[b.type] = out[b.type] or json.array()
        table.insert(out[b.type], group)
      end
      table.insert(group.buckets, json.object({ name = b.name, id = b.id }, { "name", "id" }))
    end
  end
  return 200, out
end

-- The spec shows no response for day-stat. Invented shape:
--   {"data":[{"date":"2021-04-09","total":120,"results":87,"no_results":33}, ...]}
-- one row per day from start to end (both included), numbers derived from
-- the project id and the date, so they repeat run after run; days after
-- today are zeros. start defaults to 6 days before end, end to today (UTC).
local MAX_DAYS = 366
local DAY = { "date", "total", "results", "no_results" }

R.get_base_project_day_stat = {
  start = { validate.date_rule() },
  ["end"] = { validate.date_rule() },
}

local function day_numbers(pid, day)
  local h = (pid * 2654435761 + day * 40503) & 0x7fffffff
  h = (h ~ (h >> 13)) * 1274126177 & 0x7fffffff
  local total = 40 + h % 160
  local results = total * (55 + (h >> 8) % 40) // 100
  return total, results
end

function H.get_base_project_day_stat(ctx)
  local rec = ctx.bound.id
  local today = ctx.state:now() // 86400
  local last = ctx.params["end"] and validate.parse_date(ctx.params["end"]) or today
  local first = ctx.params.start and validate.parse_date(ctx.params.start) or last - 6
  if last < first then
    validate.fail("end", "The end must be a date after or equal to start.")
  elseif last - first >= MAX_DAYS then
    validate.fail("end", "The end must be at most " .. MAX_DAYS .. " days after start.")
  end
  local rows = json.array()
  for day = first, last do
    local total, results = 0, 0
    if day <= today then total, results = day_numbers(rec.id, day) end
    rows[#rows + 1] = json.object({
      date = validate.format_date(day), total = total, results = results,
      no_results = total - results,
    }, DAY)
  end
  return 200, { data = rows }
end

return M
