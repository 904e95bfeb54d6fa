--- The files generated from the endpoint table besides the API reference:
-- the man pages, committed (scripts/gen-docs.lua writes or --checks them,
-- tests/docs_spec.lua keeps them current), and the LuaCATS annotations, a
-- LuaLS addon folder that the build writes (gen-docs.lua --addon) and
-- installs as <datadir>/acrlua/luals/acrcloud.
local M = {}

--- The command that regenerates the committed ones, from the repository's
-- root.
M.COMMAND = "build/acrlua scripts/gen-docs.lua"

--- The committed files: { path (from the repository's root), render =
-- function() -> text }.
function M.files()
  local manpage = require "acrcloud.manpage"
  return {
    { path = "lua/acrcloud/doc/acr.1", render = manpage.acr },
    { path = "lua/acrcloud/doc/acrlua.1", render = manpage.acrlua },
  }
end

--- The addon folder's files, their paths from the folder.
function M.addon_files()
  local annotations = require "acrcloud.annotations"
  return {
    { path = "config.json", render = annotations.config },
    { path = "library/acrcloud.lua", render = annotations.library },
  }
end

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
