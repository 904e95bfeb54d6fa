#!/usr/bin/env acrlua
-- stats.lua: day statistics of a base project, as a table, CSV or JSON.
-- Run with -h for the whole story.
local acrcloud = require "acrcloud"
local cli = require "acrcloud.cli"
local csv = require "acrcloud.csv"

local NAME = "stats.lua"

local HELP = [[
usage: stats.lua [options] PROJECT START END

Prints the day statistics of a base (recognition) project from START to END
(dates, YYYY-MM-DD, both included), one row a day, with a totals row.

PROJECT is the project's id, or its name (which must match exactly one
project in the account).

The API does not document which numbers a day carries, so every numeric
field of the rows is printed, in alphabetical order after the date.

Options:
  -o, --output FORMAT   table (default: aligned columns), csv or json
      --no-totals       leave out the totals row (table and csv)
      --base-url URL    the API base URL (default: $ACRCLOUD_BASE_URL)
      --profile NAME    the profile that gives the token and base URL
  -h, --help            this help

Output goes to stdout only, so it can be piped; errors go to stderr.
JSON output is {"project": ID, "start": ..., "end": ..., "columns": [...],
"days": [{...}, ...], "totals": {...}}.

Exit status: 0 success; 1 failure (API error, unknown project); 2 bad
usage (bad dates, unknown format).

]]

local SPEC = {
  help = HELP,
  options = {
    { "o", "output", value = "FORMAT" },
    { nil, "no-totals" },
  },
  min_args = 3, max_args = 3,
  connection = true,
}

local FORMATS = { table = true, csv = true, json = true }

-- Days in a month, for date checks.
local function valid_date(s)
  local y, m, d = s:match("^(%d%d%d%d)%-(%d%d)%-(%d%d)$")
  if not y then return false end
  y, m, d = tonumber(y), tonumber(m), tonumber(d)
  if m < 1 or m > 12 or d < 1 then return false end
  local leap = (y % 4 == 0 and y % 100 ~= 0) or y % 400 == 0
  local days = { 31, leap and 29 or 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 }
  return d <= days[m]
end

