-- Helpers shared by the emulator's handlers: error answers, pagination,
-- timestamps, bucket ids.
local json = require "acrcloud.emulator.json"
local validate = require "acrcloud.emulator.validate"

local M = {}

-- Raise an HTTP answer from anywhere in a handler; the server turns the
-- error value into the response.
function M.raise(status, message)
  error({ status = status, body = { message = message } }, 0)
end

-- 404 for an id that names nothing, worded as Laravel words it.
function M.not_found(model, id)
  M.raise(404, string.format("No query results for model [%s] %s", model, tostring(id)))
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

-- paginate(ctx, records, view) -> Laravel's paginator body for the page the
-- request asks for (`page`, `per_page`, default 20). Links are absolute, on
-- the emulator's own host, and carry only `page`, as Laravel's do by
-- default. `meta.per_page` is a string, as in the spec's examples.
function M.paginate(ctx, records, view)
  local page = ctx.params.page or 1
  local per_page = ctx.params.per_page or 20
  local total = #records
  local last_page = math.max(1, (total + per_page - 1) // per_page)
  local first_index = (page - 1) * per_page + 1
  local data = json.array()
  for i = first_index, math.min(total, first_index + per_page - 1) do
    data[#data + 1] = view(records[i], ctx)
  end
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
      from = #data > 0 and first_index or json.null,
      last_page = last_page,
      path = path,
      per_page = tostring(per_page),
      to = #data > 0 and first_index + #data - 1 or json.null,
      total = total,
    }, META),
  }, PAGE)
end

-- Validation rules for `page` and `per_page`, added to every paginated
-- operation.
M.page_rules = {
  page = { validate.min_integer(1) },
  per_page = { validate.min_integer(1) },
}

-- Rule: every element of the list is the id of an existing bucket.
function M.bucket_ids_rule(value, name, ctx)
  local errs = {}
  for i, id in ipairs(value) do
    local key = name .. "." .. (i - 1)
    local ok, n = validate.check_type(id, { "integer" })
    if not ok then
      errs[#errs + 1] = { key, "The " .. key .. " must be an integer." }
    elseif not ctx.state:get("buckets", n) then
      errs[#errs + 1] = { key, "The selected " .. key .. " is invalid." }
    end
  end
  if #errs > 0 then return errs end
end

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

function M.int(v)
  local ok, n = validate.check_type(v, { "integer" })
  if ok then return n end
  if v == true then return 1 elseif v == false then return 0 end
  return nil
end

return M
