-- The emulator's routes: one per operation of the endpoint table
-- (`require("acrcloud").operations`), its behaviour from the handler table.
--
-- Adding an endpoint to the emulator is adding a handler, keyed by the
-- operation's name, to one of the modules under emulator/handlers/ (and,
-- for a new area, its module name to AREAS). Presence and types of the
-- parameters are checked from the endpoint table; a module's `rules` add
-- the checks the table cannot express. An operation without a handler
-- answers 501, and missing() lists them.
local common = require "acrcloud.emulator.common"
local router = require "acrcloud.emulator.router"

local M = {}

M.AREAS = { "base_projects", "bd_projects", "user_reports", "buckets", "streams",
  "bd_channels", "file_scanning", "ucf", "account", "identify" }

-- handlers, rules: by operation name, merged from all areas; bindings: a
-- list of { path =, param =, model =, find = function(ctx, value) }: every
-- operation whose path starts with `path` finds that object first and gets
-- it as ctx.bound[param], or answers 404 (before validation, as Laravel's
-- route model binding does).
function M.load()
  local handlers, rules, bindings, seeders = {}, {}, {}, {}
  for _, area in ipairs(M.AREAS) do
    local mod = require("acrcloud.emulator.handlers." .. area)
    seeders[#seeders + 1] = mod.seed
    for name, fn in pairs(mod.handlers) do
      assert(not handlers[name], "two handlers for " .. name)
      handlers[name] = fn
    end
    for name, r in pairs(mod.rules or {}) do rules[name] = r end
    for _, b in ipairs(mod.bindings or {}) do bindings[#bindings + 1] = b end
  end
  return handlers, rules, bindings, seeders
end

function M.operations()
  local ops = require("acrcloud").operations
  if type(ops) ~= "table" then error("acrcloud.operations is not available", 2) end
  return ops
end

-- Names of the operations that have no handler, sorted.
function M.missing(operations, handlers)
  local out = {}
  for _, op in ipairs(operations) do
    if not handlers[op.name] then out[#out + 1] = op.name end
  end
  table.sort(out)
  return out
end

local function merge_rules(a, b)
  local out = {}
  for k, v in pairs(a or {}) do out[k] = v end
  for k, v in pairs(b or {}) do out[k] = out[k] or v end
  return out
end

-- The bindings that apply to a path, outermost first.
local function bindings_for(path, bindings)
  local out = {}
  for _, b in ipairs(bindings) do
    if path == b.path or path:sub(1, #b.path + 1) == b.path .. "/" then out[#out + 1] = b end
  end
  table.sort(out, function(a, b) return #a.path < #b.path end)
  return out
end

-- build(operations, handlers, rules, bindings) -> router whose route values
-- are { op =, handler =, rules =, bindings = }
function M.build(operations, handlers, rules, bindings)
  local r = router.new()
  for _, op in ipairs(operations) do
    local op_rules = rules[op.name]
    if op.paginated then op_rules = merge_rules(op_rules, common.page_rules) end
    r:add(op.method, op.path, { op = op, handler = handlers[op.name], rules = op_rules,
      bindings = bindings_for(op.path, bindings or {}) })
  end
  return r
end

return M
