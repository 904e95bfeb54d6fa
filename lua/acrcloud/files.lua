-- Files written whole or not at all.
--
--   local files = require "acrcloud.files"
--   assert(files.write_atomically("API.md", text))
local M = {}

--- A file's bytes, or nil when it cannot be opened (there is none).
function M.read(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local text = f:read("a")
  f:close()
  return text
end

--- Writes `text` into `tmp` (default: path .. ".tmp"; an existing one is
-- truncated and keeps its mode), then renames it over `path`: a reader sees
-- the old file or the new one, never half of one. On failure the temporary
-- file is removed and the result is nil and the error.
function M.write_atomically(path, text, tmp)
  tmp = tmp or path .. ".tmp"
  local f, err = io.open(tmp, "wb")
  if not f then return nil, err end
  local wrote, werr = f:write(text)
  local closed, cerr = f:close()
  if not wrote or not closed then
    os.remove(tmp)
    return nil, tostring(werr or cerr)
  end
  local renamed, rerr = os.rename(tmp, path)
  if not renamed then
    os.remove(tmp)
    return nil, rerr
  end
  return true
end

return M
