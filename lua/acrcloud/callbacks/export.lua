-- The results a receiver stored, for one local day, as the CSV that
-- scripts/export-results.lua writes from the API (acrcloud.results_csv):
-- the same columns, the same cells, the same order (by channel id, numbers
-- in numeric order, then time), so the two can be compared line by line.
--
--   local export = require "acrcloud.callbacks.export"
--   local n = assert(export.write(db, { date = "2021-03-28", zone = "Europe/Berlin",
--                                       project = "12345" }, io.stdout))
local results_csv = require "acrcloud.results_csv"

local M = {}

local function id_before(a, b)
  local na, nb = a:match("^%d+$") and tonumber(a), b:match("^%d+$") and tonumber(b)
  if na and nb then
    if na ~= nb then return na < nb end
    return a < b
  end
  if na or nb then return na ~= nil end -- numeric ids first
  return a < b
end

-- rows(db, opts) -> list of CSV rows (lists of cells) | nil, message.
-- opts: date ("YYYY-MM-DD" or "YYYYmmdd"), zone (a tz name or offset,
-- default UTC), project (only the posts to /callback/PROJECT).
function M.rows(db, opts)
  local date = results_csv.parse_date(opts.date or "")
  if not date then return nil, string.format("%q is not a date (YYYY-MM-DD)", opts.date) end
  local zone = opts.zone or "UTC"
  local window = results_csv.day_window(zone, date)
  if not window then
    return nil, string.format("%s does not exist in %s (the clocks skipped it)", date, zone)
  end
  local ok, stored = pcall(db.results_between, db, window.first, window.stop, opts.project)
  if not ok then return nil, "cannot read the results: " .. tostring(stored) end
  for i, r in ipairs(stored) do r.order = i end
  table.sort(stored, function(a, b)
    if a.stream_id ~= b.stream_id then return id_before(a.stream_id, b.stream_id) end
    return a.order < b.order
  end)
  local rows = {}
  for _, r in ipairs(stored) do
    rows[#rows + 1] = results_csv.row(zone, r.stream_id, r.stream_name, r.timestamp_utc,
      r.played_duration, r.match_kind, r)
  end
  return rows
end

-- write(db, opts, out) -> number of rows | nil, message: the header and
-- the rows, to the file `out`.
function M.write(db, opts, out)
  local rows, err = M.rows(db, opts)
  if not rows then return nil, err end
  out:write(results_csv.record(results_csv.COLUMNS))
  for _, row in ipairs(rows) do out:write(results_csv.record(row)) end
  return #rows
end

return M
