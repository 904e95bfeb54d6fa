-- Faults the tests ask for through POST /api/_emulator/faults: the next
-- `count` requests of an operation (or of a path, optionally of one method)
-- are delayed, answered with a given status and body, answered with a body
-- that is not JSON, or dropped without an answer.
local json = require "acrcloud.emulator.json"
local validate = require "acrcloud.emulator.validate"

local M = {}

local Faults = {}
Faults.__index = Faults

M.MAX_DELAY = 600

function M.new()
  return setmetatable({ list = {}, seq = 0 }, Faults)
end

local ORDER = { "id", "operation", "path", "method", "count", "delay", "status", "body",
  "headers", "undecodable", "drop" }

local function view(f)
  return json.object({
    id = f.id, operation = f.operation, path = f.path, method = f.method, count = f.count,
    delay = f.delay, status = f.status, body = f.body, headers = f.headers,
    undecodable = f.undecodable, drop = f.drop,
  }, ORDER)
end

function Faults:views()
  local out = json.array()
  for i, f in ipairs(self.list) do out[i] = view(f) end
  return out
end

-- faults:add(spec, known_operations, mount) -> view | raises a 422
function Faults:add(spec, operations, mount)
  local errors = validate.errors()
  local function check(name, types, rule)
    local v = spec[name]
    if v == nil or v == json.null then return nil end
    local ok, coerced = validate.check_type(v, types)
    if not ok then
      errors:add(name, "The " .. name .. " has the wrong type.")
      return nil
    end
    if rule and not rule(coerced) then
      errors:add(name, "The " .. name .. " is invalid.")
      return nil
    end
    return coerced
  end
  local f = {
    operation = check("operation", { "string" }, function(v) return operations[v] ~= nil end),
    path = check("path", { "string" }, function(v) return v:sub(1, 1) == "/" end),
    method = check("method", { "string" }),
    count = check("count", { "integer" }, function(v) return v >= 1 end) or 1,
    delay = check("delay", { "number" }, function(v) return v >= 0 and v <= M.MAX_DELAY end),
    status = check("status", { "integer" }, function(v) return v >= 100 and v <= 599 end),
    headers = check("headers", { "object" }, function(v)
      for k, x in pairs(v) do
        if type(k) ~= "string" or type(x) ~= "string" then return false end
      end
      return true
    end),
    undecodable = check("undecodable", { "boolean" }),
    drop = check("drop", { "boolean" }),
    body = spec.body,
  }
  if not f.operation and not f.path and not errors:any() then
    errors:add("operation", "The operation field is required when path is not present.")
  end
  if errors:any() then error(validate.failure(errors), 0) end
  if f.method then f.method = f.method:upper() end
  -- Paths are matched below the mount point; accept them with it too.
  if f.path and mount ~= "" and f.path:sub(1, #mount + 1) == mount .. "/" then
    f.path = f.path:sub(#mount + 1)
  end
  self.seq = self.seq + 1
  f.id = self.seq
  self.list[#self.list + 1] = f
  return view(f)
end

function Faults:clear()
  self.list = {}
end

-- take(list, applies) -> the first fault f of list for which applies(f),
-- one of its count used up (it leaves the list at 0), or nil. The API's
-- faults and the deliveries' faults (deliveries.lua) are taken so.
function M.take(list, applies)
  for i, f in ipairs(list) do
    if applies(f) then
      f.count = f.count - 1
      if f.count <= 0 then table.remove(list, i) end
      return f
    end
  end
  return nil
end

-- faults:take(operation_name, path, method) -> the first fault that applies
-- to this request (using up one of its count), or nil
function Faults:take(op_name, path, method)
  return M.take(self.list, function(f)
    return (not f.operation or f.operation == op_name) and (not f.path or f.path == path) and
      (not f.method or f.method == method)
  end)
end

return M