-- Rows from the answer: an array of objects, or an object keyed by date.
local function rows_of(data)
  if type(data) ~= "table" then return nil end
  if #data > 0 or next(data) == nil then return data end
  local rows = {}
  for k, v in pairs(data) do
    if type(k) == "string" and k:match("^%d%d%d%d%-%d%d%-%d%d$") then
      local row = type(v) == "table" and v or { count = v }
      if row.date == nil then
        local copy = { date = k }
        for kk, vv in pairs(row) do copy[kk] = vv end
        row = copy
      end
      rows[#rows + 1] = row
    end
  end
  table.sort(rows, function(a, b) return tostring(a.date) < tostring(b.date) end)
  return rows
end

-- The date column (the first key holding YYYY-MM-DD strings) and the
-- numeric columns, sorted.
local function columns_of(rows)
  local date_key, numeric, seen = nil, {}, {}
  for _, row in ipairs(rows) do
    for k, v in pairs(row) do
      if type(v) == "number" and not seen[k] then
        seen[k] = true
        numeric[#numeric + 1] = k
      elseif not date_key and type(v) == "string" and v:match("^%d%d%d%d%-%d%d%-%d%d") then
        date_key = k
      end
    end
  end
  if rows[1] and rows[1].date ~= nil then date_key = "date" end
  table.sort(numeric)
  return date_key, numeric
end

local function fmt_number(v)
  if v == nil then return "" end
  if math.type(v) == "integer" then return tostring(v) end
  if v == math.floor(v) and math.abs(v) < 2 ^ 53 then return string.format("%d", v) end
  return string.format("%.2f", v)
end

local function print_table(out, date_key, cols, rows, totals)
  local header = { date_key or "day" }
  for _, c in ipairs(cols) do header[#header + 1] = c end
  local lines = { header }
  for _, row in ipairs(rows) do
    local line = { tostring(row[date_key] or "") }
    for _, c in ipairs(cols) do line[#line + 1] = fmt_number(row[c]) end
    lines[#lines + 1] = line
  end
  if totals then
    local line = { "total" }
    for _, c in ipairs(cols) do line[#line + 1] = fmt_number(totals[c]) end
    lines[#lines + 1] = line
  end
  local widths = {}
  for _, line in ipairs(lines) do
    for i, cell in ipairs(line) do widths[i] = math.max(widths[i] or 0, utf8.len(cell) or #cell) end
  end
  for n, line in ipairs(lines) do
    local parts = {}
    for i, cell in ipairs(line) do
      local pad = string.rep(" ", widths[i] - (utf8.len(cell) or #cell))
      -- The first column reads left to right; numbers line up on the right.
      parts[i] = i == 1 and (cell .. pad) or (pad .. cell)
    end
    if totals and n == #lines then
      local rule = {}
      for i = 1, #widths do rule[i] = string.rep("-", widths[i]) end
      out:write(table.concat(rule, "  "), "\n")
    end
    out:write((table.concat(parts, "  "):gsub("%s+$", "")), "\n")
  end
end

local function print_csv(out, date_key, cols, rows, totals)
  local header = { date_key or "day" }
  for _, c in ipairs(cols) do header[#header + 1] = c end
  out:write(csv.format_row(header))
  for _, row in ipairs(rows) do
    local line = { tostring(row[date_key] or "") }
    for _, c in ipairs(cols) do line[#line + 1] = fmt_number(row[c]) end
    out:write(csv.format_row(line))
  end
  if totals then
    local line = { "total" }
    for _, c in ipairs(cols) do line[#line + 1] = fmt_number(totals[c]) end
    out:write(csv.format_row(line))
  end
end

-- A number as the other formats show it: whole ones as integers, others
-- rounded to two decimals.
local function json_number(v)
  if math.type(v) == "integer" then return v end
  if v == math.floor(v) and math.abs(v) < 2 ^ 53 then return math.tointeger(v) end
  return tonumber(string.format("%.2f", v))
end

-- Through acrcloud.encode, with keys in a fixed order (ordered objects), so
-- that output is stable run after run.
local function print_json(out, info, date_key, cols, rows, totals)
  local function obj(keys, values)
    local o = {}
    for _, k in ipairs(keys) do
      local v = values[k]
      if type(v) == "number" then v = json_number(v) end
      o[k] = v
    end
    return acrcloud.object(o, keys)
  end
  local row_keys = { date_key }
  for _, c in ipairs(cols) do row_keys[#row_keys + 1] = c end
  local days = acrcloud.array()
  for i, row in ipairs(rows) do days[i] = obj(row_keys, row) end
  local columns = acrcloud.array()
  for i, c in ipairs(cols) do columns[i] = c end
  local doc = acrcloud.object({ project = info.project, start = info.start, ["end"] = info["end"],
    columns = columns, days = days, totals = obj(cols, totals or {}) },
    { "project", "start", "end", "columns", "days", "totals" })
  out:write(acrcloud.encode(doc), "\n")
end

local function main(argv)
  local opts, args = cli.parse(SPEC, argv)
  local project, start, finish = args[1], args[2], args[3]
  local format = opts.output or "table"
  if not FORMATS[format] then
    cli.usage_error(SPEC, string.format("unknown output format %q (expected table, csv or json)",
      format))
  end
  if not valid_date(start) then
    cli.usage_error(SPEC, string.format("START %q is not a date (YYYY-MM-DD)", start))
  end
  if not valid_date(finish) then
    cli.usage_error(SPEC, string.format("END %q is not a date (YYYY-MM-DD)", finish))
  end
  if finish < start then cli.usage_error(SPEC, "END is before START") end
  if project == "" then cli.usage_error(SPEC, "PROJECT must not be empty") end

  local client = cli.connect(NAME, opts)
  local id = cli.resolve_project(NAME, client, project, "list_base_projects",
    "base project")
  local body, err = client:get_base_project_day_stat { id = id, start = start, ["end"] = finish }
  if not body then cli.die(NAME, tostring(err)) end
  local rows = rows_of(type(body) == "table" and body.data)
  if not rows then cli.die(NAME, "the answer holds no day rows (no \"data\")") end

  local date_key, cols = columns_of(rows)
  local totals = {}
  for _, c in ipairs(cols) do
    local sum = 0
    for _, row in ipairs(rows) do
      if type(row[c]) == "number" then sum = sum + row[c] end
    end
    totals[c] = sum
  end
  local out = io.stdout
  if format == "json" then
    print_json(out, { project = id, start = start, ["end"] = finish }, date_key or "date", cols,
      rows, totals)
  elseif format == "csv" then
    print_csv(out, date_key or "date", cols, rows, not opts.no_totals and totals or nil)
  else
    print_table(out, date_key or "date", cols, rows, not opts.no_totals and totals or nil)
  end
  return 0
end

os.exit(main(arg or {}))
