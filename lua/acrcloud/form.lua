--- application/x-www-form-urlencoded text (a form body, a query string) to a
-- table: "a=1&b=x%20y" -> { a = "1", b = "x y" }. A repeated name keeps its
-- last value, as PHP (the API's side, and so the public callback receivers)
-- does; a pair without "=" has the value ""; empty names are dropped.
local M = {}

local function unescape(s)
  s = s:gsub("+", " ")
  return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

function M.decode(text)
  local out = {}
  for pair in (text or ""):gmatch("[^&]+") do
    local k, v = pair:match("^([^=]*)=(.*)$")
    if not k then k, v = pair, "" end
    k = unescape(k)
    if k ~= "" then out[k] = unescape(v) end
  end
  return out
end

return M
