-- multipart/form-data request bodies (RFC 7578), for the emulator's upload
-- endpoints.
--
--   local fields, files = multipart.parse_request(content_type, body)
--
-- fields: text parts by name (strings); files: parts that carry a filename,
-- by name, as { filename =, content_type =, data = }. A repeated name keeps
-- its last part, as PHP does. On malformed input: nil, message (the server
-- answers 400 with it).
--
-- Lines inside the multipart framing must end in CRLF, as the RFC says and
-- every client (curl, browsers, the acrcloud client) sends.
local M = {}

-- Drops surrounding quotes of a quoted-string and its backslash escapes
-- (curl escapes `"` and `\` in names that way; browsers write %22 instead,
-- which is kept as it is).
local function unquote(s)
  if s:sub(1, 1) == '"' and s:sub(-1) == '"' and #s >= 2 then
    return (s:sub(2, -2):gsub("\\(.)", "%1"))
  end
  return s
end

-- Splits `value; a=1; b="x;y"` into the value and its parameters (names
-- lowercased). Semicolons inside quoted strings do not split.
function M.header_params(header)
  local items, buf, quoted, i = {}, {}, false, 1
  while i <= #header do
    local c = header:sub(i, i)
    if c == "\\" and quoted then
      buf[#buf + 1] = header:sub(i, i + 1)
      i = i + 1
    elseif c == '"' then
      quoted = not quoted
      buf[#buf + 1] = c
    elseif c == ";" and not quoted then
      items[#items + 1] = table.concat(buf)
      buf = {}
    else
      buf[#buf + 1] = c
    end
    i = i + 1
  end
  items[#items + 1] = table.concat(buf)
  local value = items[1]:match("^%s*(.-)%s*$")
  local params = {}
  for k = 2, #items do
    local name, v = items[k]:match("^%s*([^=%s]+)%s*=%s*(.-)%s*$")
    if name then params[name:lower()] = unquote(v) end
  end
  return value, params
end

-- The boundary of a multipart/form-data Content-Type; nil, message when the
-- type is not multipart/form-data or the boundary is missing or invalid.
function M.boundary(content_type)
  local value, params = M.header_params(content_type or "")
  if value:lower() ~= "multipart/form-data" then
    return nil, "The request body is not multipart/form-data."
  end
  local b = params.boundary
  -- RFC 2046: 1 to 70 characters, not ending in a space.
  if not b or b == "" or #b > 70 or b:sub(-1) == " " then
    return nil, "The multipart/form-data body has no valid boundary."
  end
  return b
end

function M.is_multipart(content_type)
  local value = M.header_params(content_type or "")
  return value:lower() == "multipart/form-data"
end

-- "filename*=UTF-8''na%C3%AFve.mp3" (RFC 5987) -> "naïve.mp3"
local function ext_value(s)
  local rest = s:match("^[^']*'[^']*'(.*)$")
  if not rest then return nil end
  return (rest:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

-- Parses one part (its headers and data) into a table, or nil, message.
local function parse_part(raw, index)
  local head_end = raw:find("\r\n\r\n", 1, true)
  local head, data
  if raw:sub(1, 2) == "\r\n" then
    -- No headers at all: the part has no Content-Disposition.
    head, data = "", raw:sub(3)
  elseif head_end then
    head, data = raw:sub(1, head_end - 1), raw:sub(head_end + 4)
  else
    return nil, "Part " .. index .. " of the multipart body has no end of headers."
  end
  local headers = {}
  for line in (head .. "\r\n"):gmatch("(.-)\r\n") do
    if line ~= "" then
      local k, v = line:match("^([^:%s]+)%s*:%s*(.-)%s*$")
      if not k then
        return nil, "Part " .. index .. " of the multipart body has a malformed header."
      end
      headers[k:lower()] = v
    end
  end
  local disposition, dparams = M.header_params(headers["content-disposition"] or "")
  if disposition:lower() ~= "form-data" or not dparams.name or dparams.name == "" then
    return nil, "Part " .. index .. " of the multipart body has no form-data name."
  end
  local filename = dparams["filename*"] and ext_value(dparams["filename*"]) or dparams.filename
  return {
    name = dparams.name,
    filename = filename,
    content_type = headers["content-type"],
    headers = headers,
    data = data,
  }
end

-- parse(body, boundary) -> list of parts in body order, or nil, message.
-- Preamble and epilogue are ignored, as the RFC says.
function M.parse(body, boundary)
  local delim = "--" .. boundary
  local parts = {}
  -- The first delimiter starts the body or a line of the preamble.
  local pos
  if body:sub(1, #delim) == delim then
    pos = #delim + 1
  else
    local at = body:find("\r\n" .. delim, 1, true)
    if not at then return nil, "The multipart body does not contain its boundary." end
    pos = at + 2 + #delim
  end
  local sep = "\r\n" .. delim
  while true do
    -- After a delimiter: "--" ends the body, otherwise (optional transport
    -- padding, then) CRLF and the next part.
    if body:sub(pos, pos + 1) == "--" then return parts end
    if pos > #body then
      return nil, "The multipart body is not terminated by its closing boundary."
    end
    local line_end = body:find("\r\n", pos, true)
    if not line_end or body:sub(pos, line_end - 1):find("[^ \t]") then
      return nil, "The multipart body has a malformed boundary line."
    end
    local start = line_end + 2
    local stop = body:find(sep, start, true)
    if not stop then return nil, "The multipart body is not terminated by its closing boundary." end
    local part, err = parse_part(body:sub(start, stop - 1), #parts + 1)
    if not part then return nil, err end
    parts[#parts + 1] = part
    pos = stop + #sep
  end
end

-- parse_request(content_type, body) -> fields, files | nil, message
function M.parse_request(content_type, body)
  local boundary, err = M.boundary(content_type)
  if not boundary then return nil, err end
  local parts
  parts, err = M.parse(body or "", boundary)
  if not parts then return nil, err end
  local fields, files = {}, {}
  for _, part in ipairs(parts) do
    if part.filename == "" and part.data == "" then
      -- What a browser sends for a file input left empty: no file at all.
      fields[part.name], files[part.name] = nil, nil
    elseif part.filename then
      files[part.name] = { filename = part.filename, content_type = part.content_type,
        data = part.data }
      fields[part.name] = nil
    else
      fields[part.name] = part.data
      files[part.name] = nil
    end
  end
  return fields, files
end

return M
