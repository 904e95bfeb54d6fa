--- acr's output formats: json, jsonl, table, csv (raw is the caller's:
-- the server's bytes, written as they came).
--
--   local output = require "acrcloud.shell.output"
--   output.body(out, "table", body, { fields = { "id", "name" } })
--   local w = output.stream(out, "jsonl", { fields = nil })
--   for item in client:each(...) do w:item(item) end
--   w:finish()
--
-- `out` is anything with :write (io.stdout). Rows are the items of a list
-- answer (`body.data` when it is an array, or the body itself when it is
-- one); a single object is a table of FIELD VALUE lines (or one row when
-- fields are chosen). Columns are the fields chosen with --fields
-- (`a,b.c`: dots go into nested objects, numbers into arrays), else every
-- field of the first rows whose value is a scalar or a list of scalars,
-- `id`, `name` and `title` first, then in alphabetical order.
local M = {}

local acrcloud = require "acrcloud"
local csv = require "acrcloud.csv"

M.FORMATS = { "table", "json", "jsonl", "csv", "raw" }

-- How many items a stream holds back to choose its columns and widths;
-- later rows are written at once, in those widths (wider cells push the
-- line out instead of being cut).
M.SAMPLE = 100

local null = acrcloud.null

local function is_array(t)
  if type(t) ~= "table" then return false end
  local n = #t
  if n == 0 then return next(t) == nil end
  local count = 0
  for _ in pairs(t) do count = count + 1 end
  return count == n
end
M.is_array = is_array

local function is_scalar(v)
  return v == null or type(v) ~= "table"
end

-- The shortest decimal text that reads back as the same float.
local function float_text(x)
  if x ~= x then return "nan" end
  for digits = 14, 17 do
    local s = string.format("%." .. digits .. "g", x)
    if tonumber(s) == x then return s end
  end
  return string.format("%.17g", x)
end

--- A value as the text of one cell: strings as they are, numbers and
-- booleans written out, null empty, a list of scalars joined with commas,
-- anything else as compact JSON.
function M.cell(v)
  if v == nil or v == null then return "" end
  local t = type(v)
  if t == "string" then return v end
  if t == "number" then
    if math.type(v) == "integer" then return tostring(v) end
    return float_text(v)
  end
  if t == "boolean" then return tostring(v) end
  if t == "table" and is_array(v) then
    local parts, simple = {}, true
    for i, x in ipairs(v) do
      if not is_scalar(x) then
        simple = false
        break
      end
      parts[i] = M.cell(x)
    end
    if simple then return table.concat(parts, ",") end
  end
  if t == "table" then return acrcloud.encode(v) end
  return tostring(v)
end

