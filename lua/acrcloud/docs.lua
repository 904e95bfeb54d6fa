--- The files generated from the endpoint table besides the API reference:
-- the man pages and the LuaCATS annotations (a LuaLS addon folder). One
-- list, used by scripts/gen-docs.lua (write or --check) and by the test
-- that keeps them current (tests/docs_spec.lua).
local M = {}

--- The command that regenerates them, from the repository's root.
M.COMMAND = "build/acrlua scripts/gen-docs.lua"

--- Where the addon folder lives in the repository (installed as
-- <datadir>/acrlua/luals/acrcloud).
M.ADDON_DIR = "lua/acrcloud/doc/luals/acrcloud"

--- { path (from the repository's root), render = function() -> text }
function M.files()
  local manpage = require "acrcloud.manpage"
  local annotations = require "acrcloud.annotations"
  return {
    { path = "lua/acrcloud/doc/acr.1", render = manpage.acr },
    { path = "lua/acrcloud/doc/acrlua.1", render = manpage.acrlua },
    { path = M.ADDON_DIR .. "/config.json", render = annotations.config },
    { path = M.ADDON_DIR .. "/library/acrcloud.lua", render = annotations.library },
  }
end

return M
