-- Routes from path templates ("/base-projects/{id}/day-stat").
--
-- A request path is split on "/" while still percent-encoded, then each
-- segment is decoded on its own: "%2F" inside a segment stays part of that
-- segment's value and can never reach another route.
local M = {}

local function split(path)
  local segments = {}
  for segment in (path .. "/"):gmatch("([^/]*)/") do segments[#segments + 1] = segment end
  return segments
end

function M.decode_segment(s)
  return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

-- router.new() -> router; router:add(method, template, value)
local Router = {}
Router.__index = Router

function M.new()
  return setmetatable({ routes = {} }, Router)
end

function Router:add(method, template, value)
  local parts = split(template:gsub("^/", ""))
  local route = { method = method:upper(), template = template, value = value, parts = {} }
  local literals = 0
  for i, part in ipairs(parts) do
    local name = part:match("^{([%w_]+)}$")
    if name then
      route.parts[i] = { name = name }
    else
      route.parts[i] = { literal = part }
      literals = literals + 1
    end
  end
  route.literals = literals
  self.routes[#self.routes + 1] = route
  -- The most specific route wins: /x/export before /x/{id}.
  table.sort(self.routes, function(a, b)
    if #a.parts ~= #b.parts then return #a.parts < #b.parts end
    return a.literals > b.literals
  end)
  return route
end

local function match_parts(route, segments)
  if #route.parts ~= #segments then return nil end
  local params = {}
  for i, part in ipairs(route.parts) do
    local value = M.decode_segment(segments[i])
    if part.literal then
      if value ~= part.literal then return nil end
    else
      if value == "" then return nil end
      params[part.name] = value
    end
  end
  return params
end

-- router:match(method, path) -> route, params
--                            | nil, "not_found"
--                            | nil, "method_not_allowed", allowed_methods
-- `path` is the raw path below the mount point ("/base-projects/15"). One
-- trailing slash is ignored, as Laravel does.
function Router:match(method, path)
  method = method:upper()
  if method == "HEAD" then method = "GET" end
  if #path > 1 then path = path:gsub("/$", "") end
  local segments = split(path:gsub("^/", ""))
  local allowed, seen = {}, {}
  for _, route in ipairs(self.routes) do
    local params = match_parts(route, segments)
    if params then
      if route.method == method then return route, params end
      if not seen[route.method] then
        seen[route.method] = true
        allowed[#allowed + 1] = route.method
      end
    end
  end
  if #allowed > 0 then
    table.sort(allowed)
    return nil, "method_not_allowed", allowed
  end
  return nil, "not_found"
end

return M