--- The value at a dotted path in v, or nil: "a", "b.c", "buckets.1" (the
-- first item), "buckets.id" (the id of every item of a list, as a list).
function M.get(v, path)
  local parts = {}
  for part in path:gmatch("[^.]+") do parts[#parts + 1] = part end
  local function walk(x, i)
    if i > #parts then return x end
    if type(x) ~= "table" or x == null then return nil end
    local part = parts[i]
    local index = math.tointeger(tonumber(part))
    if index ~= nil and x[part] == nil then return walk(x[index], i + 1) end
    if x[part] == nil and #x > 0 and is_array(x) then
      local out = {}
      for j, item in ipairs(x) do out[j] = walk(item, i) end
      return out
    end
    return walk(x[part], i + 1)
  end
  return walk(v, 1)
end

--- "a,b.c" -> { "a", "b.c" }; nil for nil.
function M.parse_fields(text)
  if text == nil then return nil end
  local fields = {}
  for f in text:gmatch("[^,]+") do
    f = f:match("^%s*(.-)%s*$")
    if f ~= "" then fields[#fields + 1] = f end
  end
  return fields
end

local PRIORITY = { id = 1, name = 2, title = 3 }

local function column_order(a, b)
  local pa, pb = PRIORITY[a] or 99, PRIORITY[b] or 99
  if pa ~= pb then return pa < pb end
  return a < b
end

local function simple(v)
  if is_scalar(v) then return true end
  if not is_array(v) then return false end
  for _, x in ipairs(v) do
    if not is_scalar(x) then return false end
  end
  return true
end

--- The default columns of some rows (see the top).
function M.default_columns(rows)
  local seen, cols = {}, {}
  local scalars = false
  for _, row in ipairs(rows) do
    if type(row) == "table" and row ~= null then
      for k, v in pairs(row) do
        if type(k) == "string" and not seen[k] and simple(v) then
          seen[k] = true
          cols[#cols + 1] = k
        end
      end
    else
      scalars = true
    end
  end
  table.sort(cols, column_order)
  if #cols == 0 and scalars then return { "." } end
  return cols
end

-- A row's cell for a column; "." is the row itself (a list of scalars).
local function row_cell(row, col)
  if col == "." then return M.cell(row) end
  return M.cell(M.get(row, col))
end

--- The rows of an answer: body.data when it is a list, the body when it
-- is a list; else nil (a single object).
function M.rows_of(body)
  if type(body) ~= "table" or body == null then return nil end
  if is_array(body) then return body end
  if type(body.data) == "table" and is_array(body.data) and body.data ~= null then
    return body.data
  end
  return nil
end

--- The object a single answer is about: body.data when it is an object,
-- else the body.
function M.object_of(body)
  if type(body) == "table" and type(body.data) == "table" and body.data ~= null then
    return body.data
  end
  return body
end

-- ------------------------------------------------------------ table

local function width(s)
  return utf8.len(s) or #s
end

-- Control characters (line breaks, tabs) would break the columns.
local function flat(s)
  return (s:gsub("[%c]", " "))
end

local Table = {}
Table.__index = Table

-- A table writer: columns fixed, widths from the header and `sample`.
local function new_table(out, cols, sample)
  local t = setmetatable({ out = out, cols = cols, widths = {}, numeric = {} }, Table)
  for i, c in ipairs(cols) do
    t.widths[i] = width(c)
    t.numeric[i] = #sample > 0
  end
  for _, row in ipairs(sample) do
    for i, c in ipairs(cols) do
      local v = c == "." and row or M.get(row, c)
      local s = flat(row_cell(row, c))
      if width(s) > t.widths[i] then t.widths[i] = width(s) end
      if type(v) ~= "number" and v ~= nil and v ~= null then t.numeric[i] = false end
    end
  end
  return t
end

function Table:line(cells)
  local parts = {}
  local last = #cells
  for i, s in ipairs(cells) do
    local pad = string.rep(" ", math.max(0, self.widths[i] - width(s)))
    if self.numeric[i] then
      parts[i] = pad .. s
    elseif i == last then
      parts[i] = s -- no trailing spaces
    else
      parts[i] = s .. pad
    end
  end
  self.out:write(table.concat(parts, "  "), "\n")
end

function Table:header()
  local cells = {}
  for i, c in ipairs(self.cols) do cells[i] = c == "." and "value" or c end
  self:line(cells)
end

function Table:row(row)
  local cells = {}
  for i, c in ipairs(self.cols) do cells[i] = flat(row_cell(row, c)) end
  self:line(cells)
end

-- FIELD VALUE lines for one object: nested objects flattened into dotted
-- names, in alphabetical order.
local function vertical(out, obj)
  local pairs_out = {}
  local function walk(prefix, v)
    if type(v) == "table" and v ~= null and not is_array(v) and next(v) ~= nil then
      local keys = {}
      for k in pairs(v) do keys[#keys + 1] = k end
      table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
      for _, k in ipairs(keys) do
        walk(prefix == "" and tostring(k) or prefix .. "." .. tostring(k), v[k])
      end
    else
      pairs_out[#pairs_out + 1] = { prefix == "" and "value" or prefix, flat(M.cell(v)) }
    end
  end
  walk("", obj)
  local w = 0
  for _, p in ipairs(pairs_out) do w = math.max(w, width(p[1])) end
  for _, p in ipairs(pairs_out) do
    if p[2] == "" then
      out:write(p[1], "\n")
    else
      out:write(p[1], string.rep(" ", w - width(p[1]) + 2), p[2], "\n")
    end
  end
end

-- ------------------------------------------------------------ csv

local function csv_header(out, cols)
  local names = {}
  for i, c in ipairs(cols) do names[i] = c == "." and "value" or c end
  out:write(csv.format_row(names))
end

local function csv_row(out, cols, row)
  local cells = {}
  for i, c in ipairs(cols) do cells[i] = row_cell(row, c) end
  out:write(csv.format_row(cells))
end

-- ------------------------------------------------------------ one answer

--- Writes one decoded answer in a format (json: see `bytes`). opts.fields:
-- the chosen columns; opts.bytes: the server's bytes, written for json
-- instead of re-encoding (the caller has checked they are JSON).
function M.body(out, format, body, opts)
  opts = opts or {}
  if body == true then return end -- no content (204)
  if format == "json" then
    local text = opts.bytes or acrcloud.encode(body)
    out:write(text)
    if text:sub(-1) ~= "\n" then out:write("\n") end
    return
  end
  local rows = M.rows_of(body)
  if format == "jsonl" then
    if rows then
      for _, row in ipairs(rows) do out:write(acrcloud.encode(row), "\n") end
    else
      out:write(acrcloud.encode(body), "\n")
    end
    return
  end
  if not rows then
    local obj = M.object_of(body)
    if format == "table" and not opts.fields then
      vertical(out, obj)
      return
    end
    rows = { obj }
  end
  local cols = opts.fields or M.default_columns(rows)
  if #cols == 0 then return end
  if format == "csv" then
    csv_header(out, cols)
    for _, row in ipairs(rows) do csv_row(out, cols, row) end
  else
    local t = new_table(out, cols, rows)
    t:header()
    for _, row in ipairs(rows) do t:row(row) end
  end
end

-- ------------------------------------------------------------ streams

local Stream = {}
Stream.__index = Stream

--- A writer for the items of every page (--all), holding at most SAMPLE
-- items: json writes one array as it goes, jsonl a line an item, table and
-- csv choose columns (and widths) from the first SAMPLE items.
function M.stream(out, format, opts)
  opts = opts or {}
  return setmetatable({ out = out, format = format, fields = opts.fields, count = 0,
    sample = {} }, Stream)
end

function Stream:start_rows()
  local cols = self.fields or M.default_columns(self.sample)
  self.cols = cols
  if #cols == 0 then
    self.skip = true
  elseif self.format == "csv" then
    csv_header(self.out, cols)
    for _, row in ipairs(self.sample) do csv_row(self.out, cols, row) end
  else
    self.table = new_table(self.out, cols, self.sample)
    self.table:header()
    for _, row in ipairs(self.sample) do self.table:row(row) end
  end
  self.sample = nil
end

function Stream:item(item)
  self.count = self.count + 1
  local f = self.format
  if f == "json" then
    self.out:write(self.count == 1 and "[\n" or ",\n", acrcloud.encode(item))
  elseif f == "jsonl" then
    self.out:write(acrcloud.encode(item), "\n")
  elseif self.sample then
    self.sample[#self.sample + 1] = item
    if #self.sample >= M.SAMPLE then self:start_rows() end
  elseif not self.skip then
    if f == "csv" then
      csv_row(self.out, self.cols, item)
    else
      self.table:row(item)
    end
  end
end

function Stream:finish()
  if self.format == "json" then
    self.out:write(self.count == 0 and "[]\n" or "\n]\n")
  elseif self.sample then
    if #self.sample > 0 or self.fields then self:start_rows() end
  end
end

return M
