-- Broadcast Database (BM-Database) projects: spec/bd-projects.txt.
local area = require "acrcloud.emulator.area"
local common, json, validate = area.common, area.json, area.validate

local M, H, R = area.new()

M.bindings = {
  { path = "/bm-bd-projects/{id}", param = "id", model = "BmBdProject",
    find = area.finder("bd_projects") },
}

local PROJECT = { "id", "name", "uid", "region", "bucket_ids", "updated_at", "created_at",
  "access_key", "buckets", "config", "monitoring_num", "type", "status_check" }
local CONFIG = { "record", "ucf", "callback_result", "callback_state", "email_state",
  "access_permission" }
local CALLBACK_RESULT = { "enabled", "type_name", "diy_url", "diy_send_type",
  "diy_send_noresult", "diy_result_type", "r3d_source", "r3d_url", "r3d_key1", "r3d_key2",
  "r3d_result_type" }
local CALLBACK_STATE = { "enabled", "url", "send_type" }

-- monitoring_num: how many channels the project monitors
-- (handlers/bd_channels.lua adds and removes them).
local function channel_count(p)
  local n = 0
  for _ in pairs(p.channels or {}) do n = n + 1 end
  return n
end

local function view(p, ctx)
  local buckets, bucket_ids = common.project_buckets(p, ctx)
  local cr, cs = p.callback_result, p.callback_state
  return json.object({
    id = p.id, name = p.name, uid = 2, region = p.region, bucket_ids = bucket_ids,
    updated_at = p.updated_at, created_at = p.created_at,
    -- The API shows the access key masked.
    access_key = "**********",
    buckets = buckets,
    config = json.object({
      record = {}, ucf = {},
      callback_result = json.object({
        enabled = cr.enabled, type_name = "diy", diy_url = cr.diy_url,
        diy_send_type = cr.diy_send_type, diy_send_noresult = cr.diy_send_noresult,
        diy_result_type = cr.diy_result_type, r3d_source = "", r3d_url = "", r3d_key1 = "",
        r3d_key2 = "", r3d_result_type = "0",
      }, CALLBACK_RESULT),
      callback_state = json.object({ enabled = cs.enabled, url = cs.url,
        send_type = cs.send_type }, CALLBACK_STATE),
      email_state = json.object({ email = "", type = 2 }, { "email", "type" }),
      access_permission = json.object({ add_tv = 0, edit_url = 0, can_modify = 1 },
        { "add_tv", "edit_url", "can_modify" }),
    }, CONFIG),
    monitoring_num = channel_count(p), type = "BM-Database", status_check = 2,
  }, PROJECT)
end

local NAME = { validate.max_length(255) }
local BUCKETS = { common.bucket_ids_rule }

R.create_bd_project = {
  name = NAME,
  buckets = BUCKETS,
}

function H.create_bd_project(ctx)
  local p, state = ctx.params, ctx.state
  local now = common.sql_time(state:now())
  local rec = state:insert("bd_projects", {
    name = p.name, region = p.region, buckets = common.bucket_ids(p.buckets),
    channels = {}, created_at = now, updated_at = now,
    callback_result = { enabled = 0, diy_url = "", diy_send_type = 2, diy_send_noresult = 0,
                        diy_result_type = -1 },
    callback_state = { enabled = 0, url = "", send_type = 2 },
  })
  -- A new resource: 201, as the API's other creates answer.
  return 201, { data = view(rec, ctx) }
end

R.update_bd_project = { name = NAME, buckets = BUCKETS }

function H.update_bd_project(ctx)
  local rec = ctx.bound.id
  if ctx.params.name then rec.name = ctx.params.name end
  if ctx.params.buckets then rec.buckets = common.bucket_ids(ctx.params.buckets) end
  rec.updated_at = common.sql_time(ctx.state:now())
  return 200, { data = view(rec, ctx) }
end

function H.delete_bd_project(ctx)
  local rec = ctx.bound.id
  ctx.state:remove("bd_projects", rec.id)
  return 204
end

function H.list_bd_projects(ctx)
  return common.list_filtered(ctx, "bd_projects", view)
end

-- Callbacks: the answer is the project, its config showing the new
-- settings. Fields left out keep their current values.
R.set_bd_project_result_callback = common.result_callback_rules()

function H.set_bd_project_result_callback(ctx)
  local rec = ctx.bound.id
  common.set_result_callback(rec.callback_result, ctx.params, ctx.state:now())
  return 200, { data = view(rec, ctx) }
end

R.set_bd_project_state_notification = {
  state_callback_url = { validate.url },
  state_callback_type = { validate.one_of({ 1, 2 }) },
}

function H.set_bd_project_state_notification(ctx)
  local rec = ctx.bound.id
  local cs = rec.callback_state
  cs.enabled = 1
  cs.url = ctx.params.state_callback_url
  -- State changes are delivered from now on (deliveries.lua).
  cs.watermark = cs.watermark or ctx.state:now()
  if ctx.params.state_callback_type ~= nil then
    cs.send_type = common.int(ctx.params.state_callback_type)
  end
  return 200, { data = view(rec, ctx) }
end

return M
