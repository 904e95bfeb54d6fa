-- Helpers shared by the emulator's handlers: error answers, pagination,
-- timestamps, and what several areas' records hold alike (regions, bucket
-- ids and views, external ids, result callbacks).
local json = require "acrcloud.emulator.json"
local validate = require "acrcloud.emulator.validate"

local M = {}

-- The account the emulator's token belongs to: the uid of what it makes.
M.UID = 1

-- Raise an HTTP answer from anywhere in a handler; the server turns the
-- error value into the response.
function M.raise(status, message)
  error({ status = status, body = { message = message } }, 0)
end

-- 404 for an id that names nothing, worded as Laravel words it.
function M.not_found(model, id)
  M.raise(404, string.format("No query results for model [%s] %s", model, tostring(id)))
end

-- named(ids, model, find) -> the records a comma-separated list of ids
-- ("a, b,c") names, each once, in the order given; find(id) gives the
-- record of one id or nil. A 404 for `model` names the first id that finds
-- nothing, or the whole list when it holds no id.
function M.named(ids, model, find)
  local out, seen = {}, {}
  for id in tostring(ids):gmatch("[^,]+") do
    id = id:match("^%s*(.-)%s*$")
    if id ~= "" then
      local rec = find(id)
      if not rec then M.not_found(model, id) end
      if not seen[rec] then
        seen[rec] = true
        out[#out + 1] = rec
      end
    end
  end
  if #out == 0 then M.not_found(model, ids) end
  return out
end

-- sorted(records, field) -> the values of a table of records, as a list in
-- the order of their `field`.
function M.sorted(records, field)
  local list = {}
  for _, rec in pairs(records) do list[#list + 1] = rec end
  table.sort(list, function(a, b) return a[field] < b[field] end)
  return list
end

-- Timestamps: the base-project pages use ISO 8601 with microseconds, the
-- Broadcast Database pages "YYYY-mm-dd HH:MM:SS"; both in UTC.
function M.iso_time(t)
  return os.date("!%Y-%m-%dT%H:%M:%S.000000Z", t)
end

function M.sql_time(t)
  return os.date("!%Y-%m-%d %H:%M:%S", t)
end

local LINKS = { "first", "last", "prev", "next" }
local META = { "current_page", "from", "last_page", "path", "per_page", "to", "total" }
local PAGE = { "data", "links", "meta" }

-- page_slice(ctx, records, view) -> the items of the page the request asks
-- for (`page`, `per_page`, default 20), each through view(record, ctx), and
-- where that page stands: { page, per_page, total, last_page, from, to }
-- (from and to null on an empty page).
function M.page_slice(ctx, records, view)
  local page = ctx.params.page or 1
  local per_page = ctx.params.per_page or 20
  local total = #records
  local last_page = math.max(1, (total + per_page - 1) // per_page)
  local first_index = (page - 1) * per_page + 1
  local data = json.array()
  for i = first_index, math.min(total, first_index + per_page - 1) do
    data[#data + 1] = view(records[i], ctx)
  end
  return data, {
    page = page, per_page = per_page, total = total, last_page = last_page,
    from = #data > 0 and first_index or json.null,
    to = #data > 0 and first_index + #data - 1 or json.null,
  }
end

-- paginate(ctx, records, view) -> Laravel's paginator body for the page the
-- request asks for (see page_slice). Links are absolute, on the emulator's
-- own host, and carry only `page`, as Laravel's do by default.
-- `meta.per_page` is a string, as in the spec's examples.
function M.paginate(ctx, records, view)
  local data, at = M.page_slice(ctx, records, view)
  local page, last_page = at.page, at.last_page
  local path = ctx.url_path
  local function link(n) return path .. "?page=" .. n end
  return json.object({
    data = data,
    links = json.object({
      first = link(1),
      last = link(last_page),
      prev = page > 1 and link(page - 1) or json.null,
      next = page < last_page and link(page + 1) or json.null,
    }, LINKS),
    meta = json.object({
      current_page = page,
      from = at.from,
      last_page = last_page,
      path = path,
      per_page = tostring(at.per_page),
      to = at.to,
      total = at.total,
    }, META),
  }, PAGE)
end

-- Validation rules for `page` and `per_page`, added to every paginated
-- operation.
M.page_rules = {
  page = { validate.min_integer(1) },
  per_page = { validate.min_integer(1) },
}

-- Regions and lists ---------------------------------------------------------

-- A list operation filtered by region, and by type when its records have
-- one (the endpoint table's values check both):
-- list_filtered(ctx, collection, view, type_field, type_param) answers 200
-- and the page of the records of `collection` in the request's `region`,
-- and, when type_field is given, whose field `type_field` holds the
-- request's `type_param` (default "type"). Both filters are optional.
function M.list_filtered(ctx, collection, view, type_field, type_param)
  local region, kind = ctx.params.region, type_field and ctx.params[type_param or "type"]
  local records = ctx.state:list(collection, function(r)
    return (not region or r.region == region) and (not kind or r[type_field] == kind)
  end)
  return 200, M.paginate(ctx, records, view)
end

-- Buckets -------------------------------------------------------------------

-- Rule: every element of the list is the id of an existing bucket.
M.bucket_ids_rule = validate.existing_ids("buckets")

-- Bucket ids as given (validated) -> sorted list of distinct integers.
function M.bucket_ids(list)
  local seen, out = {}, {}
  for _, id in ipairs(list) do
    local _, n = validate.check_type(id, { "integer" })
    if not seen[n] then
      seen[n] = true
      out[#out + 1] = n
    end
  end
  table.sort(out)
  return out
end

local BUCKET = { "id", "uid", "name", "type", "node", "state", "region", "metadata_template",
  "labels", "net_type", "created_at", "updated_at", "num", "size", "access_permission" }

-- A bucket as the bucket pages show it.
function M.bucket_view(b)
  local labels = json.array()
  for i, v in ipairs(b.labels or {}) do labels[i] = v end
  return json.object({
    id = b.id, uid = b.uid, name = b.name, type = b.type, node = b.node, state = b.state,
    region = b.region, metadata_template = b.metadata_template, labels = labels,
    net_type = b.net_type, created_at = b.created_at, updated_at = b.updated_at, num = b.num,
    size = b.size, access_permission = b.access_permission,
  }, BUCKET)
end

-- project_buckets(p, ctx) -> the buckets of a Broadcast Database or Custom
-- Streams project as its pages show them (as the bucket pages do, but a
-- template never set shows as "" rather than null), and the project's
-- bucket ids as one comma-separated string.
function M.project_buckets(p, ctx)
  local buckets, ids = json.array(), {}
  for _, id in ipairs(p.buckets) do
    local b = ctx.state:get("buckets", id)
    if b then
      local view = M.bucket_view(b)
      if view.metadata_template == json.null then view.metadata_template = "" end
      buckets[#buckets + 1] = view
    end
    ids[#ids + 1] = tostring(id)
  end
  return buckets, table.concat(ids, ",")
end

-- External ids --------------------------------------------------------------

-- Rule for external_ids: a list of names, or the documented comma-separated
-- string.
M.external_ids_rule = validate.string_items(true)

-- external_ids as given (validated) -> the list of names.
function M.external_ids(value)
  local out = {}
  if type(value) == "string" then
    for item in value:gmatch("[^,]+") do
      item = item:match("^%s*(.-)%s*$")
      if item ~= "" then out[#out + 1] = item end
    end
  else
    for i, v in ipairs(value) do out[i] = v end
  end
  return out
end

-- Result callbacks ----------------------------------------------------------

-- result_callback_rules(extra) -> the rules of a project's result-callback
-- setter (Broadcast Database and Custom Streams projects), with the
-- area's `extra` rules added.
function M.result_callback_rules(extra)
  local rules = {
    result_callback_url = { validate.url },
    result_callback_send_noresult = { validate.one_of({ 0, 1, true, false }) },
    result_callback_send_type = { validate.one_of({ 1, 2 }) },
    result_callback_result_type = {
      validate.one_of(validate.values("set_bd_project_result_callback",
        "result_callback_result_type")) },
  }
  for name, list in pairs(extra or {}) do rules[name] = list end
  return rules
end

-- set_result_callback(cr, params, now): turns a project's callback_result
-- on, to the URL given; the optional fields left out keep their values.
-- Results are delivered from `now` on (the watermark; deliveries.lua),
-- from the first time the callback is set.
function M.set_result_callback(cr, p, now)
  cr.enabled = 1
  cr.watermark = cr.watermark or now
  cr.diy_url = p.result_callback_url
  if p.result_callback_send_noresult ~= nil then
    cr.diy_send_noresult = M.int(p.result_callback_send_noresult)
  end
  if p.result_callback_send_type ~= nil then
    cr.diy_send_type = M.int(p.result_callback_send_type)
  end
  if p.result_callback_result_type ~= nil then
    cr.diy_result_type = M.int(p.result_callback_result_type)
  end
end

-- Values --------------------------------------------------------------------

-- A validated integer or boolean field as an integer (true 1, false 0).
function M.int(v)
  local ok, n = validate.check_type(v, { "integer" })
  if ok then return n end
  if v == true then return 1 elseif v == false then return 0 end
  return nil
end

return M
