-- What every handler area (lua/acrcloud/emulator/handlers/*.lua) starts
-- from: its module table with the handlers and rules by operation name, and
-- the lookups its route bindings use.
--
--   local common, json, validate = area.common, area.json, area.validate
--   local M, H, R = area.new()
--   M.bindings = { { path = "/base-projects/{id}", param = "id",
--     model = "BaseProject", find = area.finder("base_projects") } }
local M = {}

-- The toolkit every area writes its handlers with, named here once:
-- errors, pages and shared rules; the JSON codec with key order; the
-- Laravel-like validation.
M.common = require "acrcloud.emulator.common"
M.json = require "acrcloud.emulator.json"
M.validate = require "acrcloud.emulator.validate"

-- new() -> the area's module, its handlers and its rules (tables that
-- routes.load merges; the module may add bindings and seed).
function M.new()
  local area = { handlers = {}, rules = {} }
  return area, area.handlers, area.rules
end

-- finder(collection) -> find(ctx, id): the record of a state collection
-- with that id, or nil.
function M.finder(collection)
  return function(ctx, id) return ctx.state:get(collection, id) end
end

return M
