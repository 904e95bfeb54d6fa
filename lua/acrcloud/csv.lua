--- An RFC 4180 CSV reader that reads its input a line at a time.
--
--   local csv = require "acrcloud.csv"
--   local reader = assert(csv.open("reports.csv"))
--   for rec in reader:records() do
--     if rec.error then print(rec.line, rec.error) else use(rec.fields) end
--   end
--   reader:close()
--
-- Each record is `{ line = N, fields = { ... } }`, N being the line the record
-- starts on (1-based, counting physical lines). Quoted fields may hold commas,
-- doubled quotes and line breaks; CRLF and LF line ends are both accepted; a
-- UTF-8 byte order mark at the start is dropped; blank lines are skipped.
--
-- A record with text after a closing quote (`"a"b,c`) comes back as
-- `{ line = N, error = "..." }` and reading goes on with the next line. An
-- unterminated quoted field swallows the rest of the input, so it raises an
-- error naming the line where the quote was opened.
--
-- A quote inside an unquoted field (`5" floppy`) is kept as a character, as
-- most spreadsheet programs do.
local M = {}

local Reader = {}
Reader.__index = Reader

local BOM = "\239\187\191"

--- Wraps a source: a function returning the next line (with its "\n") or nil.
-- `name` is used in error messages.
function M.reader(next_line, name)
  return setmetatable({
    next_line = next_line,
    name = name or "csv",
    line_no = 0,
    first = true,
  }, Reader)
end

--- Opens a file for reading. Returns a reader, or nil and a message.
function M.open(path)
  local f, err = io.open(path, "rb")
  if not f then return nil, err end
  local r = M.reader(function() return f:read("L") end, path)
  r.file = f
  return r
end

--- Reads from a string (for tests and small inputs).
function M.from_string(text, name)
  local pos = 1
  return M.reader(function()
    if pos > #text then return nil end
    local nl = text:find("\n", pos, true)
    local stop = nl or #text
    local line = text:sub(pos, stop)
    pos = stop + 1
    return line
  end, name or "string")
end

function Reader:close()
  if self.file then
    self.file:close()
    self.file = nil
  end
end

-- Next physical line, with its line number counted.
function Reader:fetch()
  local line = self.next_line()
  if line == nil then return nil end
  self.line_no = self.line_no + 1
  if self.first then
    self.first = false
    if line:sub(1, 3) == BOM then line = line:sub(4) end
  end
  return line
end

-- Drops the line end ("\r\n" or "\n") of a physical line.
local function chomp(line)
  if line:sub(-2) == "\r\n" then return line:sub(1, -3) end
  if line:sub(-1) == "\n" then return line:sub(1, -2) end
  return line
end

--- Reads the next record: `{ line =, fields = }`, `{ line =, error = }`, or
-- nil at the end of the input.
function Reader:read()
  local line = self:fetch()
  while line ~= nil and chomp(line) == "" do line = self:fetch() end
  if line == nil then return nil end
  local start = self.line_no
  local fields = {}
  local pos = 1
  local raw = line -- the current physical line, line end included
  local text = chomp(raw)
  while true do
    -- Each turn reads one field; `pos` ends on what follows it: the comma
    -- before the next field, or past the end of the record.
    if text:sub(pos, pos) == '"' then
      -- A quoted field: collect pieces until a quote that is not doubled,
      -- pulling in more physical lines while the quote stays open.
      local parts = {}
      local opened_at = self.line_no
      pos = pos + 1
      local buf = raw -- line breaks inside quotes are data, so keep them
      local closed = false
      while not closed do
        local q = buf:find('"', pos, true)
        if q == nil then
          parts[#parts + 1] = buf:sub(pos)
          buf = self:fetch()
          if buf == nil then
            error(string.format("%s:%d: unterminated quoted field (the quote opened on line %d "
              .. "is never closed)", self.name, opened_at, opened_at), 0)
          end
          pos = 1
        elseif buf:sub(q + 1, q + 1) == '"' then
          parts[#parts + 1] = buf:sub(pos, q)
          pos = q + 2
        else
          parts[#parts + 1] = buf:sub(pos, q - 1)
          pos = q + 1
          closed = true
        end
      end
      fields[#fields + 1] = table.concat(parts)
      raw = buf
      text = chomp(raw)
      local after = text:sub(pos, pos)
      if after ~= "" and after ~= "," then
        return { line = start, error = string.format(
          "unexpected %q after the closing quote of field %d", after, #fields) }
      end
    else
      local comma = text:find(",", pos, true) or #text + 1
      fields[#fields + 1] = text:sub(pos, comma - 1)
      pos = comma
    end
    if pos > #text then return { line = start, fields = fields } end
    -- A comma: another field follows, empty when the record ends here.
    pos = pos + 1
    if pos > #text then
      fields[#fields + 1] = ""
      return { line = start, fields = fields }
    end
  end
end

--- Iterator over the records.
function Reader:records()
  return function() return self:read() end
end

--- Quotes one field for writing (used by scripts that print CSV).
function M.quote(value)
  local s = tostring(value)
  if s:find('[",\r\n]') or s:match("^%s") or s:match("%s$") then
    return '"' .. s:gsub('"', '""') .. '"'
  end
  return s
end

--- Formats one record (array of values) as a CSV line ending in `eol`
-- (default "\n").
function M.format_row(values, eol)
  local out = {}
  for i, v in ipairs(values) do out[i] = M.quote(v) end
  return table.concat(out, ",") .. (eol or "\n")
end

return M
