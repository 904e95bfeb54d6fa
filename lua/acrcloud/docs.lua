--- The files generated from the endpoint table besides the API reference:
-- the man pages, committed (scripts/gen-docs.lua writes or --checks them,
-- tests/docs_spec.lua keeps them current), and the LuaCATS annotations, a
-- LuaLS addon folder that the build writes (gen-docs.lua --addon) and
-- installs as <datadir>/acrlua/luals/acrcloud.
local M = {}

--- The command that regenerates the committed ones, from the repository's
-- root.
M.COMMAND = "build/acrlua scripts/gen-docs.lua"

-- Every generated file: its path (from the repository's root; an addon
-- file's from the addon folder), and the module and function that render it.
local FILES = {
  { "lua/acrcloud/doc/acr.1", "acrcloud.manpage", "acr" },
  { "lua/acrcloud/doc/acrlua.1", "acrcloud.manpage", "acrlua" },
  { "config.json", "acrcloud.annotations", "config", addon = true },
  { "library/acrcloud.lua", "acrcloud.annotations", "library", addon = true },
}

local function files(addon)
  local out = {}
  for _, f in ipairs(FILES) do
    if (f.addon or false) == addon then
      out[#out + 1] = { path = f[1], render = require(f[2])[f[3]] }
    end
  end
  return out
end

--- The committed files: { path (from the repository's root), render =
-- function() -> text }.
function M.files() return files(false) end

--- The addon folder's files, their paths from the folder.
function M.addon_files() return files(true) end

--- The repository's root, from the path of a script in its scripts/
-- folder (arg[0]): "." when it runs as scripts/NAME.lua from the root, so
-- that the paths shown stay short.
function M.root(script)
  local dir = (script or ""):match("^(.*)/[^/]*$") or "."
  if dir == "scripts" then return "." end
  local parent = dir:match("^(.*)/scripts$")
  if parent then return parent == "" and "/" or parent end
  return dir .. "/.."
end

return M
